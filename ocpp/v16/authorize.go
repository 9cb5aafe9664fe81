package v16

// AuthorizeRequest is the payload of Authorize.req (OCPP 1.6 §4.1).
type AuthorizeRequest struct {
	IdTag string `json:"idTag" ocpp:"required,max=20"`
}

// AuthorizeResponse is the payload of Authorize.conf (OCPP 1.6 §4.1).
type AuthorizeResponse struct {
	IdTagInfo IdTagInfo `json:"idTagInfo" ocpp:"required"`
}
