package v16

// MeterValuesRequest is the payload of MeterValues.req (OCPP 1.6 §4.7).
type MeterValuesRequest struct {
	ConnectorID   int          `json:"connectorId" ocpp:"required"`
	TransactionID *int         `json:"transactionId,omitempty"`
	MeterValue    []MeterValue `json:"meterValue" ocpp:"required,minitems=1"`
}

// MeterValuesResponse is the payload of MeterValues.conf (OCPP 1.6 §4.7).
type MeterValuesResponse struct {
}
