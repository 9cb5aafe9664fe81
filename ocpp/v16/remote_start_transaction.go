package v16

// RemoteStartTransactionRequest is the payload of RemoteStartTransaction.req (OCPP 1.6 §5.11).
type RemoteStartTransactionRequest struct {
	ConnectorID     *int             `json:"connectorId,omitempty" ocpp:"connector"`
	IdTag           string           `json:"idTag" ocpp:"required,max=20"`
	ChargingProfile *ChargingProfile `json:"chargingProfile,omitempty"`
}

// RemoteStartTransactionResponse is the payload of RemoteStartTransaction.conf (OCPP 1.6 §5.11).
type RemoteStartTransactionResponse struct {
	Status RemoteStartStopStatus `json:"status" ocpp:"required"`
}
