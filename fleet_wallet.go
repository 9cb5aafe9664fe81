package volt

import (
	"context"
	"time"
)

// Issue 19: the fleet wallet. A fleet whose wallet is on pays for its
// drivers' charging on its CPO's network and on partner CPOs' networks
// (Volt as eMSP: the partner's CDR of the driver's token, whose group_id
// is the fleet, with the roaming margin): a session on credit by a driver
// of one of the fleet's vehicles is billed to the fleet (the ledger account
// fleet:FLEET, what the fleet owes), not to the driver's wallet, up to the
// driver's monthly limit, and invoiced to the fleet each month.

// AccountFleet is what a fleet owes for its drivers' charging (an asset of
// the platform: a receivable settled by the fleet's invoice).
func AccountFleet(fleetID string) string { return "fleet:" + fleetID }

// PostFleetCharge is a session paid by the driver's fleet.
const PostFleetCharge PostingKind = "fleet_charge"

// FleetChargeEntries are the entries of a session billed to a fleet: the
// fleet owes the amount, VAT is payable, the platform earns its fee and the
// owner the rest.
func FleetChargeEntries(fleetID string, sc SessionCharge) []Entry {
	return entries(sc.Currency,
		AccountFleet(fleetID), sc.InclVAT,
		AccountVAT(sc.CPOID), -sc.VAT,
		AccountFees, -sc.TransactionFee,
		AccountOwner(sc.OwnerID), -(sc.InclVAT - sc.VAT - sc.TransactionFee))
}

// FleetRoamingChargeEntries bill a fleet for its driver's session on a
// partner CPO's network: the fleet owes the partner's cost plus the
// roaming margin, the partner is owed its cost and the CPO earns the
// margin (as RoamingChargeEntries, with the fleet in the wallet's place).
func FleetRoamingChargeEntries(fleetID, partnerID, cpoID string, cost, margin int64, currency string) []Entry {
	return entries(currency, AccountFleet(fleetID), cost+margin, AccountRoamingPayable(partnerID), -cost, AccountRoamingMargin(cpoID), -margin)
}

// FleetWallet is a fleet's billing: whether it pays its drivers' charging,
// in which currency (its CPO's), and what it owes.
type FleetWallet struct {
	FleetID  string `json:"fleetId"`
	Name     string `json:"name"`
	CPOID    string `json:"cpoId"`
	OwnerID  string `json:"ownerId"`
	Enabled  bool   `json:"enabled"`
	Currency string `json:"currency"`
	// Owed is what the fleet owes (minor units): its charges not yet paid.
	Owed int64 `json:"owed"`
}

// FleetDriver is a driver of a fleet's vehicle, with their monthly limit
// and what the fleet paid for their charging in the month asked.
type FleetDriver struct {
	UserID   string `json:"userId"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Vehicles int    `json:"vehicles"`
	// MonthlyLimit (minor units, VAT included) caps what the fleet pays
	// for the driver in a month; nil: no limit.
	MonthlyLimit *int64 `json:"monthlyLimit,omitempty"`
	Spent        int64  `json:"spent"`
	Sessions     int    `json:"sessions"`
	EnergyWh     int64  `json:"energyWh"`
	Currency     string `json:"currency"`
}

// FleetCharge is one session billed to a fleet.
type FleetCharge struct {
	CDRID        string    `json:"cdrId"`
	FleetID      string    `json:"fleetId"`
	UserID       string    `json:"userId"`
	DriverEmail  string    `json:"driverEmail"`
	VehicleID    string    `json:"vehicleId"`
	Registration string    `json:"registration"`
	CPID         string    `json:"cpid"`
	Month        string    `json:"month"`
	StartedAt    time.Time `json:"startedAt"`
	StoppedAt    time.Time `json:"stoppedAt"`
	EnergyWh     int64     `json:"energyWh"`
	Net          int64     `json:"net"`
	VAT          int64     `json:"vat"`
	Gross        int64     `json:"gross"`
	Currency     string    `json:"currency"`
	// PartnerID, PartnerName and Location name where a roaming session
	// was (a partner CPO's network: CPID is empty); CDRID is then
	// "roaming:PARTNER:CDR".
	PartnerID   string `json:"partnerId,omitempty"`
	PartnerName string `json:"partnerName,omitempty"`
	Location    string `json:"location,omitempty"`
	// OverLimit is the part of Gross beyond the driver's monthly limit: a
	// roaming CDR arrives after the session, so the fleet still owes it
	// (flagged for the fleet manager), it is never dropped.
	OverLimit int64 `json:"overLimit,omitempty"`
}

// Where is where the session was: the charger on the CPO's network, or
// the partner's network and location of a roaming session.
func (c *FleetCharge) Where() string {
	if c.PartnerID == "" {
		return c.CPID
	}
	w := c.PartnerName
	if w == "" {
		w = c.PartnerID
	}
	if c.Location != "" {
		w += ", " + c.Location
	}
	return w
}

// FleetInvoice is a fleet's monthly invoice: its charges per driver and
// vehicle with the totals (minor units; Net + VAT = Gross).
type FleetInvoice struct {
	FleetID   string         `json:"fleetId"`
	FleetName string         `json:"fleetName"`
	OwnerID   string         `json:"ownerId"`
	Month     string         `json:"month"`
	Currency  string         `json:"currency"`
	Lines     []*FleetCharge `json:"lines"`
	EnergyWh  int64          `json:"energyWh"`
	Net       int64          `json:"net"`
	VAT       int64          `json:"vat"`
	Gross     int64          `json:"gross"`
	// OverLimit sums the lines' parts beyond their driver's limit.
	OverLimit int64 `json:"overLimit"`
	// Payments received for the invoice (fleet_payment.go), oldest first;
	// Paid sums them, Outstanding is Gross less Paid (never below 0), State
	// is FleetInvoiceState.
	Payments    []*FleetInvoicePayment `json:"payments"`
	Paid        int64                  `json:"paid"`
	Outstanding int64                  `json:"outstanding"`
	State       string                 `json:"state"`
}

// ForFleets narrows the actor for the fleet pages and endpoints (drivers'
// names and e-mails, what they charged): fleet manager grants, driver
// grants and the grants whose role sees drivers' personal data
// (AreaPeople), so an engineer or a host reaches no fleet. Super admins and
// the system keep everything.
func (a *Actor) ForFleets() *Actor {
	if a == nil || a.SuperAdmin || a.System {
		return a
	}
	n := *a
	n.Grants = nil
	for _, g := range a.Grants {
		if g.Role == RoleFleetManager || g.Role == RoleDriver || g.Role.Sees(AreaPeople) {
			n.Grants = append(n.Grants, g)
		}
	}
	return &n
}

// FleetMonthlyLimitReached is the refusal of a start once the fleet paid a
// driver's monthly limit.
func FleetMonthlyLimitReached(spent, limit int64, currency string) string {
	return "the fleet's monthly limit for this driver is reached (" + FormatMinor(spent, currency) + " of " + FormatMinor(limit, currency) + " " + currency + ")"
}

// FleetBillingService keeps the fleet wallets: whether a fleet pays its
// drivers' charging, the per-driver monthly limits, the fleet's drivers and
// charges, and the monthly invoice. The owner's admins switch the wallet;
// the owner's admins and the fleet's managers set limits and read the rest;
// outside that scope a fleet is not found.
type FleetBillingService interface {
	// FindFleets lists the fleets (fleet_manager usergroups) the actor
	// reads, with their wallet.
	FindFleets(ctx context.Context) ([]*FleetWallet, error)
	FindFleetWallet(ctx context.Context, fleetID string) (*FleetWallet, error)
	// SetFleetWallet turns the fleet's payment of its drivers' charging on
	// or off (the owner's admins).
	SetFleetWallet(ctx context.Context, fleetID string, enabled bool) (*FleetWallet, error)
	// SetDriverLimit sets (nil clears) a fleet driver's monthly limit.
	SetDriverLimit(ctx context.Context, fleetID, userID string, limit *int64) error
	// FindFleetDrivers lists the drivers of the fleet's vehicles with what
	// the fleet paid for them in month ("2006-01").
	FindFleetDrivers(ctx context.Context, fleetID, month string) ([]*FleetDriver, error)
	// FindFleetCharges lists the fleet's charges (FleetID required; Month
	// and UserID optional), newest first.
	FindFleetCharges(ctx context.Context, f FleetFilter) ([]*FleetCharge, int, error)
	// FleetInvoice is the fleet's invoice of month ("2006-01").
	FleetInvoice(ctx context.Context, fleetID, month string) (*FleetInvoice, error)
	// UpdateVehicle edits a vehicle (its driver, details and telematics
	// id): the owner's admins and the fleet's managers.
	UpdateVehicle(ctx context.Context, v *Vehicle) error
	// FleetDriverByEmail finds the user a manager of the fleet links a
	// vehicle to: a driver of the fleet's CPO with that e-mail
	// (ENOTFOUND naming the field driverEmail otherwise).
	FleetDriverByEmail(ctx context.Context, fleetID, email string) (string, error)
}
