package volt

import (
	"context"
	"encoding/json"
	"fmt"
)

// Kinds of the certificates Volt signs for chargers (OCPP 2.0.1
// CertificateSigningUseEnumType).
const (
	// CertificateKindChargingStation is a charger's TLS client certificate,
	// signed by the CSMS CA (profile 3).
	CertificateKindChargingStation = "ChargingStationCertificate"
	// CertificateKindV2G is a charger's ISO 15118 SECC certificate, signed
	// by the V2G CPO sub-CA; vehicles, not Volt, check it.
	CertificateKindV2G = "V2GCertificate"
)

// PnCVendorID is the DataTransfer vendorId of Plug & Charge on OCPP 1.6
// (OCA whitepaper "Using ISO 15118 Plug & Charge with OCPP 1.6"): the
// messageId names the OCPP 2.0.1 message, data carries its JSON payload.
const PnCVendorID = "org.openchargealliance.iso15118pnc"

// CertificateHashData names a certificate to a charger (OCPP 2.0.1
// CertificateHashDataType, 1.6 security extension): SHA-256 of its issuer's
// DN and public key, and its serial number.
type CertificateHashData struct {
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

// is2x reports whether the charger speaks OCPP 2.0.1 or 2.1.
func (c *Charger) is2x() bool { return c.OCPPVersion != "" && c.OCPPVersion != "ocpp1.6" }

// RenewV2GCertificate asks a charger for a new SECC CSR, for a certificate
// about to expire or revoked: 2.x TriggerMessage SignV2GCertificate (2.0.1
// A03, F06); 1.6 the Plug & Charge DataTransfer TriggerMessage with that
// 2.0.1 payload, since the 1.6 ExtendedTriggerMessage enum has no V2G
// certificate. It returns the charger's status.
func RenewV2GCertificate(ctx context.Context, cmd ChargerCommander, c *Charger) (string, error) {
	return pncCall(ctx, cmd, c, "TriggerMessage", map[string]string{"requestedMessage": "SignV2GCertificate"})
}

// DeleteV2GCertificate tells a charger to delete a revoked SECC
// certificate (2.0.1 M04 DeleteCertificate; 1.6 the Plug & Charge
// DataTransfer DeleteCertificate), so it stops offering it to vehicles.
// Volt runs no OCSP responder for the V2G CPO sub-CA, so deleting it from
// the charger is what revocation can do. It returns the charger's status
// (Accepted, Failed, NotFound).
func DeleteV2GCertificate(ctx context.Context, cmd ChargerCommander, c *Charger, cert *ChargerCertificate) (string, error) {
	if cert.Kind != CertificateKindV2G || cert.HashData == nil {
		return "", Errorf(EUNPROCESSABLE, "Certificate %s is not a recorded SECC certificate.", cert.Serial)
	}
	return pncCall(ctx, cmd, c, "DeleteCertificate", map[string]any{"certificateHashData": cert.HashData})
}

// pncCall sends a 2.0.1 Plug & Charge message: as itself to a 2.x charger,
// wrapped in a DataTransfer to a 1.6 one; it returns the status of the
// inner answer (the DataTransfer's own when that is not Accepted).
func pncCall(ctx context.Context, cmd ChargerCommander, c *Charger, action string, payload any) (string, error) {
	if c.is2x() {
		res, err := cmd.Call(ctx, c.CPID, action, payload)
		return callStatus(res, err, action)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("%s payload: %w", action, err)
	}
	res, err := cmd.Call(ctx, c.CPID, "DataTransfer", map[string]string{"vendorId": PnCVendorID, "messageId": action, "data": string(data)})
	if err != nil {
		return "", fmt.Errorf("DataTransfer %s: %w", action, err)
	}
	var outer struct{ Status, Data string }
	if err := json.Unmarshal(res, &outer); err != nil {
		return "", fmt.Errorf("DataTransfer %s answer: %w", action, err)
	}
	if outer.Status != "Accepted" {
		return outer.Status, nil
	}
	return callStatus(json.RawMessage(outer.Data), nil, action)
}
