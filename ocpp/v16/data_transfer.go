package v16

// DataTransferRequest is the payload of DataTransfer.req (OCPP 1.6 §4.3 and §5.6).
type DataTransferRequest struct {
	VendorID  string `json:"vendorId" ocpp:"required,max=255"`
	MessageID string `json:"messageId,omitempty" ocpp:"max=50"`
	Data      string `json:"data,omitempty"`
}

// DataTransferResponse is the payload of DataTransfer.conf (OCPP 1.6 §4.3 and §5.6).
type DataTransferResponse struct {
	Status DataTransferStatus `json:"status" ocpp:"required"`
	Data   string             `json:"data,omitempty"`
}

// DataTransferStatus is an enumeration of DataTransfer (OCPP 1.6 §4.3 and §5.6).
type DataTransferStatus string

// DataTransferStatus values.
const (
	DataTransferStatusAccepted         DataTransferStatus = "Accepted"
	DataTransferStatusRejected         DataTransferStatus = "Rejected"
	DataTransferStatusUnknownMessageID DataTransferStatus = "UnknownMessageId"
	DataTransferStatusUnknownVendorID  DataTransferStatus = "UnknownVendorId"
)

// EnumValues implements ocpp.Enum.
func (DataTransferStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"}
}
