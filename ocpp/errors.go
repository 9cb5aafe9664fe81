package ocpp

import (
	"fmt"
	"strings"
)

// ErrorCode is the errorCode of a CALLERROR (OCPP-J 1.6 §4.2.3, OCPP 2.0.1
// Part 4 §4.3). A received CALLERROR may carry any string.
type ErrorCode string

// Error codes of OCPP 1.6 and OCPP 2.0.1. Where the two versions spell a code
// differently both spellings exist; Version.Code converts between them.
const (
	NotImplemented              ErrorCode = "NotImplemented"
	NotSupported                ErrorCode = "NotSupported"
	InternalError               ErrorCode = "InternalError"
	ProtocolError               ErrorCode = "ProtocolError"
	SecurityError               ErrorCode = "SecurityError"
	PropertyConstraintViolation ErrorCode = "PropertyConstraintViolation"
	TypeConstraintViolation     ErrorCode = "TypeConstraintViolation"
	GenericError                ErrorCode = "GenericError"

	// FormationViolation is the OCPP 1.6 name of FormatViolation.
	FormationViolation ErrorCode = "FormationViolation"
	// FormatViolation is the OCPP 2.0.1 name of FormationViolation.
	FormatViolation ErrorCode = "FormatViolation"
	// OccurenceConstraintViolation is the OCPP 1.6 and 2.0.1 spelling (sic).
	OccurenceConstraintViolation ErrorCode = "OccurenceConstraintViolation"
	// OccurrenceConstraintViolation is the OCPP 2.1 spelling.
	OccurrenceConstraintViolation ErrorCode = "OccurrenceConstraintViolation"
	// MessageTypeNotSupported exists in OCPP 2.0.1 only.
	MessageTypeNotSupported ErrorCode = "MessageTypeNotSupported"
	// RpcFrameworkError exists in OCPP 2.0.1 only.
	RpcFrameworkError ErrorCode = "RpcFrameworkError"
)

// Code returns the name version v gives to error code c: FormationViolation
// (1.6) is FormatViolation from 2.0.1 on; OccurenceConstraintViolation keeps
// its one-r spelling in 1.6 and 2.0.1 and is OccurrenceConstraintViolation
// from 2.1 on (OCPP 1.6 errata §5, OCPP 2.1 Part 4; LESSONS 2.x item 17:
// chargers resend a message answered with the other spelling). Codes that
// OCPP 1.6 lacks become ProtocolError (RpcFrameworkError) or NotSupported
// (MessageTypeNotSupported) on 1.6.
func (v Version) Code(c ErrorCode) ErrorCode {
	if v.Is2x() {
		switch c {
		case FormationViolation:
			return FormatViolation
		case OccurenceConstraintViolation, OccurrenceConstraintViolation:
			if v == V21 {
				return OccurrenceConstraintViolation
			}
			return OccurenceConstraintViolation
		}
		return c
	}
	switch c {
	case FormatViolation:
		return FormationViolation
	case OccurrenceConstraintViolation:
		return OccurenceConstraintViolation
	case RpcFrameworkError:
		return ProtocolError
	case MessageTypeNotSupported:
		return NotSupported
	}
	return c
}

// frameCode is the code for a frame whose structure is wrong: ProtocolError
// in 1.6, RpcFrameworkError in 2.0.1 (Part 4 §4.3).
func (v Version) frameCode() ErrorCode {
	if v.Is2x() {
		return RpcFrameworkError
	}
	return ProtocolError
}

// Error is a payload that failed decoding or validation, or an action that
// cannot be served. Code is already spelled for the registry's version. The
// description never contains the received data, only field names and Volt's
// own words.
type Error struct {
	Code   ErrorCode
	Field  string // JSON path of the offending field, "" for the payload
	Reason string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("ocpp: %s: %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("ocpp: %s: %s: %s", e.Code, e.Field, e.Reason)
}

// Description returns the errorDescription to send: the field and reason.
func (e *Error) Description() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// CallError returns the CALLERROR that answers the CALL uniqueID.
func (e *Error) CallError(uniqueID string) CallError {
	return NewCallError(uniqueID, e.Code, e.Description())
}

// FrameError is a frame that ParseFrame could not accept. Reply is the
// CALLERROR to send back, or nil when OCPP says to drop the frame (an unknown
// message type in 1.6, a malformed CALLRESULT or CALLERROR, which nobody
// answers); the caller logs Err either way.
type FrameError struct {
	Reply    *CallError
	UniqueID string // as far as it could be read, "" if not
	Err      error  // the cause, for logs; may quote the input
}

// Error implements error.
func (e *FrameError) Error() string {
	if e.Reply != nil {
		return fmt.Sprintf("ocpp frame: %s: %v", e.Reply.Code, e.Err)
	}
	return fmt.Sprintf("ocpp frame (ignored): %v", e.Err)
}

// Unwrap returns the cause.
func (e *FrameError) Unwrap() error { return e.Err }

// maxDescription is the largest errorDescription in characters (OCPP-J 1.6
// §4.2.3 and OCPP 2.0.1 Part 4 §4.2.3).
const maxDescription = 255

func truncateDescription(s string) string {
	s = strings.ToValidUTF8(s, "?")
	n := 0
	for i := range s {
		if n == maxDescription {
			return s[:i]
		}
		n++
	}
	return s
}
