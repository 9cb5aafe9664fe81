// Package ocpp is Volt's OCPP-J codec: the RPC frames of OCPP-J (CALL,
// CALLRESULT, CALLERROR), the error codes of OCPP 1.6 and 2.0.1, a per-version
// registry of actions, and payload decoding with validation that can be
// relaxed per charger model.
//
// The package does no I/O and imports no other Volt package. Version packages
// (ocpp/v16, ...) hold the message types and build a Registry.
//
// A gateway reading a websocket message does, in order:
//
//	f, err := ocpp.ParseFrame(ocpp.V16, data)
//	// err is a *FrameError: send fe.Reply when it is not nil, else log and drop.
//	call := f.(ocpp.Call)
//	req, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, call.Action, call.Payload, model.Relaxations)
//	// err is a *Error: send err.CallError(call.UniqueID).
//	switch req := req.(type) { case *v16.BootNotificationRequest: ... }
//
// Payloads are decoded once, into a shadow of the target type whose fields
// are pointers (so that absent and zero can be told apart), and copied into
// the target while the constraints are checked. See Decode for the tag
// grammar.
package ocpp

// Version is an OCPP version, spelled as its websocket subprotocol
// (OCPP-J 1.6 §3.1.2, OCPP 2.0.1 Part 4 §3.1.2).
type Version string

// The versions Volt speaks.
const (
	V16  Version = "ocpp1.6"
	V201 Version = "ocpp2.0.1"
	V21  Version = "ocpp2.1"
)

// Is2x reports whether v is OCPP 2.0.1 or later: the versions that share the
// 2.x RPC framework (Part 4) and its error codes.
func (v Version) Is2x() bool { return v == V201 || v == V21 }

// MessageType is the first element of an OCPP-J frame (OCPP-J 1.6 §4.1.3).
type MessageType int

// The OCPP-J message types.
const (
	TypeCall       MessageType = 2
	TypeCallResult MessageType = 3
	TypeCallError  MessageType = 4
	// TypeSend is OCPP 2.1's unanswered message (Part 4), [6, "<id>",
	// "<action>", {payload}].
	TypeSend MessageType = 6
)

// String returns the OCPP-J name of the message type.
func (t MessageType) String() string {
	switch t {
	case TypeCall:
		return "CALL"
	case TypeCallResult:
		return "CALLRESULT"
	case TypeCallError:
		return "CALLERROR"
	case TypeSend:
		return "SEND"
	}
	return "unknown"
}
