package v16

// FirmwareStatusNotificationRequest is the payload of FirmwareStatusNotification.req (OCPP 1.6 §4.5).
type FirmwareStatusNotificationRequest struct {
	Status FirmwareStatus `json:"status" ocpp:"required"`
}

// FirmwareStatusNotificationResponse is the payload of FirmwareStatusNotification.conf (OCPP 1.6 §4.5).
type FirmwareStatusNotificationResponse struct {
}

// FirmwareStatus is an enumeration of FirmwareStatusNotification (OCPP 1.6 §4.5).
type FirmwareStatus string

// FirmwareStatus values.
const (
	FirmwareStatusDownloaded         FirmwareStatus = "Downloaded"
	FirmwareStatusDownloadFailed     FirmwareStatus = "DownloadFailed"
	FirmwareStatusDownloading        FirmwareStatus = "Downloading"
	FirmwareStatusIdle               FirmwareStatus = "Idle"
	FirmwareStatusInstallationFailed FirmwareStatus = "InstallationFailed"
	FirmwareStatusInstalling         FirmwareStatus = "Installing"
	FirmwareStatusInstalled          FirmwareStatus = "Installed"
)

// EnumValues implements ocpp.Enum.
func (FirmwareStatus) EnumValues() []string {
	return []string{"Downloaded", "DownloadFailed", "Downloading", "Idle", "InstallationFailed", "Installing", "Installed"}
}
