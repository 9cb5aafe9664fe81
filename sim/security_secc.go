package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"

	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// ISO 15118 SECC certificate of a simulated charger (OCPP 2.0.1 A03/M04,
// and on 1.6 the Plug & Charge DataTransfer messages of the OCA whitepaper
// "Using ISO 15118 Plug & Charge with OCPP 1.6"): on TriggerMessage
// SignV2GCertificate it makes a P-256 key and sends SignCertificate
// V2GCertificate, keeps the certificate CertificateSigned brings when it
// is for that key, and deletes it on a DeleteCertificate naming it.

// PnCVendorID is the DataTransfer vendorId of Plug & Charge on OCPP 1.6.
const PnCVendorID = "org.openchargealliance.iso15118pnc"

// newSECCCSR makes a P-256 key and a CSR naming identity, keeping the key
// until its SECC certificate arrives.
func (s *secState) newSECCCSR(identity string) (string, error) {
	key, csr, err := p256CSR(identity)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.seccPending = key
	s.mu.Unlock()
	return csr, nil
}

// installSECC takes a V2G CertificateSigned chain: accepted when its leaf
// is for the pending SECC key and its issuer follows it.
func (s *secState) installSECC(chainPEM string) error {
	var chain []*x509.Certificate
	for rest := []byte(chainPEM); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return err
		}
		chain = append(chain, c)
	}
	if len(chain) < 2 {
		return errors.New("an SECC chain needs the leaf and its sub-CA")
	}
	if err := chain[0].CheckSignatureFrom(chain[1]); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pub, ok := chain[0].PublicKey.(*ecdsa.PublicKey)
	if s.seccPending == nil || !ok || !pub.Equal(&s.seccPending.PublicKey) {
		return errors.New("certificate is not for the pending SECC key")
	}
	s.secc, s.seccPending = chain, nil
	return nil
}

// deleteSECC deletes the SECC certificate when h names it: Accepted, or
// NotFound.
func (s *secState) deleteSECC(h v201.CertificateHashData) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.secc) < 2 || h.HashAlgorithm != v201.HashAlgorithmEnumSHA256 {
		return "NotFound"
	}
	leaf, issuer := s.secc[0], s.secc[1]
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return "NotFound"
	}
	nh, kh := sha256.Sum256(leaf.RawIssuer), sha256.Sum256(spki.PublicKey.Bytes)
	// The serial is hex without leading zeroes (2.0.1 CertificateHashDataType).
	if !strings.EqualFold(h.IssuerNameHash, hex.EncodeToString(nh[:])) || !strings.EqualFold(h.IssuerKeyHash, hex.EncodeToString(kh[:])) ||
		!strings.EqualFold(h.SerialNumber, leaf.SerialNumber.Text(16)) {
		return "NotFound"
	}
	s.secc = nil
	return "Accepted"
}

// seccSerial is the SECC certificate's serial in lower-case hex, "" when
// the charger holds none.
func (s *secState) seccSerial() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.secc) == 0 {
		return ""
	}
	return s.secc[0].SerialNumber.Text(16)
}

// SECCSerial returns the serial (lower-case hex, no leading zeros) of the
// station's ISO 15118 SECC certificate, "" when it holds none.
func (c *Charger2) SECCSerial() string { return c.sec.seccSerial() }

// SECCSerial returns the serial (lower-case hex, no leading zeros) of the
// charger's ISO 15118 SECC certificate, "" when it holds none.
func (c *Charger) SECCSerial() string { return c.sec.seccSerial() }

// enqueueSECCCSRLocked queues SignCertificate V2GCertificate with a fresh
// CSR (TriggerMessage SignV2GCertificate); c.mu is held.
func (c *Charger2) enqueueSECCCSRLocked() bool {
	csr, err := c.sec.newSECCCSR(c.cfg.Identity)
	if err != nil {
		return false
	}
	c.enqueueLocked(&item2{action: v201.ActionSignCertificate, payload: &v201.SignCertificateRequest{Csr: csr,
		CertificateType: v201.CertificateSigningUseEnumV2GCertificate}})
	return true
}

func (c *Charger2) onDeleteCertificate(r *v201.DeleteCertificateRequest) (any, func(context.Context)) {
	return &v201.DeleteCertificateResponse{Status: v201.DeleteCertificateStatusEnum(c.sec.deleteSECC(r.CertificateHashData))}, nil
}

// onPnCDataTransfer answers the 1.6 Plug & Charge DataTransfer messages
// the central system sends (TriggerMessage SignV2GCertificate,
// CertificateSigned, DeleteCertificate), each carrying its 2.0.1 payload
// and answered with the 2.0.1 response in data.
func (c *Charger) onPnCDataTransfer(req *v16.DataTransferRequest) (any, func(context.Context)) {
	answer := func(status string, follow func(context.Context)) (any, func(context.Context)) {
		b, _ := json.Marshal(map[string]string{"status": status})
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted, Data: string(b)}, follow
	}
	rejected := &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}
	switch req.MessageID {
	case "TriggerMessage":
		var r v201.TriggerMessageRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return rejected, nil
		}
		if r.RequestedMessage != v201.MessageTriggerEnumSignV2GCertificate {
			return answer("NotImplemented", nil)
		}
		return answer("Accepted", c.sendSECCCSR)
	case "CertificateSigned":
		var r v201.CertificateSignedRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return rejected, nil
		}
		if err := c.sec.installSECC(r.CertificateChain); err != nil {
			return answer("Rejected", nil)
		}
		return answer("Accepted", nil)
	case "DeleteCertificate":
		var r v201.DeleteCertificateRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return rejected, nil
		}
		return answer(c.sec.deleteSECC(r.CertificateHashData), nil)
	}
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownMessageID}, nil
}

// sendSECCCSR sends the Plug & Charge DataTransfer SignCertificate with a
// fresh SECC CSR.
func (c *Charger) sendSECCCSR(context.Context) {
	csr, err := c.sec.newSECCCSR(c.cfg.Identity)
	if err != nil {
		return
	}
	data, _ := json.Marshal(&v201.SignCertificateRequest{Csr: csr, CertificateType: v201.CertificateSigningUseEnumV2GCertificate})
	c.send(v16.ActionDataTransfer, &v16.DataTransferRequest{VendorID: PnCVendorID, MessageID: "SignCertificate", Data: string(data)})
}
