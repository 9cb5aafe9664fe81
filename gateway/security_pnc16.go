package gateway

import (
	"context"
	"encoding/json"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// PnCVendorID is the DataTransfer vendorId of Plug & Charge on OCPP 1.6
// (OCA whitepaper "Using ISO 15118 Plug & Charge with OCPP 1.6"): the
// messageId names the OCPP 2.0.1 message and data carries its JSON payload.
const PnCVendorID = volt.PnCVendorID

// pncDataTransfer16 serves the 1.6 Plug & Charge messages with the 2.0.1
// handlers: Authorize, Get15118EVCertificate, GetCertificateStatus. The
// answer's data is the 2.0.1 response payload as JSON. SignCertificate
// there is the V2G (SECC) certificate's: signed by the V2G CPO sub-CA and
// sent back as a DataTransfer CertificateSigned.
func pncDataTransfer16(ctx context.Context, c *conn, req *v16.DataTransferRequest) (*v16.DataTransferResponse, error) {
	decode := func(dst any) bool {
		if err := ocpp.Decode(ocpp.V201, []byte(req.Data), dst, c.relaxations()); err != nil {
			c.g.log.Info("gateway: plug & charge data refused", "cpid", c.cpid, "messageId", req.MessageID, "err", err)
			return false
		}
		return true
	}
	var (
		resp any
		err  error
	)
	switch req.MessageID {
	case "Authorize":
		var r v201.AuthorizeRequest
		if !decode(&r) {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}, nil
		}
		if isPnC(&r) {
			resp, err = authorizePnC201(ctx, c, &r)
		} else {
			resp, err = authorize201(ctx, c, &r)
		}
	case "Get15118EVCertificate":
		var r v201.Get15118EVCertificateRequest
		if !decode(&r) {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}, nil
		}
		resp, err = get15118EVCertificate201(ctx, c, &r)
	case "GetCertificateStatus":
		var r v201.GetCertificateStatusRequest
		if !decode(&r) {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}, nil
		}
		resp, err = getCertificateStatus201(ctx, c, &r)
	case "SignCertificate":
		var r v201.SignCertificateRequest
		if !decode(&r) {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}, nil
		}
		resp = signV2GCertificate16(ctx, c, &r)
	default:
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownMessageID}, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, internal(c, "plug & charge answer", err)
	}
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted, Data: string(b)}, nil
}

// signV2GCertificate16 signs a 1.6 charger's SECC CSR (the extension's
// SignCertificate, whose certificateType is V2GCertificate or absent) and
// sends the chain in a DataTransfer CertificateSigned.
func signV2GCertificate16(ctx context.Context, c *conn, req *v201.SignCertificateRequest) *v201.SignCertificateResponse {
	if req.CertificateType != "" && req.CertificateType != v201.CertificateSigningUseEnumV2GCertificate {
		return rejectSign201(ctx, c, "the Plug & Charge extension signs V2G certificates only")
	}
	iss, reason := signV2GCSR(ctx, c, req.Csr)
	if iss == nil {
		return rejectSign201(ctx, c, reason)
	}
	chargerEvent(ctx, c, v16.ActionDataTransfer, "signed V2G serial "+iss.Serial, c.g.cfg.Now())
	data, _ := json.Marshal(&v201.CertificateSignedRequest{CertificateChain: iss.ChainPEM, CertificateType: v201.CertificateSigningUseEnumV2GCertificate})
	sendSigned(c, iss, v16.ActionDataTransfer, &v16.DataTransferRequest{VendorID: PnCVendorID, MessageID: "CertificateSigned", Data: string(data)},
		func(res []byte) string {
			var ans struct{ Status, Data string }
			_ = json.Unmarshal(res, &ans)
			var inner struct{ Status string }
			if ans.Status != string(v16.DataTransferStatusAccepted) || json.Unmarshal([]byte(ans.Data), &inner) != nil {
				return "DataTransfer " + ans.Status
			}
			return inner.Status
		})
	return &v201.SignCertificateResponse{Status: v201.GenericStatusEnumAccepted}
}
