package v16

// SignedFirmwareStatusNotificationRequest is the payload of SignedFirmwareStatusNotification.req (OCPP 1.6 security extension).
type SignedFirmwareStatusNotificationRequest struct {
	Status    SignedFirmwareStatus `json:"status" ocpp:"required"`
	RequestID *int                 `json:"requestId,omitempty"`
}

// SignedFirmwareStatusNotificationResponse is the payload of SignedFirmwareStatusNotification.conf (OCPP 1.6 security extension).
type SignedFirmwareStatusNotificationResponse struct {
}

// SignedFirmwareStatus is an enumeration of SignedFirmwareStatusNotification (OCPP 1.6 security extension).
type SignedFirmwareStatus string

// SignedFirmwareStatus values.
const (
	SignedFirmwareStatusDownloaded                SignedFirmwareStatus = "Downloaded"
	SignedFirmwareStatusDownloadFailed            SignedFirmwareStatus = "DownloadFailed"
	SignedFirmwareStatusDownloading               SignedFirmwareStatus = "Downloading"
	SignedFirmwareStatusDownloadScheduled         SignedFirmwareStatus = "DownloadScheduled"
	SignedFirmwareStatusDownloadPaused            SignedFirmwareStatus = "DownloadPaused"
	SignedFirmwareStatusIdle                      SignedFirmwareStatus = "Idle"
	SignedFirmwareStatusInstallationFailed        SignedFirmwareStatus = "InstallationFailed"
	SignedFirmwareStatusInstalling                SignedFirmwareStatus = "Installing"
	SignedFirmwareStatusInstalled                 SignedFirmwareStatus = "Installed"
	SignedFirmwareStatusInstallRebooting          SignedFirmwareStatus = "InstallRebooting"
	SignedFirmwareStatusInstallScheduled          SignedFirmwareStatus = "InstallScheduled"
	SignedFirmwareStatusInstallVerificationFailed SignedFirmwareStatus = "InstallVerificationFailed"
	SignedFirmwareStatusInvalidSignature          SignedFirmwareStatus = "InvalidSignature"
	SignedFirmwareStatusSignatureVerified         SignedFirmwareStatus = "SignatureVerified"
)

// EnumValues implements ocpp.Enum.
func (SignedFirmwareStatus) EnumValues() []string {
	return []string{"Downloaded", "DownloadFailed", "Downloading", "DownloadScheduled", "DownloadPaused", "Idle", "InstallationFailed", "Installing", "Installed", "InstallRebooting", "InstallScheduled", "InstallVerificationFailed", "InvalidSignature", "SignatureVerified"}
}
