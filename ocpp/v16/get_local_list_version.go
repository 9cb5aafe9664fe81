package v16

// GetLocalListVersionRequest is the payload of GetLocalListVersion.req (OCPP 1.6 §5.10).
type GetLocalListVersionRequest struct {
}

// GetLocalListVersionResponse is the payload of GetLocalListVersion.conf (OCPP 1.6 §5.10).
type GetLocalListVersionResponse struct {
	ListVersion int `json:"listVersion" ocpp:"required"`
}
