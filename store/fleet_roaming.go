package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Issue 19: the fleet wallet on roaming networks. Volt, as eMSP, receives a
// partner CPO's CDR for one of its drivers' tokens (BillRoamingCDR). When
// the driver drives a vehicle of a fleet whose wallet is on (the fleet the
// driver's tokens carry as group_id, DriverTokensOf), the fleet pays: the
// partner's cost plus the roaming margin is posted to the fleet's account
// under the same idempotency key as a wallet charge (a CDR is billed once,
// to one of them), and kept as a fleet charge for the monthly invoice.
//
// On the partner's network the limit holds before the start too: a fleet
// driver with a limit is sent ALLOWED_OFFLINE (volt.FleetCappedWhitelist),
// and the real-time answer is NO_CREDIT once the fleet paid the limit
// (FindDriverToken); a CDR arriving over it anyway (a session started
// offline) is still owed, its excess flagged as over_limit.

// partnerCDRFacts is what a fleet invoice needs of a partner's CDR.
type partnerCDRFacts struct {
	Start, Stop time.Time
	EnergyWh    int64
	Location    string
	// InclVAT and ExclVAT are the partner's total cost (micro units);
	// InclVAT zero: the partner stated no VAT.
	InclVAT, ExclVAT int64
}

// partnerCDROf reads the CDR the partner sent (stored before it is
// billed); a CDR not stored leaves the facts empty.
func partnerCDROf(ctx context.Context, tx *Tx, partnerID, cdrID string) (partnerCDRFacts, error) {
	var f partnerCDRFacts
	var data string
	err := tx.QueryRow(ctx, `SELECT data FROM ocpi_partner_objects WHERE partner_id = ? AND module = 'cdrs' AND object_id = ?`,
		partnerID, cdrID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	} else if err != nil {
		return f, fmt.Errorf("partner CDR %s: %w", cdrID, err)
	}
	var c struct {
		Start       string      `json:"start_date_time"`
		End         string      `json:"end_date_time"`
		TotalEnergy json.Number `json:"total_energy"`
		TotalCost   struct {
			ExclVAT json.Number `json:"excl_vat"`
			InclVAT json.Number `json:"incl_vat"`
		} `json:"total_cost"`
		Location struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			City string `json:"city"`
		} `json:"cdr_location"`
	}
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return f, fmt.Errorf("partner CDR %s: %w", cdrID, err)
	}
	f.Start, _ = time.Parse(time.RFC3339, c.Start)
	f.Stop, _ = time.Parse(time.RFC3339, c.End)
	if d, err := volt.ParseDecimal(string(c.TotalEnergy)); err == nil && d.Sign() > 0 {
		f.EnergyWh = (d.Micro() + 500) / 1000 // kWh in micro units: mWh
	}
	if d, err := volt.ParseDecimal(string(c.TotalCost.InclVAT)); err == nil {
		f.InclVAT = d.Micro()
	}
	if d, err := volt.ParseDecimal(string(c.TotalCost.ExclVAT)); err == nil {
		f.ExclVAT = d.Micro()
	}
	name := strings.TrimSpace(c.Location.Name)
	if name == "" {
		name = strings.TrimSpace(c.Location.ID)
	}
	var parts []string
	for _, s := range []string{name, strings.TrimSpace(c.Location.City)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	f.Location = strings.Join(parts, ", ")
	return f, nil
}

// vatOf is the VAT in gross (minor units) at the partner's ratio of VAT
// to its VAT-inclusive cost, rounded half up: the margin is added to a
// VAT-inclusive price, so it carries VAT at the same rate. A partner that
// stated no VAT (or none included) gives none.
func (f partnerCDRFacts) vatOf(gross int64) int64 {
	if f.InclVAT <= 0 || f.ExclVAT <= 0 || f.ExclVAT >= f.InclVAT || gross <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(2*gross), big.NewInt(f.InclVAT-f.ExclVAT))
	n.Add(n, big.NewInt(f.InclVAT))
	return n.Quo(n, big.NewInt(2*f.InclVAT)).Int64()
}

// billFleetRoaming bills a partner's CDR of Volt's driver b.UserID to the
// driver's fleet when its wallet is on; false when the fleet does not pay
// (no fleet, wallet off, or a CDR in another currency than the fleet's,
// which the driver's wallet pays as before). Replayed, it posts nothing
// more. Beyond the driver's monthly limit it is still billed, with the
// excess recorded in over_limit.
func billFleetRoaming(ctx context.Context, tx *Tx, p *volt.OCPIPartner, b *volt.RoamingBill) (bool, error) {
	fp, err := fleetPayerOf(ctx, tx, b.UserID, p.CPOID)
	if err != nil || fp == nil || fp.Currency != b.Currency {
		return false, err
	}
	key := "roaming:" + p.ID + ":" + b.CDRID
	created, err := post(ctx, tx, &volt.Posting{IdempotencyKey: key, Kind: volt.PostRoamingCharge, Currency: b.Currency, Ref: b.CDRID,
		Memo:    "roaming CDR of " + p.Name + " for fleet " + fp.FleetID,
		Entries: volt.FleetRoamingChargeEntries(fp.FleetID, p.ID, p.CPOID, b.Cost, b.Margin, b.Currency)})
	if err != nil {
		return true, err
	}
	if !created { // billed before (to the fleet or, its wallet off then, the driver): once
		err := tx.QueryRow(ctx, `SELECT fleet_id FROM fleet_charges WHERE cdr_id = ?`, key).Scan(&b.FleetID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return true, fmt.Errorf("fleet charge of roaming CDR %s: %w", b.CDRID, err)
		}
		return true, nil
	}
	b.FleetID = fp.FleetID
	facts, err := partnerCDROf(ctx, tx, p.ID, b.CDRID)
	if err != nil {
		return true, err
	}
	if facts.Stop.IsZero() {
		facts.Stop = tx.Now()
	}
	if facts.Start.IsZero() || facts.Start.After(facts.Stop) {
		facts.Start = facts.Stop
	}
	spent, err := fp.spent(ctx, tx, b.UserID, facts.Stop)
	if err != nil {
		return true, err
	}
	var over int64
	if fp.Limit != nil && spent+b.Total > *fp.Limit {
		over = min(b.Total, spent+b.Total-*fp.Limit)
	}
	var owner string
	if err := tx.QueryRow(ctx, `SELECT owner_id FROM usergroups WHERE id = ?`, fp.FleetID).Scan(&owner); err != nil {
		return true, fmt.Errorf("fleet %s: %w", fp.FleetID, err)
	}
	vat := facts.vatOf(b.Total)
	_, err = tx.Exec(ctx, `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month, started_at, stopped_at,
		energy_wh, currency, net, vat, gross, partner_id, partner_name, location, over_limit)
		VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cdr_id) DO NOTHING`,
		key, fp.FleetID, p.CPOID, owner, b.UserID, fp.VehicleID, facts.Stop.UTC().Format("2006-01"), toMS(facts.Start), toMS(facts.Stop),
		facts.EnergyWh, b.Currency, b.Total-vat, vat, b.Total, p.ID, p.Name, facts.Location, over)
	if err != nil {
		return true, fmt.Errorf("fleet charge of roaming CDR %s: %w", b.CDRID, err)
	}
	return true, nil
}
