package volt

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Issue 19: fleets. A fleet is an owner's usergroup with the fleet_manager
// role (its members manage it); its vehicles are linked to it and to their
// driver. Telematics readings of the vehicles check home reimbursement.
//
// The fleet wallet (fleet_wallet.go) pays the drivers' charging on the
// CPO's and partners' networks; the fleet pays its monthly invoice
// (fleet_payment.go).

// Vehicle is a company vehicle of a fleet, driven by one driver.
type Vehicle struct {
	ID       string `json:"id"`
	CPOID    string `json:"cpoId"`
	OwnerID  string `json:"ownerId"`
	FleetID  string `json:"fleetId"`
	DriverID string `json:"driverId"`
	Make     string `json:"make"`
	Model    string `json:"model"`
	// BatteryWh is the usable battery capacity in Wh.
	BatteryWh    int64  `json:"batteryWh"`
	Registration string `json:"registration"`
	VIN          string `json:"vin"`
	// Provider and ProviderVehicleID name the vehicle at its telematics
	// provider ("sandbox", and the provider's own id).
	Provider          string    `json:"telematicsProvider,omitempty"`
	ProviderVehicleID string    `json:"telematicsVehicleId,omitempty"`
	CreatedAt         time.Time `json:"createdAt"`
}

// vinRe is ISO 3779: 17 characters, digits and capital letters but I, O, Q.
var vinRe = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)

var registrationRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9 -]{0,13}[A-Z0-9]$`)

// Normalize upper-cases the VIN and registration and trims the text fields.
func (v *Vehicle) Normalize() {
	v.Make, v.Model = strings.TrimSpace(v.Make), strings.TrimSpace(v.Model)
	v.VIN = strings.ToUpper(strings.TrimSpace(v.VIN))
	v.Registration = strings.ToUpper(strings.Join(strings.Fields(v.Registration), " "))
	v.Provider, v.ProviderVehicleID = strings.TrimSpace(v.Provider), strings.TrimSpace(v.ProviderVehicleID)
}

// Validate checks a vehicle (after Normalize) before it is stored.
func (v *Vehicle) Validate() error {
	switch {
	case v.FleetID == "":
		return FieldError("fleetId", "A vehicle belongs to a fleet.")
	case v.DriverID == "":
		return FieldError("driverId", "A vehicle is linked to its driver.")
	case v.Make == "" || len(v.Make) > 60:
		return FieldError("make", "Make is required (at most 60 characters).")
	case v.Model == "" || len(v.Model) > 60:
		return FieldError("model", "Model is required (at most 60 characters).")
	case v.BatteryWh < 5_000 || v.BatteryWh > 300_000:
		return FieldError("batteryWh", "Battery capacity must be 5 000 to 300 000 Wh, got %d.", v.BatteryWh)
	case !registrationRe.MatchString(v.Registration):
		return FieldError("registration", "Registration %q must be 2 to 15 letters, digits, spaces or hyphens.", v.Registration)
	case !vinRe.MatchString(v.VIN):
		return FieldError("vin", "VIN %q must be 17 letters and digits, without I, O or Q.", v.VIN)
	case (v.Provider == "") != (v.ProviderVehicleID == ""):
		return FieldError("telematicsVehicleId", "A telematics provider and the vehicle's id there go together.")
	}
	return nil
}

// TelematicsReading is one sample of a vehicle's live data.
type TelematicsReading struct {
	VehicleID string    `json:"vehicleId,omitempty"`
	At        time.Time `json:"at"`
	OdometerM int64     `json:"odometerM"`
	// SoCPermille is the state of charge in tenths of a percent (0–1000).
	SoCPermille int     `json:"socPermille"`
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	Charging    bool    `json:"charging"`
}

// Validate checks a reading from a provider.
func (r *TelematicsReading) Validate() error {
	switch {
	case r.At.IsZero():
		return FieldError("at", "A reading has a time.")
	case r.SoCPermille < 0 || r.SoCPermille > 1000:
		return FieldError("socPermille", "State of charge must be 0 to 1000 ‰, got %d.", r.SoCPermille)
	case r.OdometerM < 0:
		return FieldError("odometerM", "Odometer must not be negative.")
	case math.IsNaN(r.Latitude) || r.Latitude < -90 || r.Latitude > 90:
		return FieldError("latitude", "Latitude must be -90 to 90.")
	case math.IsNaN(r.Longitude) || r.Longitude < -180 || r.Longitude > 180:
		return FieldError("longitude", "Longitude must be -180 to 180.")
	}
	return nil
}

// TelematicsProvider is a source of vehicle data (the sandbox, or a
// vehicle-data API). Readings returns the samples of the provider's vehicle
// id between from and to, oldest first; an error means the provider could
// not answer (claims then wait).
type TelematicsProvider interface {
	Name() string
	Readings(ctx context.Context, providerVehicleID string, from, to time.Time) ([]TelematicsReading, error)
}

// HomeMatchTolerance bounds what counts as the company car charging at home.
type HomeMatchTolerance struct {
	// RadiusM is how far (metres) from the home charger the car may be.
	RadiusM float64
	// MinPermille and MaxPermille bound the energy the battery gained as a
	// share of the session's metered energy (charging losses make it less).
	MinPermille, MaxPermille int64
	// Slack is how far before the start and after the stop a reading may be
	// to bracket the session.
	Slack time.Duration
}

// DefaultHomeMatchTolerance: within 150 m, the battery gained 75 % to 105 %
// of the metered energy, readings within 15 minutes of start and stop.
var DefaultHomeMatchTolerance = HomeMatchTolerance{RadiusM: 150, MinPermille: 750, MaxPermille: 1050, Slack: 15 * time.Minute}

// Claim session states.
const (
	ClaimMatched  = "matched"  // telematics confirm the company car charged
	ClaimFlagged  = "flagged"  // not confirmed: awaits the fleet manager
	ClaimApproved = "approved" // flagged, approved by the fleet manager
	ClaimRejected = "rejected" // flagged, rejected: not paid
	ClaimPending  = "pending"  // the provider did not answer: waits
)

// HomeMatch is the verdict on one home session.
type HomeMatch struct {
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
	GainedWh int64  `json:"gainedWh"`
}

// MatchHomeSession checks a home session of energyWh between start and stop
// against the company car's readings: the car was within tol.RadiusM of home
// (lat, lon) throughout, and its battery (batteryWh) gained energy
// consistent with energyWh. The result is matched or flagged with a reason.
func MatchHomeSession(start, stop time.Time, energyWh int64, lat, lon float64, batteryWh int64, readings []TelematicsReading, tol HomeMatchTolerance) HomeMatch {
	var in []TelematicsReading
	for _, r := range readings {
		if !r.At.Before(start.Add(-tol.Slack)) && !r.At.After(stop.Add(tol.Slack)) {
			in = append(in, r)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].At.Before(in[j].At) })
	if len(in) < 2 || in[0].At.After(start.Add(tol.Slack)) || in[len(in)-1].At.Before(stop.Add(-tol.Slack)) {
		return HomeMatch{State: ClaimFlagged, Reason: "No telematics readings cover the session."}
	}
	for _, r := range in {
		if r.At.Before(start) || r.At.After(stop) {
			continue
		}
		if d := DistanceM(lat, lon, r.Latitude, r.Longitude); d > tol.RadiusM {
			return HomeMatch{State: ClaimFlagged, Reason: "The company vehicle was " + formatKM(d) + " from the home charger during the session."}
		}
	}
	first, last := in[0], in[len(in)-1]
	gained := int64(last.SoCPermille-first.SoCPermille) * batteryWh / 1000
	m := HomeMatch{GainedWh: gained}
	if energyWh <= 0 || gained*1000 < energyWh*tol.MinPermille || gained*1000 > energyWh*tol.MaxPermille {
		m.State, m.Reason = ClaimFlagged, "The company vehicle's battery gained "+formatWh(gained)+", not consistent with the session's "+formatWh(energyWh)+"."
		return m
	}
	m.State = ClaimMatched
	return m
}

func formatKM(m float64) string { return strconv.FormatFloat(m/1000, 'f', 1, 64) + " km" }

func formatWh(wh int64) string { return strconv.FormatFloat(float64(wh)/1000, 'f', 2, 64) + " kWh" }

// DistanceM is the great-circle distance in metres between two points.
func DistanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6_371_000.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// ReimbursementClaim is a driver's monthly home reimbursement claim for a
// company vehicle: each home session with its verdict. Amount (minor
// units) pays matched and approved sessions only, at the agreement's rate.
type ReimbursementClaim struct {
	ID          string          `json:"id"`
	CPOID       string          `json:"cpoId"`
	OwnerID     string          `json:"ownerId"`
	FleetID     string          `json:"fleetId"`
	UserID      string          `json:"userId"`
	VehicleID   string          `json:"vehicleId"`
	AgreementID string          `json:"agreementId"`
	CPID        string          `json:"homeChargerCpid"`
	Month       string          `json:"month"`
	State       string          `json:"state"` // open, approved, paid
	Rate        Decimal         `json:"ratePerKwh"`
	Currency    string          `json:"currency"`
	PaidWh      int64           `json:"paidWh"`
	Amount      int64           `json:"amount"`
	Sessions    []*ClaimSession `json:"sessions"`
	CreatedAt   time.Time       `json:"createdAt"`
	ApprovedAt  *time.Time      `json:"approvedAt,omitempty"`
	// PayoutMethod and PaymentReference say how a paid claim was paid
	// (the Bacs or payroll reference, or the wallet posting's key).
	PayoutMethod     string     `json:"payoutMethod,omitempty"`
	PaymentReference string     `json:"paymentReference,omitempty"`
	PaidAt           *time.Time `json:"paidAt,omitempty"`
}

// Claim states.
const (
	ClaimOpen       = "open"
	ClaimIsApproved = "approved"
	ClaimIsPaid     = "paid"
)

// ClaimSession is one home session in a claim.
type ClaimSession struct {
	CDRID     string    `json:"cdrId"`
	StartedAt time.Time `json:"startedAt"`
	StoppedAt time.Time `json:"stoppedAt"`
	EnergyWh  int64     `json:"energyWh"`
	HomeMatch
	DecidedBy string `json:"decidedBy,omitempty"`
}

// Paid reports whether the session counts in the claim's amount.
func (c *ClaimSession) Paid() bool { return c.State == ClaimMatched || c.State == ClaimApproved }

// FleetFilter selects vehicles or claims in the actor's scope.
type FleetFilter struct {
	OwnerID string
	FleetID string
	UserID  string
	Month   string
	Page    Page
}

// FleetService keeps vehicles, their telematics and the trusted home
// reimbursement claims. Owner admins manage an owner's vehicles; a fleet
// manager reads their fleet's and decides its flagged sessions; a driver
// reads their own vehicles and claims.
type FleetService interface {
	CreateVehicle(ctx context.Context, v *Vehicle) error
	FindVehicles(ctx context.Context, f FleetFilter) ([]*Vehicle, int, error)
	FindVehicleByID(ctx context.Context, id string) (*Vehicle, error)
	DeleteVehicle(ctx context.Context, id string) error
	// RecordTelematics stores readings of a provider's vehicle (a webhook or
	// a poll), each (vehicle, time) once; an unknown vehicle is ENOTFOUND.
	// It returns how many were new.
	RecordTelematics(ctx context.Context, provider, providerVehicleID string, readings []TelematicsReading) (int, error)
	FindTelematicsReadings(ctx context.Context, vehicleID string, from, to time.Time) ([]TelematicsReading, error)
	// BuildClaims is the monthly job (the platform only): for each home
	// reimbursement agreement whose driver has a company vehicle, the claim
	// of month with each home session matched by telematics or flagged.
	// Running it again re-checks pending sessions only.
	BuildClaims(ctx context.Context, month time.Time) (int, error)
	FindClaims(ctx context.Context, f FleetFilter) ([]*ReimbursementClaim, int, error)
	FindClaimByID(ctx context.Context, id string) (*ReimbursementClaim, error)
	// DecideClaimSession approves or rejects a flagged session.
	DecideClaimSession(ctx context.Context, claimID, cdrID string, approve bool) (*ReimbursementClaim, error)
	// ApproveClaim approves a claim once none of its sessions is flagged
	// or pending; its amount is then fixed.
	ApproveClaim(ctx context.Context, claimID string) (*ReimbursementClaim, error)
	// PayClaim pays an approved claim once, by method (PayoutWallet,
	// PayoutPayrollCSV, or PayoutBacs18 from the owner's account from to
	// the driver's to; empty method and from: the owner's PayoutSettings)
	// and marks it paid; a second call answers the first payout.
	PayClaim(ctx context.Context, claimID, method string, from, to BankAccount) (*ClaimPayout, error)
}
