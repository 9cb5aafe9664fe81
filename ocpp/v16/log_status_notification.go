package v16

// LogStatusNotificationRequest is the payload of LogStatusNotification.req (OCPP 1.6 security extension).
type LogStatusNotificationRequest struct {
	Status    UploadLogStatus `json:"status" ocpp:"required"`
	RequestID *int            `json:"requestId,omitempty"`
}

// LogStatusNotificationResponse is the payload of LogStatusNotification.conf (OCPP 1.6 security extension).
type LogStatusNotificationResponse struct {
}

// UploadLogStatus is an enumeration of LogStatusNotification (OCPP 1.6 security extension).
type UploadLogStatus string

// UploadLogStatus values.
const (
	UploadLogStatusBadMessage            UploadLogStatus = "BadMessage"
	UploadLogStatusIdle                  UploadLogStatus = "Idle"
	UploadLogStatusNotSupportedOperation UploadLogStatus = "NotSupportedOperation"
	UploadLogStatusPermissionDenied      UploadLogStatus = "PermissionDenied"
	UploadLogStatusUploaded              UploadLogStatus = "Uploaded"
	UploadLogStatusUploadFailure         UploadLogStatus = "UploadFailure"
	UploadLogStatusUploading             UploadLogStatus = "Uploading"
)

// EnumValues implements ocpp.Enum.
func (UploadLogStatus) EnumValues() []string {
	return []string{"BadMessage", "Idle", "NotSupportedOperation", "PermissionDenied", "Uploaded", "UploadFailure", "Uploading"}
}
