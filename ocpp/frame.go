package ocpp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Frame is a parsed OCPP-J message: a Call, a CallResult, a CallError or
// (OCPP 2.1) a Send.
type Frame interface {
	// MessageType returns the frame's message type.
	MessageType() MessageType
	// ID returns the frame's unique id.
	ID() string
}

// Call is a request frame, [2, "<id>", "<action>", {payload}] (OCPP-J 1.6
// §4.2.1).
type Call struct {
	UniqueID string
	Action   string
	Payload  json.RawMessage
}

// CallResult is a response frame, [3, "<id>", {payload}] (OCPP-J 1.6 §4.2.2).
type CallResult struct {
	UniqueID string
	Payload  json.RawMessage
}

// CallError is an error response frame, [4, "<id>", "<code>",
// "<description>", {details}] (OCPP-J 1.6 §4.2.3).
type CallError struct {
	UniqueID    string
	Code        ErrorCode
	Description string
	Details     json.RawMessage
}

// Send is OCPP 2.1's unanswered message, [6, "<id>", "<action>",
// {payload}] (OCPP 2.1 Part 4 §4.3): NotifyPeriodicEventStream. The
// receiver never answers it.
type Send struct {
	UniqueID string
	Action   string
	Payload  json.RawMessage
}

// MessageType implements Frame.
func (Send) MessageType() MessageType { return TypeSend }

// ID implements Frame.
func (s Send) ID() string { return s.UniqueID }

// MarshalJSON writes the SEND array. An empty payload is written as {}.
func (s Send) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24+len(s.UniqueID)+len(s.Action)+len(s.Payload))
	b = append(b, "[6,"...)
	b = appendString(b, s.UniqueID)
	b = append(b, ',')
	b = appendString(b, s.Action)
	b = append(b, ',')
	b = appendObject(b, s.Payload)
	return append(b, ']'), nil
}

// MessageType implements Frame.
func (Call) MessageType() MessageType { return TypeCall }

// MessageType implements Frame.
func (CallResult) MessageType() MessageType { return TypeCallResult }

// MessageType implements Frame.
func (CallError) MessageType() MessageType { return TypeCallError }

// ID implements Frame.
func (c Call) ID() string { return c.UniqueID }

// ID implements Frame.
func (c CallResult) ID() string { return c.UniqueID }

// ID implements Frame.
func (c CallError) ID() string { return c.UniqueID }

// MarshalJSON writes the CALL array. An empty payload is written as {}.
func (c Call) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24+len(c.UniqueID)+len(c.Action)+len(c.Payload))
	b = append(b, "[2,"...)
	b = appendString(b, c.UniqueID)
	b = append(b, ',')
	b = appendString(b, c.Action)
	b = append(b, ',')
	b = appendObject(b, c.Payload)
	return append(b, ']'), nil
}

// MarshalJSON writes the CALLRESULT array. An empty payload is written as {}.
func (c CallResult) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16+len(c.UniqueID)+len(c.Payload))
	b = append(b, "[3,"...)
	b = appendString(b, c.UniqueID)
	b = append(b, ',')
	b = appendObject(b, c.Payload)
	return append(b, ']'), nil
}

// MarshalJSON writes the CALLERROR array. The description is cut to 255
// characters, an empty code becomes GenericError, and details that are empty
// or not a JSON object become {}, so the frame is always valid.
func (c CallError) MarshalJSON() ([]byte, error) {
	code := c.Code
	if code == "" {
		code = GenericError
	}
	b := make([]byte, 0, 32+len(c.UniqueID)+len(code)+len(c.Description)+len(c.Details))
	b = append(b, "[4,"...)
	b = appendString(b, c.UniqueID)
	b = append(b, ',')
	b = appendString(b, string(code))
	b = append(b, ',')
	b = appendString(b, truncateDescription(c.Description))
	b = append(b, ',')
	d := bytes.TrimSpace(c.Details)
	if len(d) > 0 && d[0] == '{' && json.Valid(d) {
		b = append(b, d...)
	} else {
		b = append(b, "{}"...)
	}
	return append(b, ']'), nil
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func appendObject(b []byte, p json.RawMessage) []byte {
	if len(bytes.TrimSpace(p)) == 0 {
		return append(b, "{}"...)
	}
	return append(b, p...)
}

// NewCall returns a CALL for action with a fresh random unique id and the
// JSON of payload (a nil payload is sent as {}).
func NewCall(action string, payload any) (Call, error) {
	p, err := marshalPayload(payload)
	if err != nil {
		return Call{}, fmt.Errorf("ocpp: call %s: %w", action, err)
	}
	return Call{UniqueID: NewUniqueID(), Action: action, Payload: p}, nil
}

// NewCallResult returns the CALLRESULT answering CALL uniqueID.
func NewCallResult(uniqueID string, payload any) (CallResult, error) {
	p, err := marshalPayload(payload)
	if err != nil {
		return CallResult{}, fmt.Errorf("ocpp: result %s: %w", uniqueID, err)
	}
	return CallResult{UniqueID: uniqueID, Payload: p}, nil
}

// NewCallError returns the CALLERROR answering CALL uniqueID, with empty
// details. The description is cut to 255 characters.
func NewCallError(uniqueID string, code ErrorCode, description string) CallError {
	return CallError{UniqueID: uniqueID, Code: code, Description: truncateDescription(description), Details: json.RawMessage("{}")}
}

func marshalPayload(payload any) (json.RawMessage, error) {
	if payload == nil {
		return json.RawMessage("{}"), nil
	}
	return json.Marshal(payload)
}

// NewUniqueID returns a random 128-bit message id as 32 hex digits, within
// the 36 characters OCPP-J allows (OCPP-J 1.6 §4.1.4).
func NewUniqueID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// MaxUniqueIDLen is the longest unique id OCPP-J allows (OCPP-J 1.6 §4.1.4).
const MaxUniqueIDLen = 36

// unreadableID is the unique id of a CALLERROR answering a frame whose id
// could not be read (OCPP 2.0.1 Part 4 §4.2.3; Volt does the same on 1.6).
const unreadableID = "-1"

var (
	errNotArray   = errors.New("message is not a JSON array")
	errNoType     = errors.New("message type is not an integer")
	errBadID      = errors.New("unique id is not a string of 1 to 36 characters")
	errArity      = errors.New("wrong number of elements for the message type")
	errBadAction  = errors.New("action is not a string")
	errBadPayload = errors.New("payload is not a JSON object")
	errBadErrCode = errors.New("error code or description is not a string")
	errUnknownTyp = errors.New("unknown message type")
	errSendShape  = errors.New("malformed SEND")
)

// ParseFrame decodes one OCPP-J message for protocol version v. The input is
// checked to be valid JSON and split once; payloads stay raw for
// DecodeRequest and DecodeResponse, and alias data (do not reuse the buffer
// while the frame is in use).
//
// On failure the error is a *FrameError: invalid JSON or not an array is a
// FormationViolation (FormatViolation in 2.0.1) with unique id "-1"; a frame
// of the wrong shape is a ProtocolError (RpcFrameworkError in 2.0.1) keeping
// the unique id when it can be read; an unknown message type is dropped in
// 1.6 and answered MessageTypeNotSupported in 2.0.1. Malformed CALLRESULT and
// CALLERROR frames are dropped (Reply nil): OCPP answers only CALLs. The
// CALLERROR description never repeats the input.
func ParseFrame(v Version, data []byte) (Frame, error) {
	elems, ok := splitArray(data)
	if !ok {
		return nil, reply(v, unreadableID, FormationViolation, "message is not a JSON array", errNotArray)
	}
	if len(elems) == 0 {
		return nil, reply(v, unreadableID, v.frameCode(), "empty message array", errNoType)
	}
	id, idOK := readID(elems)
	replyID := id
	if !idOK {
		replyID = unreadableID
	}
	mt, ok := readType(elems[0])
	if !ok {
		return nil, reply(v, replyID, v.frameCode(), errNoType.Error(), errNoType)
	}
	switch mt {
	case TypeCall:
		return parseCall(v, elems, id, idOK)
	case TypeCallResult, TypeCallError:
		return parseResult(mt, elems, id, idOK)
	}
	err := fmt.Errorf("%w %d", errUnknownTyp, mt)
	if v == V21 && mt == TypeSend {
		return parseSend(elems, id, idOK)
	}
	if v.Is2x() {
		return nil, reply(v, replyID, MessageTypeNotSupported, "message type not supported", err)
	}
	return nil, &FrameError{UniqueID: id, Err: err}
}

// parseSend reads OCPP 2.1's SEND, [6, "<id>", "<action>", {payload}]. A
// SEND is never answered, not even with a CALLERROR (OCPP 2.1 Part 4 §4.3):
// a malformed one is a FrameError without Reply, dropped and logged.
func parseSend(elems []json.RawMessage, id string, idOK bool) (Frame, error) {
	drop := func(err error) error { return &FrameError{UniqueID: id, Err: fmt.Errorf("%w: %w", errSendShape, err)} }
	if !idOK {
		return nil, drop(errBadID)
	}
	if len(elems) != 4 {
		return nil, drop(errArity)
	}
	var action string
	if err := json.Unmarshal(elems[2], &action); err != nil || action == "" {
		return nil, drop(errBadAction)
	}
	p := bytes.TrimSpace(elems[3])
	if len(p) == 0 || p[0] != '{' {
		return nil, drop(errBadPayload)
	}
	return Send{UniqueID: id, Action: action, Payload: p}, nil
}

func parseCall(v Version, elems []json.RawMessage, id string, idOK bool) (Frame, error) {
	if !idOK {
		return nil, reply(v, unreadableID, v.frameCode(), errBadID.Error(), errBadID)
	}
	if len(elems) != 4 {
		return nil, reply(v, id, v.frameCode(), "a CALL has 4 elements", errArity)
	}
	var action string
	if err := json.Unmarshal(elems[2], &action); err != nil || action == "" {
		return nil, reply(v, id, v.frameCode(), errBadAction.Error(), errBadAction)
	}
	p := bytes.TrimSpace(elems[3])
	if len(p) == 0 || p[0] != '{' {
		return nil, reply(v, id, v.frameCode(), errBadPayload.Error(), errBadPayload)
	}
	return Call{UniqueID: id, Action: action, Payload: p}, nil
}

func parseResult(mt MessageType, elems []json.RawMessage, id string, idOK bool) (Frame, error) {
	drop := func(err error) error { return &FrameError{UniqueID: id, Err: fmt.Errorf("%s: %w", mt, err)} }
	if !idOK {
		return nil, drop(errBadID)
	}
	if mt == TypeCallResult {
		if len(elems) != 3 {
			return nil, drop(errArity)
		}
		p := bytes.TrimSpace(elems[2])
		if len(p) == 0 || p[0] != '{' {
			return nil, drop(errBadPayload)
		}
		return CallResult{UniqueID: id, Payload: p}, nil
	}
	// Some chargers leave out errorDetails: accept four elements.
	if len(elems) != 5 && len(elems) != 4 {
		return nil, drop(errArity)
	}
	var code, desc string
	if json.Unmarshal(elems[2], &code) != nil || json.Unmarshal(elems[3], &desc) != nil {
		return nil, drop(errBadErrCode)
	}
	ce := CallError{UniqueID: id, Code: ErrorCode(code), Description: desc, Details: json.RawMessage("{}")}
	if len(elems) == 5 {
		ce.Details = bytes.TrimSpace(elems[4])
	}
	return ce, nil
}

func readID(elems []json.RawMessage) (string, bool) {
	if len(elems) < 2 {
		return "", false
	}
	e := bytes.TrimSpace(elems[1])
	if len(e) == 0 || e[0] != '"' {
		return "", false
	}
	var id string
	if json.Unmarshal(e, &id) != nil || id == "" || len(id) > MaxUniqueIDLen {
		return "", false
	}
	return id, true
}

// readType reads an integer literal without going through float64.
func readType(raw json.RawMessage) (MessageType, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return MessageType(n), true
}

func reply(v Version, id string, code ErrorCode, desc string, cause error) *FrameError {
	ce := NewCallError(id, v.Code(code), desc)
	fid := id
	if id == unreadableID {
		fid = ""
	}
	return &FrameError{Reply: &ce, UniqueID: fid, Err: cause}
}

// splitArray returns the elements of a top-level JSON array, aliasing data,
// or false when data is not valid JSON or not an array. A JSON null counts
// as an empty array (ProtocolError rather than FormationViolation).
func splitArray(data []byte) ([]json.RawMessage, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil, true
	}
	if data[0] != '[' {
		return nil, false
	}
	elems := make([]json.RawMessage, 0, 5)
	i := skipSpace(data, 1)
	if data[i] == ']' {
		return elems, true
	}
	for {
		end := skipValue(data, i)
		elems = append(elems, data[i:end:end])
		i = skipSpace(data, end)
		if data[i] == ']' {
			return elems, true
		}
		i = skipSpace(data, i+1) // the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // end of the enclosing array: a literal ended here
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
