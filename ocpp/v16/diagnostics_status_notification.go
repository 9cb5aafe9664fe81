package v16

// DiagnosticsStatusNotificationRequest is the payload of DiagnosticsStatusNotification.req (OCPP 1.6 §4.4).
type DiagnosticsStatusNotificationRequest struct {
	Status DiagnosticsStatus `json:"status" ocpp:"required"`
}

// DiagnosticsStatusNotificationResponse is the payload of DiagnosticsStatusNotification.conf (OCPP 1.6 §4.4).
type DiagnosticsStatusNotificationResponse struct {
}

// DiagnosticsStatus is an enumeration of DiagnosticsStatusNotification (OCPP 1.6 §4.4).
type DiagnosticsStatus string

// DiagnosticsStatus values.
const (
	DiagnosticsStatusIdle         DiagnosticsStatus = "Idle"
	DiagnosticsStatusUploaded     DiagnosticsStatus = "Uploaded"
	DiagnosticsStatusUploadFailed DiagnosticsStatus = "UploadFailed"
	DiagnosticsStatusUploading    DiagnosticsStatus = "Uploading"
)

// EnumValues implements ocpp.Enum.
func (DiagnosticsStatus) EnumValues() []string {
	return []string{"Idle", "Uploaded", "UploadFailed", "Uploading"}
}
