package ocpp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Enum is implemented by string types whose values are restricted to a
// list. Decode rejects other values with PropertyConstraintViolation.
type Enum interface {
	EnumValues() []string
}

// Decode decodes payload into dst, a pointer to a struct, checking the
// constraints written in the struct's `ocpp` tags and relaxing them as relax
// allows; error codes are spelled for version v. The payload is decoded once.
//
// Tag grammar, options separated by commas:
//
//	required      the field must be present (OccurenceConstraintViolation)
//	max=N         a string (or each string of a list) has at most N characters
//	minitems=N    a list has at least N items (OccurenceConstraintViolation)
//	relax=NAME    the named relaxation waives this field's minitems
//	connector     an integer that OCPP wants > 0 (ConnectorIDZeroAsAbsent)
//	multipleof=X  a number is a multiple of X; checked by Check only, since
//	              chargers send finer values and rejecting them helps nobody
//	minimum=X     a number is at least X (PropertyConstraintViolation)
//	maximum=X     a number is at most X (PropertyConstraintViolation)
//	maxitems=N    a list has at most N items (OccurenceConstraintViolation)
//
// Field types: string kinds (an Enum is checked against its values), int
// and float kinds, bool, DateTime, structs following the same rules, slices
// of those; each may be a pointer (pointer means optional). A
// json.RawMessage field takes any JSON value unchecked (OCPP 2.0.1's
// anyType, DataTransfer's data). Unknown JSON
// members are ignored. A json.Unmarshal of the same types works too, without
// the checks.
func Decode(v Version, payload []byte, dst any, relax Relaxations) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Code: InternalError, Reason: "decode target is not a pointer"}
	}
	c, err := codecFor(rv.Type().Elem())
	if err != nil {
		return &Error{Code: InternalError, Reason: err.Error()}
	}
	if e := c.decode(v, payload, rv.Elem(), relax); e != nil {
		return e
	}
	return nil
}

type kind uint8

const (
	kString kind = iota
	kInt
	kFloat
	kBool
	kDateTime
	kStruct
	kSlice
	kRaw
)

type field struct {
	name      string // JSON name
	index     int
	kind      kind
	ptr       bool         // the target field is a pointer
	rtype     reflect.Type // target type without the pointer
	required  bool
	maxLen    int
	minItems  int
	relaxMin  Relaxations
	connector bool
	step      float64 // multipleOf, checked on payloads Volt sends (Check)
	minVal    *float64
	maxVal    *float64
	maxItems  int
	enum      map[string]struct{}
	sub       *structCodec // kStruct, or kSlice of structs
	elem      *field       // kSlice
}

type structCodec struct {
	typ    reflect.Type
	shadow reflect.Type
	fields []field
}

var rawType = reflect.TypeFor[json.RawMessage]()

var codecs sync.Map // reflect.Type → *structCodec; immutable once built

// codecFor returns the cached codec of struct type t, building it once.
func codecFor(t reflect.Type) (*structCodec, error) {
	if c, ok := codecs.Load(t); ok {
		return c.(*structCodec), nil
	}
	c, err := buildCodec(t, map[reflect.Type]bool{})
	if err != nil {
		return nil, err
	}
	actual, _ := codecs.LoadOrStore(t, c)
	return actual.(*structCodec), nil
}

func buildCodec(t reflect.Type, seen map[reflect.Type]bool) (*structCodec, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("ocpp: %v is not a struct", t)
	}
	if seen[t] {
		return nil, fmt.Errorf("ocpp: recursive type %v", t)
	}
	seen[t] = true
	defer delete(seen, t)
	c := &structCodec{typ: t}
	var sfs []reflect.StructField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f, shadowT, err := buildField(sf.Type, sf.Tag.Get("ocpp"), seen)
		if err != nil {
			return nil, fmt.Errorf("ocpp: %v.%s: %w", t, sf.Name, err)
		}
		f.name, f.index = name, i
		c.fields = append(c.fields, f)
		sfs = append(sfs, reflect.StructField{Name: sf.Name, Type: shadowT, Tag: reflect.StructTag(`json:"` + name + `"`)})
	}
	c.shadow = reflect.StructOf(sfs)
	return c, nil
}

// buildField describes one field and returns the type of its shadow: a
// pointer for scalars and structs (nil means absent), a slice for slices.
func buildField(t reflect.Type, tag string, seen map[reflect.Type]bool) (field, reflect.Type, error) {
	var f field
	if err := f.parseTag(tag); err != nil {
		return f, nil, err
	}
	if t.Kind() == reflect.Pointer {
		f.ptr, t = true, t.Elem()
	}
	f.rtype = t
	if t == rawType {
		if f.ptr {
			return f, nil, errors.New("pointer to json.RawMessage")
		}
		f.kind = kRaw
		return f, reflect.PointerTo(rawType), nil
	}
	if t.Kind() == reflect.Slice {
		if f.ptr {
			return f, nil, errors.New("pointer to slice")
		}
		ef, elemShadow, err := buildField(t.Elem(), "", seen)
		if err != nil {
			return f, nil, err
		}
		if ef.ptr || ef.kind == kSlice {
			return f, nil, errors.New("slice of pointers or slices")
		}
		ef.maxLen, ef.connector, ef.minVal, ef.maxVal = f.maxLen, f.connector, f.minVal, f.maxVal
		f.kind, f.elem = kSlice, &ef
		return f, reflect.SliceOf(elemShadow.Elem()), nil
	}
	var shadow reflect.Type
	switch {
	case t == dateTimeType:
		f.kind, shadow = kDateTime, reflect.TypeFor[shadowTime]()
	case t.Kind() == reflect.String:
		f.kind, shadow = kString, reflect.TypeFor[string]()
		if t.Implements(reflect.TypeFor[Enum]()) {
			vals := reflect.Zero(t).Interface().(Enum).EnumValues()
			f.enum = make(map[string]struct{}, len(vals))
			for _, v := range vals {
				f.enum[v] = struct{}{}
			}
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		f.kind, shadow = kInt, reflect.TypeFor[number]()
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		f.kind, shadow = kFloat, reflect.TypeFor[number]()
	case t.Kind() == reflect.Bool:
		f.kind, shadow = kBool, reflect.TypeFor[bool]()
	case t.Kind() == reflect.Struct:
		sub, err := buildCodec(t, seen)
		if err != nil {
			return f, nil, err
		}
		f.kind, f.sub, shadow = kStruct, sub, sub.shadow
	default:
		return f, nil, fmt.Errorf("unsupported type %v", t)
	}
	return f, reflect.PointerTo(shadow), nil
}

func (f *field) parseTag(tag string) error {
	for opt := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(opt), "=")
		var err error
		switch key {
		case "":
		case "required":
			f.required = true
		case "connector":
			f.connector = true
		case "max":
			f.maxLen, err = strconv.Atoi(val)
		case "minitems":
			f.minItems, err = strconv.Atoi(val)
		case "multipleof":
			f.step, err = strconv.ParseFloat(val, 64)
		case "relax":
			f.relaxMin, err = ParseRelaxations([]string{val})
		case "maxitems":
			f.maxItems, err = strconv.Atoi(val)
		case "minimum", "maximum":
			var x float64
			x, err = strconv.ParseFloat(val, 64)
			if key == "minimum" {
				f.minVal = &x
			} else {
				f.maxVal = &x
			}
		default:
			err = fmt.Errorf("unknown option %q", key)
		}
		if err != nil {
			return fmt.Errorf("tag %q: %w", tag, err)
		}
	}
	return nil
}

// number is the shadow of a numeric field: the literal, and whether it came
// quoted. jsonType is set when the JSON value was neither.
type number struct {
	lit      string
	quoted   bool
	jsonType string
}

func (n *number) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n.lit, n.quoted = s, true
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		n.lit = string(b)
	default:
		n.jsonType = "non-number"
	}
	return nil
}

// shadowTime is the shadow of a DateTime: it keeps a malformed value so the
// error can name the field.
type shadowTime struct {
	t   DateTime
	bad string
}

func (s *shadowTime) UnmarshalJSON(b []byte) error {
	if err := s.t.UnmarshalJSON(b); err != nil {
		s.bad = "not an RFC 3339 date-time"
		if err == error(errDateTimeJSON) {
			s.bad = "wrong JSON type, want date-time string"
		}
	}
	return nil
}

// decoder carries one decode call's settings.
type decoder struct {
	v        Version
	relax    Relaxations
	outgoing bool // Check: also apply the rules only Volt's own payloads keep
}

// fail returns an error about the current value; the callers above it
// prepend their member names and indexes on the way out (see within), so a
// successful decode builds no path at all.
func (d *decoder) fail(code ErrorCode, reason string) *Error {
	return &Error{Code: d.v.Code(code), Reason: reason}
}

// within prefixes e's field path with a member name or an index ("[3]").
func within(e *Error, seg string) *Error {
	switch {
	case e.Field == "":
		e.Field = seg
	case e.Field[0] == '[':
		e.Field = seg + e.Field
	default:
		e.Field = seg + "." + e.Field
	}
	return e
}

func (c *structCodec) decode(v Version, payload []byte, dst reflect.Value, relax Relaxations) *Error {
	return decoder{v: v, relax: relax}.run(c, payload, dst)
}

func (d decoder) run(c *structCodec, payload []byte, dst reflect.Value) *Error {
	sh := reflect.New(c.shadow)
	if err := json.Unmarshal(payload, sh.Interface()); err != nil {
		return jsonError(d.v, err)
	}
	return d.fillStruct(c, dst, sh.Elem())
}

func jsonError(v Version, err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// te.Value names a JSON type ("number"), never the value itself.
		return &Error{Code: v.Code(TypeConstraintViolation), Field: te.Field, Reason: "wrong JSON type " + te.Value}
	}
	return &Error{Code: v.Code(FormationViolation), Reason: "payload is not valid JSON"}
}

func (d *decoder) fillStruct(c *structCodec, dst, src reflect.Value) *Error {
	for i := range c.fields {
		f := &c.fields[i]
		sf := src.Field(i)
		if f.kind == kSlice {
			if err := d.fillSlice(f, dst.Field(f.index), sf); err != nil {
				return within(err, f.name)
			}
			continue
		}
		if f.kind == kRaw {
			if sf.IsNil() {
				if f.required {
					return within(d.fail(OccurenceConstraintViolation, "required field missing"), f.name)
				}
				continue
			}
			raw := *sf.Interface().(*json.RawMessage)
			dst.Field(f.index).Set(reflect.ValueOf(append(json.RawMessage(nil), raw...)))
			continue
		}
		if sf.IsNil() {
			if f.required {
				return within(d.fail(OccurenceConstraintViolation, "required field missing"), f.name)
			}
			continue
		}
		df := dst.Field(f.index)
		if f.ptr {
			n := reflect.New(f.rtype)
			set, err := d.fillValue(f, n.Elem(), sf.Elem())
			if err != nil {
				return within(err, f.name)
			}
			if set {
				df.Set(n)
			}
			continue
		}
		if _, err := d.fillValue(f, df, sf.Elem()); err != nil {
			return within(err, f.name)
		}
	}
	return nil
}

func (d *decoder) fillSlice(f *field, dst, src reflect.Value) *Error {
	if src.IsNil() {
		if f.required {
			return d.fail(OccurenceConstraintViolation, "required field missing")
		}
		return nil
	}
	n := src.Len()
	if n < f.minItems && (f.relaxMin == 0 || !d.relax.Has(f.relaxMin)) {
		return d.fail(OccurenceConstraintViolation, "needs at least "+strconv.Itoa(f.minItems)+" items")
	}
	if f.maxItems > 0 && n > f.maxItems {
		return d.fail(OccurenceConstraintViolation, "has more than "+strconv.Itoa(f.maxItems)+" items")
	}
	out := reflect.MakeSlice(f.rtype, n, n)
	for i := range n {
		if _, err := d.fillValue(f.elem, out.Index(i), src.Index(i)); err != nil {
			return within(err, "["+strconv.Itoa(i)+"]")
		}
	}
	dst.Set(out)
	return nil
}

// fillValue copies one shadow value into dst after checking it. It reports
// false when the value is to be treated as absent.
func (d *decoder) fillValue(f *field, dst, src reflect.Value) (bool, *Error) {
	switch f.kind {
	case kString:
		s := src.String()
		if f.maxLen > 0 && len(s) > f.maxLen && utf8.RuneCountInString(s) > f.maxLen && !d.relax.Has(LongStrings) {
			return false, d.fail(PropertyConstraintViolation, "longer than "+strconv.Itoa(f.maxLen)+" characters")
		}
		if f.enum != nil {
			if _, ok := f.enum[s]; !ok {
				return false, d.fail(PropertyConstraintViolation, "value not allowed")
			}
		}
		dst.SetString(s)
	case kInt, kFloat:
		return d.fillNumber(f, dst, src.Addr().Interface().(*number))
	case kBool:
		dst.SetBool(src.Bool())
	case kDateTime:
		st := src.Addr().Interface().(*shadowTime)
		if st.bad != "" {
			code := PropertyConstraintViolation
			if strings.HasPrefix(st.bad, "wrong JSON type") {
				code = TypeConstraintViolation
			}
			return false, d.fail(code, st.bad)
		}
		if st.t.noZone && !d.relax.Has(TimestampWithoutZone) {
			return false, d.fail(PropertyConstraintViolation, "date-time without time zone")
		}
		// Accepted (relaxed) values keep ZoneMissing for the caller's logs.
		*dst.Addr().Interface().(*DateTime) = st.t
	case kStruct:
		if err := d.fillStruct(f.sub, dst, src); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (d *decoder) fillNumber(f *field, dst reflect.Value, n *number) (bool, *Error) {
	if n.jsonType != "" {
		return false, d.fail(TypeConstraintViolation, "wrong JSON type, want number")
	}
	if n.quoted && !d.relax.Has(NumbersAsStrings) {
		return false, d.fail(TypeConstraintViolation, "number sent as a string")
	}
	if f.kind == kFloat {
		x, err := strconv.ParseFloat(n.lit, 64)
		if err != nil {
			return false, d.fail(TypeConstraintViolation, "not a number")
		}
		if d.outgoing && f.step > 0 {
			q := x / f.step
			if math.Abs(q-math.Round(q)) > 1e-6 {
				return false, d.fail(PropertyConstraintViolation, "not a multiple of "+strconv.FormatFloat(f.step, 'g', -1, 64))
			}
		}
		if err := d.bounds(f, x); err != nil {
			return false, err
		}
		dst.SetFloat(x)
		return true, nil
	}
	x, err := strconv.ParseInt(n.lit, 10, 64)
	if err != nil || dst.OverflowInt(x) {
		return false, d.fail(TypeConstraintViolation, "not an integer in range")
	}
	if f.connector && x <= 0 {
		if x == 0 && d.relax.Has(ConnectorIDZeroAsAbsent) {
			return false, nil
		}
		return false, d.fail(PropertyConstraintViolation, "connector id must be greater than 0")
	}
	if err := d.bounds(f, float64(x)); err != nil {
		return false, err
	}
	dst.SetInt(x)
	return true, nil
}

// bounds checks a number against the field's minimum and maximum.
func (d *decoder) bounds(f *field, x float64) *Error {
	if f.minVal != nil && x < *f.minVal {
		return d.fail(PropertyConstraintViolation, "less than "+strconv.FormatFloat(*f.minVal, 'g', -1, 64))
	}
	if f.maxVal != nil && x > *f.maxVal {
		return d.fail(PropertyConstraintViolation, "greater than "+strconv.FormatFloat(*f.maxVal, 'g', -1, 64))
	}
	return nil
}

// Check validates a payload Volt is about to send, strictly: it marshals msg
// (a payload struct or a pointer to one) and decodes the result with the
// same rules as a received payload. Required fields that are values cannot
// be seen missing (their zero value is sent); lengths, enumerations and
// connector ids are checked.
func Check(v Version, msg any) error {
	t := reflect.TypeOf(msg)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return &Error{Code: InternalError, Reason: "check: not a payload struct"}
	}
	c, err := codecFor(t)
	if err != nil {
		return &Error{Code: InternalError, Reason: err.Error()}
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return &Error{Code: InternalError, Reason: "check: " + err.Error()}
	}
	if e := (decoder{v: v, outgoing: true}).run(c, b, reflect.New(t).Elem()); e != nil {
		return e
	}
	return nil
}
