package volt

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// EONBOARDING is the code of every portal page and API call refused to an
// account that is still in the holding area (issue 16 item 2): onboarding
// not complete or not yet approved (403).
const EONBOARDING = "onboarding_incomplete"

// InvitationKind is what a magic link registers: a new organisation (a CPO,
// an owner, an installer) with its first admin, or a person joining a
// usergroup (host, staff, driver).
type InvitationKind string

// Invitation kinds. Super admins invite CPOs; a CPO's admins invite the rest
// into their CPO.
const (
	InviteCPO       InvitationKind = "cpo"
	InviteOwner     InvitationKind = "owner"
	InviteHost      InvitationKind = "host"
	InviteInstaller InvitationKind = "installer"
	InviteStaff     InvitationKind = "staff"
	InviteDriver    InvitationKind = "driver"
)

// Valid reports whether k is a known kind.
func (k InvitationKind) Valid() bool {
	switch k {
	case InviteCPO, InviteOwner, InviteHost, InviteInstaller, InviteStaff, InviteDriver:
		return true
	}
	return false
}

// Holds reports whether an account registered through k is confined to the
// holding area until its onboarding is complete and approved: the
// organisations that own or operate chargers (CPOs and owners).
func (k InvitationKind) Holds() bool { return k == InviteCPO || k == InviteOwner }

// JoinsUsergroup reports whether k adds the new user to the invitation's
// usergroup rather than creating an organisation.
func (k InvitationKind) JoinsUsergroup() bool {
	return k == InviteHost || k == InviteStaff || k == InviteDriver
}

// InvitationState is where a magic link stands.
type InvitationState string

// Invitation states: a link works only while pending.
const (
	InvitationPending InvitationState = "pending"
	InvitationUsed    InvitationState = "used"
	InvitationExpired InvitationState = "expired"
	InvitationRevoked InvitationState = "revoked"
)

// DefaultInvitationTTL is how long a magic link works when the inviter does
// not say.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Invitation is a magic link: a one-time, expiring token (only its hash is
// kept) that opens a registration form pre-filled with Prefill. CPOID is
// the CPO the new account belongs to ("" for kind cpo: the link creates
// it). UsergroupID is the usergroup a host, staff or driver joins.
type Invitation struct {
	ID          string            `json:"id"`
	Kind        InvitationKind    `json:"kind"`
	CPOID       string            `json:"cpoId,omitempty"`
	OwnerID     string            `json:"ownerId,omitempty"`
	UsergroupID string            `json:"usergroupId,omitempty"`
	Email       string            `json:"email"`
	Prefill     map[string]string `json:"prefill"`
	State       InvitationState   `json:"state"`
	ExpiresAt   time.Time         `json:"expiresAt"`
	UsedAt      *time.Time        `json:"usedAt,omitempty"`
	RevokedAt   *time.Time        `json:"revokedAt,omitempty"`
	InvitedBy   string            `json:"invitedBy"`
	// UserID is the account the link registered, once used.
	UserID string `json:"userId,omitempty"`
	// OnboardingID is the holding-area onboarding it opened (CPO, owner).
	OnboardingID string    `json:"onboardingId,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	// URL is the link itself, present only in the answer that created it.
	URL string `json:"url,omitempty"`
}

// Validate checks the invitation's own fields.
func (i *Invitation) Validate() error {
	if !i.Kind.Valid() {
		return FieldError("kind", "Unknown invitation kind %q (cpo, owner, host, installer, staff, driver).", i.Kind)
	}
	i.Email = strings.ToLower(strings.TrimSpace(i.Email))
	if a, err := mail.ParseAddress(i.Email); err != nil || a.Address != i.Email {
		return FieldError("email", "Email %q is not a valid address.", i.Email)
	}
	if i.Kind != InviteCPO && i.CPOID == "" {
		return FieldError("cpoId", "An invitation of kind %s requires a CPO.", i.Kind)
	}
	if i.Kind.JoinsUsergroup() && i.UsergroupID == "" {
		return FieldError("usergroupId", "An invitation of kind %s requires the usergroup to join.", i.Kind)
	}
	for k, v := range i.Prefill {
		if len(k) > 64 || len(v) > 500 {
			return FieldError("prefill", "Pre-filled fields are at most 64 characters of name and 500 of value.")
		}
	}
	if len(i.Prefill) > 30 {
		return FieldError("prefill", "At most 30 pre-filled fields.")
	}
	return nil
}

// StateAt returns the link's state at now.
func (i *Invitation) StateAt(now time.Time) InvitationState {
	switch {
	case i.RevokedAt != nil:
		return InvitationRevoked
	case i.UsedAt != nil:
		return InvitationUsed
	case !now.Before(i.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// Registration is what the person who opened a magic link fills in: their
// own account and, for an organisation, its name.
type Registration struct {
	Token            string `json:"token"`
	Name             string `json:"name"`
	Password         string `json:"password"`
	Phone            string `json:"phone"`
	OrganisationName string `json:"organisationName"`
}

// Validate checks the registration's own fields.
func (r *Registration) Validate(kind InvitationKind) error {
	if strings.TrimSpace(r.Name) == "" {
		return FieldError("name", "Your name is required.")
	}
	if err := ValidatePassword(r.Password); err != nil {
		return err
	}
	if !kind.JoinsUsergroup() && strings.TrimSpace(r.OrganisationName) == "" {
		return FieldError("organisationName", "The organisation's name is required.")
	}
	return nil
}

// OnboardingStatus is where a held account's onboarding stands.
type OnboardingStatus string

// Onboarding statuses: the account leaves the holding area only when
// approved.
const (
	OnboardingOpen      OnboardingStatus = "open"      // being filled in
	OnboardingSubmitted OnboardingStatus = "submitted" // complete, waiting for the inviter
	OnboardingApproved  OnboardingStatus = "approved"
	OnboardingRejected  OnboardingStatus = "rejected" // back to open with a reason
)

// BankDetails is where payouts go (UK: account name, sort code, number).
type BankDetails struct {
	AccountName   string `json:"accountName"`
	SortCode      string `json:"sortCode"`
	AccountNumber string `json:"accountNumber"`
}

// Onboarding is the holding area's form for an organisation registered by
// a magic link: company facts, bank details, its first site and the terms.
// Until Status is approved, every page and API call but the holding area's
// answers EONBOARDING to its users.
type Onboarding struct {
	ID            string           `json:"id"`
	InvitationID  string           `json:"invitationId"`
	Kind          InvitationKind   `json:"kind"`
	CPOID         string           `json:"cpoId"`
	OwnerID       string           `json:"ownerId,omitempty"`
	UserID        string           `json:"userId"`
	InvitedBy     string           `json:"invitedBy"`
	Status        OnboardingStatus `json:"status"`
	CompanyName   string           `json:"companyName"`
	CompanyNumber string           `json:"companyNumber"`
	VATNumber     string           `json:"vatNumber"`
	Address       Address          `json:"address"`
	Bank          BankDetails      `json:"bank"`
	// FirstSite is the site created from the form once submitted.
	FirstSite       OnboardingSite `json:"firstSite"`
	FirstSiteID     string         `json:"firstSiteId,omitempty"`
	TermsAccepted   bool           `json:"termsAccepted"`
	TermsAcceptedAt *time.Time     `json:"termsAcceptedAt,omitempty"`
	SubmittedAt     *time.Time     `json:"submittedAt,omitempty"`
	DecidedAt       *time.Time     `json:"decidedAt,omitempty"`
	DecidedBy       string         `json:"decidedBy,omitempty"`
	Reason          string         `json:"reason,omitempty"`
	CreatedAt       time.Time      `json:"createdAt"`
	UpdatedAt       time.Time      `json:"updatedAt"`
}

// OnboardingSite is the first site as the holding area's form names it.
type OnboardingSite struct {
	Name      string  `json:"name"`
	Address   Address `json:"address"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Missing lists the fields still to fill before the onboarding can be
// submitted, by their JSON names; empty when complete.
func (o *Onboarding) Missing() []string {
	var m []string
	req := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			m = append(m, field)
		}
	}
	req("companyName", o.CompanyName)
	req("companyNumber", o.CompanyNumber)
	req("vatNumber", o.VATNumber)
	req("address.line1", o.Address.Line1)
	req("address.city", o.Address.City)
	req("address.postcode", o.Address.Postcode)
	req("bank.accountName", o.Bank.AccountName)
	req("bank.sortCode", o.Bank.SortCode)
	req("bank.accountNumber", o.Bank.AccountNumber)
	req("firstSite.name", o.FirstSite.Name)
	if !o.TermsAccepted {
		m = append(m, "termsAccepted")
	}
	return m
}

// ValidateDetails checks the forms of what is filled in (not that all is).
func (o *Onboarding) ValidateDetails() error {
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			if r == ' ' || r == '-' {
				return -1
			}
			return 'x'
		}, s)
	}
	if s := o.Bank.SortCode; s != "" {
		if d := digits(s); len(d) != 6 || strings.Contains(d, "x") {
			return FieldError("bank.sortCode", "A sort code is six digits (12-34-56).")
		}
		o.Bank.SortCode = digits(s)
	}
	if s := o.Bank.AccountNumber; s != "" {
		if d := digits(s); len(d) != 8 || strings.Contains(d, "x") {
			return FieldError("bank.accountNumber", "An account number is eight digits.")
		}
		o.Bank.AccountNumber = digits(s)
	}
	if o.FirstSite.Latitude < -90 || o.FirstSite.Latitude > 90 {
		return FieldError("firstSite.latitude", "Latitude must be within -90..90.")
	}
	if o.FirstSite.Longitude < -180 || o.FirstSite.Longitude > 180 {
		return FieldError("firstSite.longitude", "Longitude must be within -180..180.")
	}
	return nil
}

// InvitationFilter narrows a list of invitations or onboardings.
type InvitationFilter struct {
	CPOID  string
	State  InvitationState
	Status OnboardingStatus
	Page
}

// InvitationService keeps magic links and the holding area (issue 16 items
// 1-2). Create, list and revoke authorise the actor in ctx: super admins
// invite CPOs, a CPO's admins invite into it; a link outside the actor's
// read scope is ENOTFOUND. OpenInvitation and Register are the public side,
// authenticated by the token alone: an expired, used or revoked link is
// EUNPROCESSABLE with a message saying which, and Register creates every
// record or none.
type InvitationService interface {
	// CreateInvitation stores the link (its token's hash) and e-mails it;
	// the answer's URL carries the token, shown this once.
	CreateInvitation(ctx context.Context, inv *Invitation, ttl time.Duration) error
	FindInvitations(ctx context.Context, f InvitationFilter) ([]*Invitation, int, error)
	FindInvitationByID(ctx context.Context, id string) (*Invitation, error)
	RevokeInvitation(ctx context.Context, id string) (*Invitation, error)

	// OpenInvitation returns the pending invitation of token (for the form).
	OpenInvitation(ctx context.Context, token string) (*Invitation, error)
	// Register uses the link once: creates the organisation (or joins the
	// usergroup), the user and, for a held kind, the onboarding.
	Register(ctx context.Context, r Registration) (*User, error)

	// MyOnboarding is the actor's own onboarding (ENOTFOUND when none).
	MyOnboarding(ctx context.Context) (*Onboarding, error)
	// SaveOnboarding stores the actor's form; submit also checks it is
	// complete (EINVALID naming the first missing field), creates the first
	// site and waits for the inviter.
	SaveOnboarding(ctx context.Context, o *Onboarding, submit bool) error
	FindOnboardings(ctx context.Context, f InvitationFilter) ([]*Onboarding, int, error)
	FindOnboardingByID(ctx context.Context, id string) (*Onboarding, error)
	// DecideOnboarding approves or rejects a submitted onboarding: the
	// inviter's side (super admins for CPOs, the CPO's admins for owners);
	// audited and e-mailed to the account.
	DecideOnboarding(ctx context.Context, id string, approve bool, reason string) (*Onboarding, error)
}
