package v16

// RemoteStopTransactionRequest is the payload of RemoteStopTransaction.req (OCPP 1.6 §5.12).
type RemoteStopTransactionRequest struct {
	TransactionID int `json:"transactionId" ocpp:"required"`
}

// RemoteStopTransactionResponse is the payload of RemoteStopTransaction.conf (OCPP 1.6 §5.12).
type RemoteStopTransactionResponse struct {
	Status RemoteStartStopStatus `json:"status" ocpp:"required"`
}
