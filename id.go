package volt

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"regexp"
	"strings"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new random identifier with a type prefix, such as
// "cpo_3k9x...". IDs are unguessable (80 random bits) so that a tenant cannot
// enumerate or count another tenant's resources.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("volt: crypto/rand failed: %v", err))
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// ID prefixes, one per resource type.
const (
	PrefixCPO           = "cpo"
	PrefixOwner         = "own"
	PrefixHost          = "hst"
	PrefixSite          = "sit"
	PrefixChargerGroup  = "cgr"
	PrefixHub           = "hub"
	PrefixUser          = "usr"
	PrefixUsergroup     = "ugr"
	PrefixRFIDCard      = "rfc"
	PrefixAffiliateCode = "afc"
	PrefixToken         = "tok"
	PrefixSession       = "ses"
	PrefixCDR           = "cdr"
	PrefixTariff        = "trf"
	PrefixAudit         = "aud"
	PrefixReservation   = "rsv"
)

var cpidRe = regexp.MustCompile(`^[0-9]{6,}$`)

// FormatCPID formats a CPID number as at least six digits with leading zeros
// ("000123"), the form printed on a charger's sticker.
func FormatCPID(n int64) string { return fmt.Sprintf("%06d", n) }

// ValidCPID reports whether s has the form of a CPID.
func ValidCPID(s string) bool { return cpidRe.MatchString(s) }

// NormalizeIDTag returns the form of an OCPP idTag used for comparison: OCPP
// 1.6 idTags are CiString20, compared case-insensitively.
func NormalizeIDTag(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
