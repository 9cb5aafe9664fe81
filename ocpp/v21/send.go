package v21

import "github.com/volt-ev/volt/ocpp"

// OCPP 2.1's one SEND message (Part 4 §4.3, message type 6): a station
// sends the data of a periodic event stream it opened with
// OpenPeriodicEventStream, and nothing answers it. It is not in the
// registry, whose actions are CALLs with a response; its schema is
// NotifyPeriodicEventStream.json (no Request/Response suffix), and the type
// is written here after it.

// ActionNotifyPeriodicEventStream is the action of the SEND.
const ActionNotifyPeriodicEventStream = "NotifyPeriodicEventStream"

// NotifyPeriodicEventStream is the payload of the SEND (OCPP 2.1 JSON
// schema NotifyPeriodicEventStream): values of stream ID, each at Basetime
// plus its offset T in seconds; Pending more are still to come.
type NotifyPeriodicEventStream struct {
	Data       []StreamDataElement `json:"data" ocpp:"required,minitems=1"`
	ID         int                 `json:"id" ocpp:"required,minimum=0.0"`
	Pending    int                 `json:"pending" ocpp:"required,minimum=0.0"`
	Basetime   ocpp.DateTime       `json:"basetime" ocpp:"required"`
	CustomData *CustomData         `json:"customData,omitempty"`
}

// StreamDataElement is one value of a periodic event stream (JSON schema
// definition StreamDataElementType).
type StreamDataElement struct {
	T          float64     `json:"t" ocpp:"required"`
	V          string      `json:"v" ocpp:"required,max=2500"`
	CustomData *CustomData `json:"customData,omitempty"`
}

// DecodeSend decodes and validates the payload of a SEND: a pointer to the
// action's type, or an *ocpp.Error (NotImplemented for an action that is
// not a SEND of 2.1). The error is for the log: a SEND is never answered.
func DecodeSend(action string, payload []byte, relax ocpp.Relaxations) (any, error) {
	if action != ActionNotifyPeriodicEventStream {
		return nil, &ocpp.Error{Code: ocpp.NotImplemented, Reason: "SEND " + action + " is not an OCPP 2.1 SEND"}
	}
	v := new(NotifyPeriodicEventStream)
	if err := ocpp.Decode(ocpp.V21, payload, v, relax); err != nil {
		return nil, err
	}
	return v, nil
}
