package v16

import "github.com/volt-ev/volt/ocpp"

// UpdateFirmwareRequest is the payload of UpdateFirmware.req (OCPP 1.6 §5.19).
type UpdateFirmwareRequest struct {
	Location      string        `json:"location" ocpp:"required"`
	Retries       *int          `json:"retries,omitempty"`
	RetrieveDate  ocpp.DateTime `json:"retrieveDate" ocpp:"required"`
	RetryInterval *int          `json:"retryInterval,omitempty"`
}

// UpdateFirmwareResponse is the payload of UpdateFirmware.conf (OCPP 1.6 §5.19).
type UpdateFirmwareResponse struct {
}
