package volt_test

import (
	"errors"
	"testing"

	"github.com/volt-ev/volt"
)

// TestDecidePnC holds the OCPP 2.0.1 C07 answer pairs (LESSONS.md item 28).
func TestDecidePnC(t *testing.T) {
	down := errors.New("ocsp responder down")
	cases := []struct {
		name     string
		cert     volt.ContractCertificateStatus
		err      error
		token    volt.AuthStatus
		wantCert volt.ContractCertificateStatus
		wantTok  volt.AuthStatus
	}{
		{"valid chain, registered eMAID", volt.ContractAccepted, nil, volt.AuthAccepted, volt.ContractAccepted, volt.AuthAccepted},
		{"expired chain", volt.ContractExpired, nil, volt.AuthAccepted, volt.ContractExpired, volt.AuthExpired},
		{"unverifiable chain", volt.ContractCertChainError, nil, volt.AuthAccepted, volt.ContractCertChainError, volt.AuthInvalid},
		{"provider down", volt.ContractAccepted, down, volt.AuthAccepted, volt.ContractCertChainError, volt.AuthInvalid},
		{"provider down, no verdict", "", down, volt.AuthAccepted, volt.ContractCertChainError, volt.AuthInvalid},
		{"valid chain, blocked token", volt.ContractAccepted, nil, volt.AuthBlocked, volt.ContractContractCancelled, volt.AuthBlocked},
		{"valid chain, expired token", volt.ContractAccepted, nil, volt.AuthExpired, volt.ContractContractCancelled, volt.AuthExpired},
		{"valid chain, unknown token", volt.ContractAccepted, nil, volt.AuthInvalid, volt.ContractContractCancelled, volt.AuthInvalid},
		{"revoked", volt.ContractRevoked, nil, volt.AuthAccepted, volt.ContractRevoked, volt.AuthInvalid},
		{"signature error", volt.ContractSignatureError, nil, volt.AuthAccepted, volt.ContractSignatureError, volt.AuthInvalid},
	}
	for _, tc := range cases {
		got := volt.DecidePnC(tc.cert, tc.err, tc.token)
		if got.CertificateStatus != tc.wantCert || got.TokenStatus != tc.wantTok {
			t.Errorf("%s: %s/%s, want %s/%s", tc.name, got.CertificateStatus, got.TokenStatus, tc.wantCert, tc.wantTok)
		}
	}
}

func TestNormalizeEMAID(t *testing.T) {
	for in, want := range map[string]string{"GB-VOL-C12345678-9": "GBVOLC123456789", "gbvolc12345678": "GBVOLC12345678"} {
		if got, ok := volt.NormalizeEMAID(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "GBVOL", "12VOLC12345678", "GB VOLC1234567", "GBVOLC1234567890X"} {
		if got, ok := volt.NormalizeEMAID(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}
