package ocpp

import (
	"fmt"
	"reflect"
	"sort"
)

// Direction says which side sends an action's CALL.
type Direction uint8

// Directions. DataTransfer goes both ways (OCPP 1.6 §4.3 and §5.6).
const (
	ChargerToCSMS Direction = 1 << iota
	CSMSToCharger
	BothDirections = ChargerToCSMS | CSMSToCharger
)

// String names the direction.
func (d Direction) String() string {
	switch d {
	case ChargerToCSMS:
		return "ChargerToCSMS"
	case CSMSToCharger:
		return "CSMSToCharger"
	case BothDirections:
		return "Both"
	}
	return "none"
}

// ActionSpec describes one action of a version. NewRequest and NewResponse
// return a pointer to a fresh zero payload struct.
type ActionSpec struct {
	Name        string
	Direction   Direction
	Profile     string
	NewRequest  func() any
	NewResponse func() any
}

type action struct {
	spec      ActionSpec
	req, resp *structCodec
}

// Registry is the immutable set of actions of one OCPP version. It is safe
// for concurrent use.
type Registry struct {
	version Version
	actions map[string]action
}

// NewRegistry builds the registry of version v. It prepares every payload
// type's codec now, and panics on a duplicate action or a payload type the
// codec cannot handle: both are programming errors found at start-up.
func NewRegistry(v Version, specs []ActionSpec) *Registry {
	r := &Registry{version: v, actions: make(map[string]action, len(specs))}
	for _, s := range specs {
		if _, dup := r.actions[s.Name]; dup {
			panic("ocpp: duplicate action " + s.Name)
		}
		r.actions[s.Name] = action{spec: s, req: mustCodec(s.Name, s.NewRequest), resp: mustCodec(s.Name, s.NewResponse)}
	}
	return r
}

func mustCodec(name string, newf func() any) *structCodec {
	t := reflect.TypeOf(newf())
	if t == nil || t.Kind() != reflect.Pointer {
		panic(fmt.Sprintf("ocpp: action %s: payload constructor must return a pointer", name))
	}
	c, err := codecFor(t.Elem())
	if err != nil {
		panic(fmt.Sprintf("ocpp: action %s: %v", name, err))
	}
	return c
}

// Version returns the registry's OCPP version.
func (r *Registry) Version() Version { return r.version }

// Lookup returns the action called name.
func (r *Registry) Lookup(name string) (ActionSpec, bool) {
	a, ok := r.actions[name]
	return a.spec, ok
}

// Actions returns every action, sorted by name.
func (r *Registry) Actions() []ActionSpec {
	out := make([]ActionSpec, 0, len(r.actions))
	for _, a := range r.actions {
		out = append(out, a.spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DecodeRequest decodes and validates the payload of a received CALL. dir is
// the direction the CALL travelled: a CSMS passes ChargerToCSMS, a charger
// (the simulator) CSMSToCharger. It returns a pointer to the action's request
// struct, or an *Error whose CallError method gives the answer: NotImplemented
// for an unknown action, NotSupported for an action that does not travel in
// dir, a constraint violation for a bad payload.
func DecodeRequest(reg *Registry, dir Direction, actionName string, payload []byte, relax Relaxations) (any, error) {
	a, ok := reg.actions[actionName]
	if !ok {
		return nil, &Error{Code: NotImplemented, Reason: "action not implemented"}
	}
	if a.spec.Direction&dir == 0 {
		return nil, &Error{Code: NotSupported, Reason: "action " + a.spec.Name + " is not supported in this direction"}
	}
	dst := a.spec.NewRequest()
	if err := a.req.decode(reg.version, payload, reflect.ValueOf(dst).Elem(), relax); err != nil {
		return nil, err
	}
	return dst, nil
}

// DecodeResponse decodes and validates the payload of a CALLRESULT answering
// a CALL of actionName. It returns a pointer to the action's response struct
// or an *Error (OCPP sends no answer to a CALLRESULT; log it and fail the
// pending call).
func DecodeResponse(reg *Registry, actionName string, payload []byte, relax Relaxations) (any, error) {
	a, ok := reg.actions[actionName]
	if !ok {
		return nil, &Error{Code: NotImplemented, Reason: "action not implemented"}
	}
	dst := a.spec.NewResponse()
	if err := a.resp.decode(reg.version, payload, reflect.ValueOf(dst).Elem(), relax); err != nil {
		return nil, err
	}
	return dst, nil
}
