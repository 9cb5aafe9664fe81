package gateway

import (
	"context"
	"encoding/json"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
)

// PnCVendorID is the DataTransfer vendorId of Plug & Charge on OCPP 1.6
// (OCA whitepaper "Using ISO 15118 Plug & Charge with OCPP 1.6"): the
// messageId names the OCPP 2.0.1 message and data carries its JSON payload.
const PnCVendorID = "org.openchargealliance.iso15118pnc"

// pncDataTransfer16 serves the 1.6 Plug & Charge messages with the 2.0.1
// handlers: Authorize, Get15118EVCertificate, GetCertificateStatus. The
// answer's data is the 2.0.1 response payload as JSON. TODO(issue 18): the
// V2G (SECC) certificate's SignCertificate and CertificateSigned through
// DataTransfer.
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
