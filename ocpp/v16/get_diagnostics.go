package v16

import "github.com/volt-ev/volt/ocpp"

// GetDiagnosticsRequest is the payload of GetDiagnostics.req (OCPP 1.6 §5.9).
type GetDiagnosticsRequest struct {
	Location      string         `json:"location" ocpp:"required"`
	Retries       *int           `json:"retries,omitempty"`
	RetryInterval *int           `json:"retryInterval,omitempty"`
	StartTime     *ocpp.DateTime `json:"startTime,omitempty"`
	StopTime      *ocpp.DateTime `json:"stopTime,omitempty"`
}

// GetDiagnosticsResponse is the payload of GetDiagnostics.conf (OCPP 1.6 §5.9).
type GetDiagnosticsResponse struct {
	FileName string `json:"fileName,omitempty" ocpp:"max=255"`
}
