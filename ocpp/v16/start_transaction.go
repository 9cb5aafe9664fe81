package v16

import "github.com/volt-ev/volt/ocpp"

// StartTransactionRequest is the payload of StartTransaction.req (OCPP 1.6 §4.8).
type StartTransactionRequest struct {
	ConnectorID   int           `json:"connectorId" ocpp:"required,connector"`
	IdTag         string        `json:"idTag" ocpp:"required,max=20"`
	MeterStart    int           `json:"meterStart" ocpp:"required"`
	ReservationID *int          `json:"reservationId,omitempty"`
	Timestamp     ocpp.DateTime `json:"timestamp" ocpp:"required"`
}

// StartTransactionResponse is the payload of StartTransaction.conf (OCPP 1.6 §4.8).
type StartTransactionResponse struct {
	IdTagInfo     IdTagInfo `json:"idTagInfo" ocpp:"required"`
	TransactionID int       `json:"transactionId" ocpp:"required"`
}
