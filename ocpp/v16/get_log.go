package v16

import "github.com/volt-ev/volt/ocpp"

// GetLogRequest is the payload of GetLog.req (OCPP 1.6 security extension).
type GetLogRequest struct {
	Log           LogParameters `json:"log" ocpp:"required"`
	LogType       LogType       `json:"logType" ocpp:"required"`
	RequestID     int           `json:"requestId" ocpp:"required"`
	Retries       *int          `json:"retries,omitempty"`
	RetryInterval *int          `json:"retryInterval,omitempty"`
}

// GetLogResponse is the payload of GetLog.conf (OCPP 1.6 security extension).
type GetLogResponse struct {
	Status   LogStatus `json:"status" ocpp:"required"`
	Filename string    `json:"filename,omitempty" ocpp:"max=255"`
}

// LogParameters is a part of GetLog (OCPP 1.6 security extension).
type LogParameters struct {
	RemoteLocation  string         `json:"remoteLocation" ocpp:"required,max=512"`
	OldestTimestamp *ocpp.DateTime `json:"oldestTimestamp,omitempty"`
	LatestTimestamp *ocpp.DateTime `json:"latestTimestamp,omitempty"`
}

// LogStatus is an enumeration of GetLog (OCPP 1.6 security extension).
type LogStatus string

// LogStatus values.
const (
	LogStatusAccepted         LogStatus = "Accepted"
	LogStatusRejected         LogStatus = "Rejected"
	LogStatusAcceptedCanceled LogStatus = "AcceptedCanceled"
)

// EnumValues implements ocpp.Enum.
func (LogStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "AcceptedCanceled"}
}

// LogType is an enumeration of GetLog (OCPP 1.6 security extension).
type LogType string

// LogType values.
const (
	LogTypeDiagnosticsLog LogType = "DiagnosticsLog"
	LogTypeSecurityLog    LogType = "SecurityLog"
)

// EnumValues implements ocpp.Enum.
func (LogType) EnumValues() []string {
	return []string{"DiagnosticsLog", "SecurityLog"}
}
