package v16

// ClearCacheRequest is the payload of ClearCache.req (OCPP 1.6 §5.4).
type ClearCacheRequest struct {
}

// ClearCacheResponse is the payload of ClearCache.conf (OCPP 1.6 §5.4).
type ClearCacheResponse struct {
	Status ClearCacheStatus `json:"status" ocpp:"required"`
}

// ClearCacheStatus is an enumeration of ClearCache (OCPP 1.6 §5.4).
type ClearCacheStatus string

// ClearCacheStatus values.
const (
	ClearCacheStatusAccepted ClearCacheStatus = "Accepted"
	ClearCacheStatusRejected ClearCacheStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (ClearCacheStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}
