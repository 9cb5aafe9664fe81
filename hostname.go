package volt

import (
	"context"
	"net/netip"
	"strings"
	"time"
)

// A whitelabel's host names take over the login and sign-up pages of the
// portal and the app that are reached through them, so they are guarded:
//
//   - reserved names are nobody's: "localhost", any IP literal, and the
//     platform's own host names (the host of VOLT_PUBLIC_URL and of the
//     listener) — a theme carrying one is refused, and a theme lookup never
//     resolves one;
//   - a super admin sets any other name on a CPO;
//   - a CPO admin adds a name only once it is verified for its CPO: it
//     claims the name, gets a token, publishes it as a DNS TXT record at
//     HostNameClaim.TXTName, and asks for verification, which the platform
//     does through a TXTResolver (a test stubs it).

// HostNameTXTPrefix is the label under which a claim's TXT record sits:
// _volt-challenge.charge.example.com for charge.example.com.
const HostNameTXTPrefix = "_volt-challenge."

// HostNameTXTValuePrefix starts the TXT record's value, before the token.
const HostNameTXTValuePrefix = "volt-verification="

// NormalizeHostName lower-cases a host name and drops a port and a final
// dot ("Charge.Example.com:443." is "charge.example.com"); IPv6 literals
// keep their brackets.
func NormalizeHostName(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") && strings.Count(h, ":") == 1 {
		h = h[:i]
	} else if strings.HasPrefix(h, "[") {
		if j := strings.IndexByte(h, ']'); j >= 0 {
			h = h[:j+1]
		}
	}
	return strings.TrimSuffix(h, ".")
}

// IsIPLiteral reports whether a (normalised) host is an IP address, with or
// without IPv6 brackets.
func IsIPLiteral(h string) bool {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if i := strings.IndexByte(h, '%'); i >= 0 { // IPv6 zone
		h = h[:i]
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// ReservedHostName reports whether a host name is the platform's: localhost,
// an IP literal, or one of platform (normalised host names of the
// platform's own URLs). Reserved names are never a whitelabel's.
func ReservedHostName(host string, platform []string) bool {
	h := NormalizeHostName(host)
	if h == "localhost" || IsIPLiteral(h) {
		return true
	}
	for _, p := range platform {
		if p = NormalizeHostName(p); p != "" && p == h {
			return true
		}
	}
	return false
}

// ValidateHostName checks a whitelabel host name: a DNS name of letters,
// digits and hyphens in dot-separated labels (no IP literal), not reserved.
func ValidateHostName(host string, platform []string) error {
	h := NormalizeHostName(host)
	if ReservedHostName(h, platform) {
		return FieldError("theme.hostNames", "Host name %q is reserved for the platform.", host)
	}
	if len(h) == 0 || len(h) > 253 {
		return FieldError("theme.hostNames", "Host name %q must be 1 to 253 characters.", host)
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return FieldError("theme.hostNames", "Host name %q is not a valid DNS name.", host)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return FieldError("theme.hostNames", "Host name %q is not a valid DNS name.", host)
			}
		}
	}
	return nil
}

// HostNameClaim is a CPO's claim to a host name for its theme, verified by
// a DNS TXT record: TXTName must hold TXTValue.
type HostNameClaim struct {
	HostName   string     `json:"hostName"`
	CPOID      string     `json:"cpoId"`
	TXTName    string     `json:"txtName" doc:"The DNS name to publish the TXT record at."`
	TXTValue   string     `json:"txtValue" doc:"The TXT record's value."`
	Verified   bool       `json:"verified"`
	CreatedAt  time.Time  `json:"createdAt"`
	VerifiedAt *time.Time `json:"verifiedAt"`
}

// TXTResolver looks up DNS TXT records (net.Resolver satisfies it); tests
// stub it.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// HostNameService guards whitelabel host names: claims and their DNS
// verification. Every call needs write access to the CPO (a CPO admin or a
// super admin); another tenant's CPO is ENOTFOUND.
type HostNameService interface {
	// FindHostNameClaims lists a CPO's claims.
	FindHostNameClaims(ctx context.Context, cpoID string) ([]*HostNameClaim, error)
	// ClaimHostName starts a claim (or returns the pending one) with the
	// TXT record to publish. A super admin's claim is verified at once. A
	// reserved or invalid name is EINVALID; a name another CPO serves is
	// ECONFLICT.
	ClaimHostName(ctx context.Context, cpoID, host string) (*HostNameClaim, error)
	// VerifyHostName looks the claim's TXT record up; when it holds the
	// token, the claim is verified and the CPO may put the name in its
	// theme. A record that does not hold it is EUNPROCESSABLE.
	VerifyHostName(ctx context.Context, cpoID, host string) (*HostNameClaim, error)
	// DeleteHostNameClaim withdraws a claim (the theme keeps names already
	// in it until they are removed).
	DeleteHostNameClaim(ctx context.Context, cpoID, host string) error
}
