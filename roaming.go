package volt

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
)

// OCPI roaming (issue 14): each CPO is its own OCPI 2.2.1 party (country
// code + party id), and has partners, other platforms it roams with in
// either role. The wire format lives in package ocpi; these are the facts
// the store keeps.

// OCPIRole is the role of an OCPI party (OCPI 2.2.1 §16.1 Role).
type OCPIRole string

// OCPI roles Volt roams with.
const (
	OCPIRoleCPO  OCPIRole = "CPO"
	OCPIRoleEMSP OCPIRole = "EMSP"
)

// Valid reports whether r is a role Volt roams with.
func (r OCPIRole) Valid() bool { return r == OCPIRoleCPO || r == OCPIRoleEMSP }

// OCPIPartnerStatus is where a partner stands in the credentials handshake.
type OCPIPartnerStatus string

// Partner statuses: pending (Token A issued, no handshake yet), connected
// (credentials exchanged), suspended (by an operator: every token refused,
// nothing pushed), unregistered (DELETE credentials, by either side).
const (
	OCPIPending      OCPIPartnerStatus = "pending"
	OCPIConnected    OCPIPartnerStatus = "connected"
	OCPISuspended    OCPIPartnerStatus = "suspended"
	OCPIUnregistered OCPIPartnerStatus = "unregistered"
)

// OCPIEndpoint is one module endpoint of a partner (OCPI 2.2.1 §6.2.2).
type OCPIEndpoint struct {
	Identifier string `json:"identifier"`
	Role       string `json:"role"` // SENDER or RECEIVER
	URL        string `json:"url"`
}

// OCPIParty is a CPO's own OCPI identity, set in its settings.
type OCPIParty struct {
	CPOID       string `json:"cpoId"`
	CountryCode string `json:"countryCode"`
	PartyID     string `json:"partyId"`
}

var (
	countryCodeRe = regexp.MustCompile(`^[A-Z]{2}$`)
	partyIDRe     = regexp.MustCompile(`^[A-Z0-9]{3}$`)
)

// Validate checks the party: ISO 3166 alpha-2 country and a 3-character
// party id (OCPI 2.2.1 §3.1, upper case).
func (p *OCPIParty) Validate() error {
	p.CountryCode, p.PartyID = strings.ToUpper(strings.TrimSpace(p.CountryCode)), strings.ToUpper(strings.TrimSpace(p.PartyID))
	if p.CPOID == "" {
		return FieldError("cpoId", "An OCPI party belongs to a CPO.")
	}
	if !countryCodeRe.MatchString(p.CountryCode) {
		return FieldError("countryCode", "Country code must be 2 letters (ISO 3166-1 alpha-2), got %q.", p.CountryCode)
	}
	if !partyIDRe.MatchString(p.PartyID) {
		return FieldError("partyId", "Party id must be 3 letters or digits, got %q.", p.PartyID)
	}
	return nil
}

// OCPIPartner is another platform a CPO roams with. Its tokens are never
// in the JSON: Token A is shown once at creation, the token Volt calls the
// partner with (their Token B or C) stays in the store, and the partner's
// token for calling Volt is kept only as a hash.
type OCPIPartner struct {
	ID          string            `json:"id"`
	CPOID       string            `json:"cpoId"`
	Name        string            `json:"name"`
	CountryCode string            `json:"countryCode"`
	PartyID     string            `json:"partyId"`
	Role        OCPIRole          `json:"role"`
	Status      OCPIPartnerStatus `json:"status"`
	// VersionsURL is the partner's versions endpoint, once known.
	VersionsURL string         `json:"partnerVersionsUrl,omitempty"`
	Version     string         `json:"version,omitempty"`
	Endpoints   []OCPIEndpoint `json:"endpoints"`
	// RoamingMarginPercent is added to a partner CPO's CDR cost when Volt
	// bills its own driver for a session on that CPO's network.
	RoamingMarginPercent Decimal    `json:"roamingMarginPercent"`
	LastError            string     `json:"lastError,omitempty"`
	LastErrorAt          *time.Time `json:"lastErrorAt,omitempty"`
	CreatedAt            time.Time  `json:"createdAt"`
	UpdatedAt            time.Time  `json:"updatedAt"`

	// ChargerGroupIDs limits what an eMSP partner sees of the CPO's
	// published charger groups (Locations, pushes, commands); empty: all.
	ChargerGroupIDs []string `json:"chargerGroupIds"`
	// TariffID is the partner's roaming tariff: what an eMSP partner's
	// drivers pay on the CPO's chargers and what its Locations and Tariffs
	// show, instead of each group's Public tariff ("": the Public ones).
	TariffID string `json:"tariffId,omitempty"`

	// TheirToken is the token Volt sends to the partner (their Token B
	// or C); empty until the handshake.
	TheirToken string `json:"-"`
}

// Ref returns the partner's place in the hierarchy: its CPO's.
func (p *OCPIPartner) Ref() Ref { return Ref{CPOID: p.CPOID} }

// Endpoint returns the URL of the partner's module in the interface role
// ("SENDER", "RECEIVER"), or "".
func (p *OCPIPartner) Endpoint(module, role string) string {
	for _, e := range p.Endpoints {
		if e.Identifier == module && (e.Role == role || e.Role == "") {
			return e.URL
		}
	}
	return ""
}

// Publishes says whether the charger group's chargers are published to
// the partner over OCPI: a public group not excluded from OCPI, and one of
// the partner's groups when it is limited to some. A nil partner is the
// open data feed (every published group).
func (p *OCPIPartner) Publishes(g *ChargerGroup) bool {
	if g == nil || g.Private || g.OCPIExcluded {
		return false
	}
	return p == nil || len(p.ChargerGroupIDs) == 0 || slices.Contains(p.ChargerGroupIDs, g.ID)
}

// Validate checks the partner's own fields.
func (p *OCPIPartner) Validate() error {
	if p.CPOID == "" {
		return FieldError("cpoId", "A partner belongs to a CPO.")
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "Partner name required.")
	}
	party := OCPIParty{CPOID: p.CPOID, CountryCode: p.CountryCode, PartyID: p.PartyID}
	if err := party.Validate(); err != nil {
		return err
	}
	p.CountryCode, p.PartyID = party.CountryCode, party.PartyID
	if !p.Role.Valid() {
		return FieldError("role", "Role must be CPO or EMSP, got %q.", p.Role)
	}
	if p.RoamingMarginPercent.Sign() < 0 {
		return FieldError("roamingMarginPercent", "The roaming margin cannot be negative.")
	}
	return nil
}

// OCPIPartnerFilter narrows a list of partners.
type OCPIPartnerFilter struct {
	CPOID string
	Page
}

// OCPIPartnerUpdate is an operator's change of a partner; nil fields stay.
type OCPIPartnerUpdate struct {
	Name                 *string
	Suspended            *bool
	RoamingMarginPercent *Decimal
	// ChargerGroupIDs replaces the partner's groups (empty: all).
	ChargerGroupIDs *[]string
	// TariffID sets the roaming tariff ("": none, the Public tariffs).
	TariffID *string
}

// OCPIPartnerService manages a CPO's roaming partners for operators; every
// method authorises the actor in ctx (a partner of another tenant is
// ENOTFOUND).
type OCPIPartnerService interface {
	FindOCPIParty(ctx context.Context, cpoID string) (*OCPIParty, error)
	SetOCPIParty(ctx context.Context, p *OCPIParty) error
	FindOCPIPartners(ctx context.Context, f OCPIPartnerFilter) ([]*OCPIPartner, int, error)
	FindOCPIPartnerByID(ctx context.Context, id string) (*OCPIPartner, error)
	// CreateOCPIPartner adds a partner and returns its Token A (shown
	// once): the partner registers with it at Volt's versions URL.
	CreateOCPIPartner(ctx context.Context, p *OCPIPartner) (tokenA string, err error)
	UpdateOCPIPartner(ctx context.Context, id string, u OCPIPartnerUpdate) (*OCPIPartner, error)
	DeleteOCPIPartner(ctx context.Context, id string) error
}

// OCPIRegistrar runs the credentials handshake from Volt's side: Volt
// registers at a partner's versions URL with the Token A the partner gave
// (OCPI 2.2.1 §7.1.1), for a partner the actor may write, and rotates
// the tokens with a connected partner (PUT credentials, §7.2.3).
type OCPIRegistrar interface {
	RegisterWithPartner(ctx context.Context, partnerID, versionsURL, tokenA string) (*OCPIPartner, error)
	RotateCredentials(ctx context.Context, partnerID string) (*OCPIPartner, error)
}

// OCPITokenKind says which of a partner's tokens authenticated a request.
type OCPITokenKind string

// Token kinds: A (registration only) and C (everything once registered).
const (
	OCPITokenA OCPITokenKind = "A"
	OCPITokenC OCPITokenKind = "C"
)

// OCPIRegistration is what one credentials exchange settles, stored whole
// in one transaction (LESSONS, OCPI 6).
type OCPIRegistration struct {
	PartnerID   string
	TheirToken  string // the token Volt calls them with from now on
	OurToken    string // the token they call Volt with from now on (Token C)
	VersionsURL string
	Version     string
	Endpoints   []OCPIEndpoint
	CountryCode string
	PartyID     string
	// KeepPrevious keeps the partner's previous token valid for calls to
	// Volt until it has used the new one (a rotation Volt started).
	KeepPrevious bool
}

// OCPIToken is a token an eMSP partner pushed to a CPO of Volt (OCPI
// 2.2.1 §12.3.2), with its whitelist mode. Data is the object as sent.
type OCPIToken struct {
	PartnerID   string          `json:"partnerId"`
	CountryCode string          `json:"countryCode"`
	PartyID     string          `json:"partyId"`
	UID         string          `json:"uid"`
	Type        string          `json:"type"`
	ContractID  string          `json:"contractId"`
	Valid       bool            `json:"valid"`
	Whitelist   string          `json:"whitelist"` // ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER
	LastUpdated time.Time       `json:"lastUpdated"`
	Data        json.RawMessage `json:"-"`
}

// OCPIPush is one request Volt must deliver to a partner (a CDR, a
// session, a status), kept until the partner accepts it so that nothing
// is lost across restarts; retried with back-off.
type OCPIPush struct {
	ID        string
	PartnerID string
	Module    string // "cdrs", "sessions", "locations", "tokens", "commands"
	ObjectID  string
	Method    string
	URL       string // absolute, or a path below the partner's module endpoint
	Body      json.RawMessage
	// To is the party behind the partner (a hub) the push is for,
	// "CC*PID" in its OCPI-to headers ("": the partner itself).
	To        string
	Attempts  int
	NextAt    time.Time
	LastError string
}

// OCPIStore is the OCPI module's system-level storage, used by the OCPI
// endpoints themselves (the partner, not an operator, is the caller).
type OCPIStore interface {
	// OCPIPartnerByToken finds the partner a credentials token belongs
	// to and which token it is; unknown: EUNAUTHORIZED.
	OCPIPartnerByToken(ctx context.Context, token string) (*OCPIPartner, OCPITokenKind, error)
	// FindOCPIPartnerSystem reads a partner whatever the tenant.
	FindOCPIPartnerSystem(ctx context.Context, id string) (*OCPIPartner, error)
	// OCPIPartyOf returns a CPO's own party (ENOTFOUND when unset).
	OCPIPartyOf(ctx context.Context, cpoID string) (*OCPIParty, error)
	// CompleteOCPIRegistration stores a credentials exchange whole.
	CompleteOCPIRegistration(ctx context.Context, r OCPIRegistration) (*OCPIPartner, error)
	// StageOCPIToken makes a token Volt is about to send valid for the
	// partner's calls (keepPrevious: the current one stays valid as well).
	StageOCPIToken(ctx context.Context, partnerID, token string, keepPrevious bool) error
	// UnregisterOCPIPartner drops every token of the partner.
	UnregisterOCPIPartner(ctx context.Context, partnerID string) error
	// RecordOCPIError keeps the last error talking to a partner ("" clears).
	RecordOCPIError(ctx context.Context, partnerID, msg string) error

	PutOCPIToken(ctx context.Context, t *OCPIToken) error
	FindOCPIToken(ctx context.Context, partnerID, uid, tokenType string) (*OCPIToken, error)
	// FindRoamingToken finds a token any eMSP partner of the CPO pushed,
	// by its uid as a charger sends it (case-insensitive).
	FindRoamingToken(ctx context.Context, cpoID, uid string) (*OCPIToken, error)

	EnqueueOCPIPush(ctx context.Context, p *OCPIPush) error
	DueOCPIPushes(ctx context.Context, now time.Time, limit int) ([]*OCPIPush, error)
	// FinishOCPIPush records an attempt: delivered (errMsg "") removes it,
	// else it is due again at next.
	FinishOCPIPush(ctx context.Context, id, errMsg string, next time.Time) error
	// QueueCoalescedPushes queues pushes of which only the latest per
	// partner, module and object matters (active charging profiles; EVSE
	// statuses use OCPIStatusFeedStore instead): a pending push
	// of the same object takes the new body, keeping its back-off.
	QueueCoalescedPushes(ctx context.Context, pushes []*OCPIPush) error
	// DeleteOCPIPushes removes delivered pushes (in batches).
	DeleteOCPIPushes(ctx context.Context, ids []string) error

	// PutPartnerObject stores an object a partner pushed or Volt pulled
	// (module "locations", "sessions", "cdrs", "tariffs"), keyed by the
	// partner and the object's id. created is false when it was there;
	// CDRs are never replaced (a CDR once sent does not change).
	// RoamingCDRsToQueue and QueueRoamingCDR send each roaming CDR to its
	// partner once and count it as third-party income (issue 14 item 4).
	RoamingCDRsToQueue(ctx context.Context, since time.Time, limit int) ([]RoamingCDR, error)
	QueueRoamingCDR(ctx context.Context, r RoamingCDR, push *OCPIPush) error
	// RoamingCDRsOf pages the CDRs sent to a partner, as sent (its pull).
	RoamingCDRsOf(ctx context.Context, partnerID string, from, to time.Time, offset, limit int) ([]json.RawMessage, int, error)

	// BillRoamingCDR charges the driver whose card (of the partner's CPO)
	// is tokenUID for a partner CPO's CDR: its cost plus the partner's
	// roaming margin, from the wallet, once per CDR. No such driver:
	// ENOTFOUND. A driver of a fleet whose wallet is on (issue 19) is
	// billed to the fleet instead (RoamingBill.FleetID).
	BillRoamingCDR(ctx context.Context, partnerID, cdrID, tokenUID string, cost int64, currency string) (*RoamingBill, error)

	// RoamingSessionsToPush and QueueSessionPush keep eMSP partners
	// informed of their drivers' sessions on Volt's chargers.
	RoamingSessionsToPush(ctx context.Context, since time.Time, limit int) ([]RoamingSession, error)
	// RoamingSessionsOf pages a partner's tokens' sessions updated in
	// [from, to) (its Sessions pull), with their total.
	RoamingSessionsOf(ctx context.Context, partnerID string, from, to time.Time, offset, limit int) ([]RoamingSession, int, error)
	QueueSessionPush(ctx context.Context, sessionID, state string, push *OCPIPush) error

	// DriverTokensOf, QueueTokenPush and ConnectedOCPIPartners keep partner
	// CPOs informed of the CPO's drivers' cards (eMSP side).
	DriverTokensOf(ctx context.Context, partnerID string) ([]DriverToken, error)
	QueueTokenPush(ctx context.Context, uid, state string, push *OCPIPush) error
	ConnectedOCPIPartners(ctx context.Context, role OCPIRole) ([]*OCPIPartner, error)

	PutPartnerObject(ctx context.Context, partnerID, module, id string, data json.RawMessage, lastUpdated time.Time) (created bool, err error)
	FindPartnerObjects(ctx context.Context, partnerID, module string) ([]json.RawMessage, error)
	// FindPartnerObject returns one object a partner sent (ENOTFOUND).
	FindPartnerObject(ctx context.Context, partnerID, module, id string) (json.RawMessage, error)
}

// RoamingCDR is a CDR of one of Volt's chargers that a partner's token
// paid for, with the partner.
type RoamingCDR struct {
	CDR       *CDR
	PartnerID string
}

// ThirdPartyIncome is one partner's roaming income in an income report
// (minor units, VAT included; VAT stated).
type ThirdPartyIncome struct {
	PartnerID   string `json:"partnerId"`
	PartnerName string `json:"partnerName"`
	Sessions    int64  `json:"sessions"`
	EnergyWh    int64  `json:"energyWh"`
	Income      int64  `json:"income"`
	VAT         int64  `json:"vat"`
}

// Roaming money (issue 14 item 3): what Volt's drivers spend on partner
// networks is payable to the partner; the CPO keeps its roaming margin.
const PostRoamingCharge PostingKind = "roaming_charge"

// AccountRoamingPayable is what Volt owes a partner CPO for its drivers'
// sessions on the partner's network.
func AccountRoamingPayable(partnerID string) string { return "roaming_payable:" + partnerID }

// AccountRoamingMargin is a CPO's roaming margin earned on its drivers'
// sessions on partner networks.
func AccountRoamingMargin(cpoID string) string { return "roaming_margin:" + cpoID }

// RoamingMargin is the margin on a partner's CDR cost (minor units) at
// percent, rounded half up to the minor unit.
func RoamingMargin(cost int64, percent Decimal) int64 {
	if cost <= 0 || percent.Sign() <= 0 {
		return 0
	}
	return (cost*percent.Micro() + 50_000_000) / 100_000_000
}

// RoamingChargeEntries charge a driver's wallet for a partner's CDR: the
// partner is owed its cost, the CPO earns the margin.
func RoamingChargeEntries(userID, partnerID, cpoID string, cost, margin int64, currency string) []Entry {
	return entries(currency, AccountWallet(userID), cost+margin, AccountRoamingPayable(partnerID), -cost, AccountRoamingMargin(cpoID), -margin)
}

// RoamingBill is a driver billed for a partner's CDR.
type RoamingBill struct {
	PartnerID string `json:"partnerId"`
	CDRID     string `json:"cdrId"`
	UserID    string `json:"userId"`
	Currency  string `json:"currency"`
	Cost      int64  `json:"cost"`
	Margin    int64  `json:"margin"`
	Total     int64  `json:"total"`
	// FleetID is the fleet billed instead of the driver (issue 19).
	FleetID string `json:"fleetId,omitempty"`
	// How it was paid (issue 14 item 3, roaming_bill.go): PaidBy
	// "wallet" or "card", State "paid", "pending" or "debt".
	PaidBy    string    `json:"paidBy,omitempty"`
	State     string    `json:"state,omitempty"`
	PaymentID string    `json:"paymentId,omitempty"`
	Failure   string    `json:"failure,omitempty"`
	CPOID     string    `json:"cpoId,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// RoamingSession is a session on one of Volt's chargers that a partner's
// token started, with what was last pushed to the partner.
type RoamingSession struct {
	Session   *Session
	PartnerID string
	SentState string
	SentAt    *time.Time
}

// RoamingLocation is a partner CPO's charging location as Volt's drivers
// see it in the app's list (issue 14 item 3).
type RoamingLocation struct {
	PartnerID   string
	PartnerName string
	ID          string
	Name        string
	Address     string
	City        string
	Lat, Lon    float64
	EVSEs       int
	Available   int
	Connectors  []string // OCPI connector standards, de-duplicated
	// MarginPercent is what Volt adds to the partner's price.
	MarginPercent Decimal
	// Price is the partner's tariff of the location with the margin
	// added, VAT included (nil until its tariffs were pulled).
	Price *RoamingPrice
}

// RoamingPrice is a partner tariff as Volt's driver pays it: VAT and the
// roaming margin included; zero parts are not charged.
type RoamingPrice struct {
	TariffID       string
	Currency       string
	PerKWh         Decimal
	PerSession     Decimal
	PerHour        Decimal
	ParkingPerHour Decimal
}

// RoamingLocations lists the locations of the partner CPOs a CPO roams
// with ("": every CPO's partners), as last pulled or pushed.
type RoamingLocations interface {
	FindRoamingLocations(ctx context.Context, cpoID string) ([]RoamingLocation, error)
}

// DriverToken is a card of one of a CPO's drivers as Volt (eMSP) keeps a
// partner CPO informed of it; SentState is what was last pushed ("" never).
type DriverToken struct {
	CardID string
	UID    string
	// Type is the OCPI token type: RFID (a card) or APP_USER (an app
	// account's token, made on its first start on a partner network).
	Type      string
	Blocked   bool
	ExpiresAt *time.Time
	Deleted   bool
	SentState string
	// UpdatedAt is the last change of the card or its driver's account
	// (FindDriverTokens only).
	UpdatedAt time.Time
	// GroupID is the driver's fleet (issue 19), sent as the token's group_id.
	GroupID string
	// Whitelist is the mode sent with the token (EffectiveWhitelist of the
	// card's and the driver's settings; "" read as ALLOWED; at most
	// ALLOWED_OFFLINE for a driver whose fleet sets a monthly limit:
	// FleetCappedWhitelist).
	Whitelist string
	// NoCredit, when set, says why the driver may not charge now: their
	// fleet paid their monthly limit (FindDriverToken only, issue 19), or
	// they owe a roaming debt.
	NoCredit string
	// Debt is set while the driver owes a roaming bill (RoamingBillDebt):
	// the token goes out to partner CPOs as not valid until it is settled.
	Debt bool
}

// OCPIPushBackoff is the wait before retry n (1-based) of a push: 30 s
// doubled each time, at most 6 h.
func OCPIPushBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}
