package volt

import (
	"context"
	"strings"
	"time"
)

// Page asks for one page of a list. Limit 0 means the default (50); the
// maximum is 500.
type Page struct {
	Offset int
	Limit  int
}

// Normalize returns the page with defaults applied and bounds enforced.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 500 {
		p.Limit = 500
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// Theme is a whitelabel's branding, shown on the Admin Portal and the Driver
// Web App when they are reached through one of its host names.
type Theme struct {
	DisplayName  string   `json:"displayName"`
	LogoURL      string   `json:"logoUrl"`
	PrimaryColor string   `json:"primaryColor"`
	AccentColor  string   `json:"accentColor"`
	HostNames    []string `json:"hostNames"`
	SupportPhone string   `json:"supportPhone"`
	SupportEmail string   `json:"supportEmail"`
}

// CPO is a charge point operator: manages a network. A whitelabel is a CPO
// with its own theme.
type CPO struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Whitelabel bool   `json:"whitelabel"`
	Theme      Theme  `json:"theme"`
	Currency   string `json:"currency"` // ISO 4217, the currency of all its tariffs
	// LegalName, LegalAddress and VATNumber say who the drivers' receipts
	// are from (a VAT receipt must carry them); see CPO.ValidateLegal.
	LegalName    string    `json:"legalName"`
	LegalAddress string    `json:"legalAddress"`
	VATNumber    string    `json:"vatNumber"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`

	// MaxConcurrentSessionsPerCard is how many sessions one card may have
	// open at once (on any charger) when it starts on one of the CPO's
	// chargers: StartTransaction answers ConcurrentTx beyond it; default 1,
	// more for fleets.
	MaxConcurrentSessionsPerCard int `json:"maxConcurrentSessionsPerCard"`

	// RequireCertifiedChargers (issue 16 item 4): chargers of an uncertified
	// model get BootNotification Pending; off (the default), they charge
	// and are flagged.
	RequireCertifiedChargers bool `json:"requireCertifiedChargers"`
}

// Validate checks the CPO's own fields.
func (c *CPO) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return FieldError("name", "CPO name required.")
	}
	if c.Currency == "" {
		c.Currency = "GBP"
	}
	if !ValidCurrency(c.Currency) {
		return FieldError("currency", "Unknown currency %q.", c.Currency)
	}
	if c.MaxConcurrentSessionsPerCard == 0 {
		c.MaxConcurrentSessionsPerCard = 1
	}
	if c.MaxConcurrentSessionsPerCard < 1 || c.MaxConcurrentSessionsPerCard > 100 {
		return FieldError("maxConcurrentSessionsPerCard", "Sessions per card must be 1 to 100.")
	}
	for _, col := range []string{c.Theme.PrimaryColor, c.Theme.AccentColor} {
		if col != "" && !validColor(col) {
			return FieldError("theme", "Colours must be #rrggbb, got %q.", col)
		}
	}
	return c.ValidateLegal()
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// Owner owns charge points under a CPO and earns their income.
type Owner struct {
	ID        string    `json:"id"`
	CPOID     string    `json:"cpoId"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Address   Address   `json:"address"`
	VATNumber string    `json:"vatNumber"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks the owner's own fields.
func (o *Owner) Validate() error {
	if o.CPOID == "" {
		return FieldError("cpoId", "Owner requires a CPO.")
	}
	if strings.TrimSpace(o.Name) == "" {
		return FieldError("name", "Owner name required.")
	}
	return nil
}

// Host sits under an owner and is given access to specific charger groups.
type Host struct {
	ID              string    `json:"id"`
	CPOID           string    `json:"cpoId"`
	OwnerID         string    `json:"ownerId"`
	Name            string    `json:"name"`
	ChargerGroupIDs []string  `json:"chargerGroupIds"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// Validate checks the host's own fields.
func (h *Host) Validate() error {
	if h.OwnerID == "" {
		return FieldError("ownerId", "Host requires an owner.")
	}
	if strings.TrimSpace(h.Name) == "" {
		return FieldError("name", "Host name required.")
	}
	return nil
}

// Address is a postal address.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	City     string `json:"city"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"` // ISO 3166-1 alpha-2
}

// Site is a location within an owner: GPS position, address, amenities; it
// holds charger groups.
type Site struct {
	ID        string    `json:"id"`
	CPOID     string    `json:"cpoId"`
	OwnerID   string    `json:"ownerId"`
	Name      string    `json:"name"`
	Address   Address   `json:"address"`
	Latitude  float64   `json:"latitude"`
	Longitude float64   `json:"longitude"`
	Amenities []string  `json:"amenities"`
	TimeZone  string    `json:"timeZone"` // IANA, for time-of-day tariffs and reports
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	// OpeningHours are the site's regular hours (none: open 24/7).
	OpeningHours []OpeningPeriod `json:"openingHours"`
}

// Validate checks the site's own fields.
func (s *Site) Validate() error {
	if s.OwnerID == "" {
		return FieldError("ownerId", "Site requires an owner.")
	}
	if strings.TrimSpace(s.Name) == "" {
		return FieldError("name", "Site name required.")
	}
	if s.Latitude < -90 || s.Latitude > 90 {
		return FieldError("latitude", "Latitude must be within -90..90.")
	}
	if s.Longitude < -180 || s.Longitude > 180 {
		return FieldError("longitude", "Longitude must be within -180..180.")
	}
	if s.TimeZone == "" {
		s.TimeZone = "Europe/London"
	}
	if err := ValidateOpeningHours(s.OpeningHours); err != nil {
		return err
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return FieldError("timeZone", "Unknown time zone %q.", s.TimeZone)
	}
	return nil
}

// ChargerGroup is a set of chargers at a site. A charger is in exactly one
// group. A public group admits anyone with a valid card or account at the
// Public tariff; a private group admits only its usergroups.
type ChargerGroup struct {
	ID        string    `json:"id"`
	CPOID     string    `json:"cpoId"`
	OwnerID   string    `json:"ownerId"`
	SiteID    string    `json:"siteId"`
	Name      string    `json:"name"`
	Private   bool      `json:"private"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	// OCPIExcluded keeps a public group's chargers out of OCPI: no
	// roaming partner and not the open data feed (a private group is never
	// published).
	OCPIExcluded bool `json:"ocpiExcluded"`
}

// Validate checks the group's own fields.
func (g *ChargerGroup) Validate() error {
	if g.SiteID == "" {
		return FieldError("siteId", "Charger group requires a site.")
	}
	if strings.TrimSpace(g.Name) == "" {
		return FieldError("name", "Charger group name required.")
	}
	return nil
}

// Ref returns the group's place in the hierarchy.
func (g *ChargerGroup) Ref() Ref {
	return Ref{CPOID: g.CPOID, OwnerID: g.OwnerID, ChargerGroupID: g.ID}
}

// Filter narrows a list of any hierarchy resource. Empty fields are not set.
type Filter struct {
	ID             string
	CPOID          string
	OwnerID        string
	HostID         string
	SiteID         string
	ChargerGroupID string
	Query          string // free text on names
	Page
}

// HierarchyService manages the estate: CPOs, owners, hosts, sites and charger
// groups. Every method authorises the actor in ctx; a resource outside the
// actor's read scope is ENOTFOUND, never EFORBIDDEN, so its existence stays
// hidden. Find methods return the items and the total before paging.
type HierarchyService interface {
	FindCPOByID(ctx context.Context, id string) (*CPO, error)
	FindCPOByHostName(ctx context.Context, host string) (*CPO, error)
	FindCPOs(ctx context.Context, f Filter) ([]*CPO, int, error)
	CreateCPO(ctx context.Context, c *CPO) error
	UpdateCPO(ctx context.Context, c *CPO) error
	DeleteCPO(ctx context.Context, id string) error

	FindOwnerByID(ctx context.Context, id string) (*Owner, error)
	FindOwners(ctx context.Context, f Filter) ([]*Owner, int, error)
	CreateOwner(ctx context.Context, o *Owner) error
	UpdateOwner(ctx context.Context, o *Owner) error
	DeleteOwner(ctx context.Context, id string) error

	FindHostByID(ctx context.Context, id string) (*Host, error)
	FindHosts(ctx context.Context, f Filter) ([]*Host, int, error)
	CreateHost(ctx context.Context, h *Host) error
	UpdateHost(ctx context.Context, h *Host) error
	DeleteHost(ctx context.Context, id string) error

	FindSiteByID(ctx context.Context, id string) (*Site, error)
	FindSites(ctx context.Context, f Filter) ([]*Site, int, error)
	CreateSite(ctx context.Context, s *Site) error
	UpdateSite(ctx context.Context, s *Site) error
	DeleteSite(ctx context.Context, id string) error

	FindChargerGroupByID(ctx context.Context, id string) (*ChargerGroup, error)
	FindChargerGroups(ctx context.Context, f Filter) ([]*ChargerGroup, int, error)
	CreateChargerGroup(ctx context.Context, g *ChargerGroup) error
	UpdateChargerGroup(ctx context.Context, g *ChargerGroup) error
	DeleteChargerGroup(ctx context.Context, id string) error
}
