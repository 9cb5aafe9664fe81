package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// tariffChoice gathers the facts volt.SelectTariff needs for a user on a
// charger group: the group, the user's usergroups of the group's CPO, the
// group's assignments and their tariffs, the site's time zone and the CPO's
// currency. The rule itself stays in the domain.
func tariffChoice(ctx context.Context, q querier, groupID, userID string, at time.Time) (*volt.TariffChoice, error) {
	g, err := chargerGroupFacts(ctx, q, groupID)
	if err != nil {
		return nil, err
	}
	in := &volt.TariffChoice{ChargerGroup: g, UserID: userID, At: at, Tariffs: map[string]*volt.Tariff{}}
	err = q.QueryRow(ctx, `SELECT s.time_zone, c.currency FROM sites s JOIN cpos c ON c.id = s.cpo_id WHERE s.id = ?`, g.SiteID).
		Scan(&in.TimeZone, &in.Currency)
	if err != nil {
		return nil, notFound(err, "Site", g.SiteID)
	}
	if userID != "" {
		if in.Usergroups, err = usergroupsOf(ctx, q, userID, g.CPOID); err != nil {
			return nil, err
		}
	}
	rows, err := q.Query(ctx, `SELECT `+assignmentCols+` FROM tariff_assignments WHERE charger_group_id = ?`, groupID)
	if err != nil {
		return nil, fmt.Errorf("assignments of group %s: %w", groupID, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("scan assignment: %w", mapError(err))
		}
		in.Assignments = append(in.Assignments, a)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	rows.Close()
	for _, a := range in.Assignments {
		if in.Tariffs[a.TariffID] != nil {
			continue
		}
		t, err := scanTariff(q.QueryRow(ctx, `SELECT `+tariffCols+` FROM tariffs WHERE id = ?`, a.TariffID))
		if err != nil {
			return nil, notFound(err, "Tariff", a.TariffID)
		}
		in.Tariffs[t.ID] = t
	}
	return in, nil
}

// usergroupsOf returns the user's usergroups within one CPO.
func usergroupsOf(ctx context.Context, q querier, userID, cpoID string) ([]*volt.Usergroup, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.name, g.role, g.cpo_id, COALESCE(g.owner_id, ''), COALESCE(g.host_id, ''), g.private
		FROM usergroups g JOIN memberships m ON m.usergroup_id = g.id WHERE m.user_id = ? AND g.cpo_id = ? ORDER BY g.id`, userID, cpoID)
	if err != nil {
		return nil, fmt.Errorf("usergroups of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []*volt.Usergroup
	for rows.Next() {
		g := &volt.Usergroup{}
		var role string
		if err := rows.Scan(&g.ID, &g.Name, &role, &g.CPOID, &g.OwnerID, &g.HostID, &g.Private); err != nil {
			return nil, fmt.Errorf("scan usergroup: %w", mapError(err))
		}
		g.Role = volt.Role(role)
		out = append(out, g)
	}
	return out, mapError(rows.Err())
}

// PriceFor answers which tariff applies to userID ("" for a guest) on the
// charger now, and why. The user themself, or an actor who may read the
// charger, may ask; for anyone else the charger is ENOTFOUND.
func (s *TariffService) PriceFor(ctx context.Context, cpid, userID string) (*volt.PriceQuote, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var ref volt.Ref
	err = s.db.QueryRow(ctx, `SELECT cpo_id, owner_id, charger_group_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, cpid).
		Scan(&ref.CPOID, &ref.OwnerID, &ref.ChargerGroupID)
	if err != nil {
		return nil, notFound(err, "Charger", cpid)
	}
	if !a.Can(volt.PermRead, ref) && (a.UserID == "" || a.UserID != userID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charger %q not found.", cpid)
	}
	in, err := tariffChoice(ctx, s.db, ref.ChargerGroupID, userID, s.db.Now())
	if err != nil {
		return nil, err
	}
	q, err := volt.SelectTariff(*in)
	if err != nil {
		return nil, err
	}
	q.CPID = cpid
	return q, nil
}

type txKey struct{}

// withTx returns ctx carrying the transaction a seam runs in, so that the
// seam reads through it: a second pooled connection taken while the
// transaction holds one could exhaust the pool under load and deadlock.
func withTx(ctx context.Context, tx *Tx) context.Context { return context.WithValue(ctx, txKey{}, tx) }

// querierOf returns the transaction in ctx, or db.
func querierOf(ctx context.Context, db *DB) querier {
	if tx, ok := ctx.Value(txKey{}).(*Tx); ok && tx != nil {
		return tx
	}
	return db
}

// Pricer implements the charging service's Pricer seam with the money rules:
// at StartTransaction it freezes the tariff SelectTariff picks for the
// session's (charger group, user) into the session, with the payment method;
// live cost and CDR cost both come from volt.PriceSession on that snapshot.
type Pricer struct {
	db *DB
}

var _ interface {
	SnapshotTariff(context.Context, *volt.Session, volt.AuthResult) (json.RawMessage, string, error)
	Price(*volt.Session, volt.Usage) (*volt.Cost, error)
	TariffRefusal(context.Context, string, string, time.Time) (string, error)
} = (*Pricer)(nil)

// TariffRefusal returns why no tariff applies to userID on the charger
// group ("" when one does), from volt.SelectTariff: the same rule and facts
// as the charger price (TariffService.PriceFor), so what the app and API
// quote and what a charger is answered never disagree.
func (p *Pricer) TariffRefusal(ctx context.Context, groupID, userID string, at time.Time) (string, error) {
	in, err := tariffChoice(ctx, querierOf(ctx, p.db), groupID, userID, at)
	if err != nil {
		return "", err
	}
	if _, err := volt.SelectTariff(*in); volt.IsCode(err, volt.EFORBIDDEN) {
		return volt.ErrorMessage(err), nil
	} else if err != nil {
		return "", err
	}
	return "", nil
}

// NewPricer returns the pricer for ChargingService.Pricer.
func NewPricer(db *DB) *Pricer { return &Pricer{db: db} }

// Payment methods recorded on sessions.
const (
	MethodFreeVend    = "free_vend"
	MethodCredit      = "credit"
	MethodPAYG        = "payg"
	MethodGuest       = "guest"
	MethodContactless = "contactless"
	MethodNone        = "none"
)

// SnapshotTariff returns the tariff in force for the session being started,
// frozen, and its payment method: free vend for engineers; the kind of a card
// payment pre-authorised on the connector and not yet bound; credit for any
// other user. A session no tariff applies to (a public group without a Public
// tariff, a refused idTag) gets no snapshot and stays unpriced: the start is
// always answered (LESSONS: OCPP 1.6 §3.7).
func (p *Pricer) SnapshotTariff(ctx context.Context, s *volt.Session, auth volt.AuthResult) (json.RawMessage, string, error) {
	db := querierOf(ctx, p.db)
	in, err := tariffChoice(ctx, db, s.ChargerGroupID, s.UserID, s.StartedAt)
	if err != nil {
		return nil, "", err
	}
	var q *volt.PriceQuote
	if auth.FreeVend {
		q = &volt.PriceQuote{ChargerGroupID: s.ChargerGroupID, UserID: s.UserID, FreeVend: true,
			Tariff: volt.FreeVendTariff(in.Currency), Reason: "Free vend: " + auth.Reason}
	} else if q, err = roamingQuote(ctx, db, s); err != nil {
		return nil, "", err
	} else if q == nil {
		if q, err = volt.SelectTariff(*in); err != nil {
			if volt.IsCode(err, volt.EFORBIDDEN) {
				return nil, "", nil
			}
			return nil, "", err
		}
	}
	snap, err := volt.NewTariffSnapshot(q, in.TimeZone, s.StartedAt)
	if err != nil {
		return nil, "", err
	}
	if snap.Tariff.ExportPricePerKWh == nil && s.SiteID != "" {
		// The site's export price is the default of a tariff without
		// one (V2X, issue 15), frozen with the rest.
		m, err := loadModel(ctx, db, s.SiteID)
		if err != nil {
			return nil, "", err
		}
		if m.AllowExport && m.ExportPricePerKWh != nil {
			p := *m.ExportPricePerKWh
			snap.Tariff.ExportPricePerKWh = &p
		}
	}
	raw, err := snap.Marshal()
	if err != nil {
		return nil, "", fmt.Errorf("marshal tariff snapshot: %w", err)
	}
	method, err := paymentMethod(ctx, db, s, auth)
	if err == nil && method == MethodCredit && (q.FreeVend || q.Tariff != nil && q.Tariff.FreeVend) {
		// A free vend tariff costs nothing: the credit guard must not
		// stop it for an empty wallet (it did: balance 0 − cost 0 ≤ 0).
		method = MethodFreeVend
	}
	return raw, method, err
}

func paymentMethod(ctx context.Context, q querier, s *volt.Session, auth volt.AuthResult) (string, error) {
	if auth.FreeVend {
		return MethodFreeVend, nil
	}
	pay, err := pendingPayment(ctx, q, s.CPID, s.ConnectorID, s.UserID, s.StartedAt)
	if err != nil {
		return "", err
	}
	if pay != nil {
		return string(pay.Kind), nil
	}
	if s.UserID != "" {
		return MethodCredit, nil
	}
	return MethodNone, nil
}

// Price returns the cost of usage u under the session's snapshot through
// volt.PriceSession, the one pricing function.
func (p *Pricer) Price(s *volt.Session, u volt.Usage) (*volt.Cost, error) {
	snap, err := volt.ParseTariffSnapshot(s.TariffSnapshot)
	if err != nil {
		return nil, err
	}
	c := volt.PriceSession(snap, u)
	return &c, nil
}
