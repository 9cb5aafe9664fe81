package volt

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// OCPP security profiles (OCPP 1.6 security extension §2, OCPP 2.0.1 Part 2
// A00): 1 is HTTP Basic auth over plain websockets, 2 is Basic auth over
// TLS, 3 is mutual TLS where the client certificate names the charger.
const (
	SecurityProfileBasic     = 1
	SecurityProfileTLSBasic  = 2
	SecurityProfileTLSClient = 3
)

// ChargerSecurity is a charger's security state (issue 18).
type ChargerSecurity struct {
	CPID string `json:"cpid"`
	// SecurityProfile is the minimum profile the charger may connect with:
	// a charger at 3 offering only its password is refused (a downgrade).
	SecurityProfile int `json:"securityProfile"`
	// ConnectedProfile is the profile of its last connection (0: never).
	ConnectedProfile int `json:"connectedProfile"`
	// PendingProfile is the profile an upgrade asked the charger to move
	// to; it becomes SecurityProfile when the charger connects with it, and
	// is dropped (the old minimum kept) at PendingUntil.
	PendingProfile int        `json:"pendingProfile,omitempty"`
	PendingUntil   *time.Time `json:"pendingUntil,omitempty"`
	UpgradeStatus  string     `json:"upgradeStatus,omitempty"` // "", Pending, Done, RolledBack
}

// ChargerCertificate is a certificate Volt signed for a charger: its client
// certificate (the CSMS CA's, Kind ChargingStationCertificate) or its ISO
// 15118 SECC certificate (the V2G CPO sub-CA's, Kind V2GCertificate).
type ChargerCertificate struct {
	Serial   string `json:"serial"` // lower-case hex
	CPID     string `json:"cpid"`
	Identity string `json:"identity"`
	// Kind is the OCPP CertificateSigningUse; empty is recorded as
	// ChargingStationCertificate.
	Kind string `json:"kind" enum:"ChargingStationCertificate,V2GCertificate"`
	// Subject and Issuer are the certificate's subject and its CA's, as
	// RFC 2253 strings.
	Subject string `json:"subject,omitempty"`
	Issuer  string `json:"issuer,omitempty"`
	// HashData names the certificate in DeleteCertificate (OCPP 2.0.1
	// CertificateHashDataType); set on SECC certificates.
	HashData  *CertificateHashData `json:"hashData,omitempty"`
	NotBefore time.Time            `json:"notBefore"`
	NotAfter  time.Time            `json:"notAfter"`
	ChainPEM  string               `json:"chainPem"`
	IssuedAt  time.Time            `json:"issuedAt"`
	RevokedAt *time.Time           `json:"revokedAt,omitempty"`
	Reason    string               `json:"revocationReason,omitempty"`
}

// SecurityEvent is a SecurityEventNotification a charger sent, or a
// security refusal Volt recorded for it (a bad client certificate, a
// downgrade). Critical follows the OCPP 2.0.1 Appendices security event list.
type SecurityEvent struct {
	ID         int64     `json:"id"`
	CPID       string    `json:"cpid"`
	CPOID      string    `json:"-"`
	Type       string    `json:"type"`
	TechInfo   string    `json:"techInfo,omitempty"`
	Critical   bool      `json:"critical"`
	At         time.Time `json:"at"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// criticalSecurityEvents are the events OCPP 2.0.1 (Appendices, Security
// events) marks critical, with Volt's own refusals.
var criticalSecurityEvents = map[string]bool{
	"FirmwareUpdated": true, "FailedToAuthenticateAtCsms": true, "CsmsFailedToAuthenticate": true,
	"SettingSystemTime": true, "StartupOfTheDevice": true, "ResetOrReboot": true,
	"SecurityLogWasCleared": true, "ReconfigurationOfSecurityParameters": true,
	"MemoryExhaustion": true, "InvalidMessages": false, "AttemptedReplayAttacks": true,
	"TamperDetectionActivated": true, "InvalidFirmwareSignature": false,
	"InvalidFirmwareSigningCertificate": false, "InvalidCsmsCertificate": false,
	"InvalidChargingStationCertificate": false, "InvalidTLSVersion": false, "InvalidTLSCipherSuite": false,
	"MaintenanceLoginAccepted": true, "MaintenanceLoginFailed": true,
	SecurityEventDowngradeRefused: true, SecurityEventClientCertRefused: true,
}

// Security events Volt records itself.
const (
	SecurityEventDowngradeRefused  = "VoltDowngradeRefused"
	SecurityEventClientCertRefused = "VoltClientCertificateRefused"
)

// IsCriticalSecurityEvent reports whether a security event type is critical.
func IsCriticalSecurityEvent(typ string) bool { return criticalSecurityEvents[typ] }

// EventSecurityCritical is published when a critical security event is
// stored; its Data is the SecurityEvent.
const EventSecurityCritical = "security.critical"

// ChargerSecurityService keeps chargers' security profiles, the certificates
// the CSMS CA issued them and their security events.
type ChargerSecurityService interface {
	// FindChargerByIdentity returns the charger with an OCPP identity, for
	// a connection authenticated by its client certificate (system actor).
	FindChargerByIdentity(ctx context.Context, identity string) (*Charger, error)
	// FindChargerSecurity returns the charger's security state (profile 1
	// for a charger never changed).
	FindChargerSecurity(ctx context.Context, cpid string) (*ChargerSecurity, error)
	// SetSecurityProfile sets the minimum profile (1 to 3) directly.
	SetSecurityProfile(ctx context.Context, cpid string, profile int) (*ChargerSecurity, error)
	// StartUpgrade records that the charger was asked to move to profile,
	// to be confirmed by a connection with it before until. Profile 0
	// cancels a pending upgrade.
	StartUpgrade(ctx context.Context, cpid string, profile int, until time.Time) error
	// RecordConnectedProfile records the profile a connection used; an
	// upgrade pending to it (or below) is completed and becomes the minimum.
	RecordConnectedProfile(ctx context.Context, cpid string, profile int) error
	// RollBackUpgrades drops pending upgrades past their deadline and
	// returns their chargers.
	RollBackUpgrades(ctx context.Context, now time.Time) ([]string, error)

	RecordCertificate(ctx context.Context, c ChargerCertificate) error
	FindCertificates(ctx context.Context, cpid string) ([]ChargerCertificate, error)
	// RevokeCertificate revokes a certificate of the charger by serial.
	RevokeCertificate(ctx context.Context, cpid, serial, reason string) error
	// IsRevoked reports whether a serial was revoked (system actor; called
	// during TLS handshakes).
	IsRevoked(ctx context.Context, serial string) (bool, error)
	// CertificatesExpiring returns live certificates expiring before t,
	// the latest one per charger and kind (renewal).
	CertificatesExpiring(ctx context.Context, before time.Time) ([]ChargerCertificate, error)

	RecordSecurityEvent(ctx context.Context, e SecurityEvent) (*SecurityEvent, error)
	FindSecurityEvents(ctx context.Context, cpid string, limit int) ([]SecurityEvent, error)
}

// SecurityUpgradeWindow is how long a charger asked to move to a higher
// security profile has to reconnect with it before the upgrade is rolled
// back (its old minimum kept).
const SecurityUpgradeWindow = 10 * time.Minute

// UpgradeSecurityProfile moves a charger to profile 2 or 3 through the
// charger: the upgrade is recorded as pending (as the system), then an
// OCPP 1.6 charger is sent ChangeConfiguration SecurityProfile (security
// extension §2.3) and an OCPP 2.x station SetNetworkProfile,
// NetworkConfigurationPriority and Reset (2.0.1 A05, upgradeProfile201,
// with the wss URL from sec, which must implement SecureOCPPEndpoint);
// anything but Accepted cancels it. The minimum is raised only when the
// charger reconnects with the new profile, so one that cannot is still let
// in, and RollBackUpgrades drops the pending upgrade after
// SecurityUpgradeWindow. The caller checks the actor may command the
// charger. It returns the charger's answer.
func UpgradeSecurityProfile(ctx context.Context, sec ChargerSecurityService, cmd ChargerCommander, c *Charger, profile int, now time.Time) (string, error) {
	if profile < SecurityProfileTLSBasic || profile > SecurityProfileTLSClient {
		return "", FieldError("securityProfile", "An upgrade goes to profile 2 or 3.")
	}
	v2 := c.OCPPVersion != "" && c.OCPPVersion != "ocpp1.6"
	url := ""
	if v2 {
		if e, ok := sec.(SecureOCPPEndpoint); ok {
			url = e.SecureOCPPURL()
		}
		if url == "" {
			return "", Errorf(EUNPROCESSABLE, "Upgrading an OCPP 2.x charger needs the TLS listener's wss URL (--https, VOLT_OCPP_TLS_URL).")
		}
	}
	sys := NewContextWithActor(ctx, SystemActor)
	if err := sec.StartUpgrade(sys, c.CPID, profile, now.Add(SecurityUpgradeWindow)); err != nil {
		return "", err
	}
	var status string
	var err error
	if v2 {
		status, err = upgradeProfile201(ctx, cmd, c.CPID, url, profile)
	} else {
		var res json.RawMessage
		res, err = cmd.Call(ctx, c.CPID, "ChangeConfiguration", map[string]string{"key": "SecurityProfile", "value": strconv.Itoa(profile)})
		status, err = callStatus(res, err, "ChangeConfiguration")
	}
	if err != nil || status != "Accepted" {
		err = cancelUpgrade(sys, sec, c.CPID, err)
	}
	return status, err
}

// RenewChargerCertificate asks a charger for a new CSR: 1.6
// ExtendedTriggerMessage SignChargePointCertificate (security extension),
// 2.x TriggerMessage SignChargingStationCertificate (A02). It returns the
// charger's answer.
func RenewChargerCertificate(ctx context.Context, cmd ChargerCommander, c *Charger) (json.RawMessage, error) {
	if c.OCPPVersion != "" && c.OCPPVersion != "ocpp1.6" {
		return cmd.Call(ctx, c.CPID, "TriggerMessage", map[string]string{"requestedMessage": "SignChargingStationCertificate"})
	}
	return cmd.Call(ctx, c.CPID, "ExtendedTriggerMessage", map[string]string{"requestedMessage": "SignChargePointCertificate"})
}
