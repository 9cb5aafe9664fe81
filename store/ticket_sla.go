package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

// TicketSLAService implements volt.TicketSLAService over
// ticket_service_levels, tickets and their messages.
type TicketSLAService struct {
	db *DB
}

var _ volt.TicketSLAService = (*TicketSLAService)(nil)

// NewTicketSLAService returns the ticket service level service of db.
func NewTicketSLAService(db *DB) *TicketSLAService { return &TicketSLAService{db: db} }

// TicketServiceLevels returns a CPO's targets, the defaults where none are
// set, in priority order (urgent first).
func (s *TicketSLAService) TicketServiceLevels(ctx context.Context, cpoID string) (*volt.TicketServiceLevels, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := reportRef(ctx, s.db, "cpo_id", cpoID); err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	return serviceLevels(ctx, s.db, cpoID)
}

func serviceLevels(ctx context.Context, q querier, cpoID string) (*volt.TicketServiceLevels, error) {
	rows, err := q.Query(ctx, `SELECT priority, response_minutes, resolution_minutes FROM ticket_service_levels WHERE cpo_id = ?`, cpoID)
	if err != nil {
		return nil, fmt.Errorf("service levels of %s: %w", cpoID, err)
	}
	defer rows.Close()
	set := map[volt.TicketPriority]volt.TicketServiceLevel{}
	for rows.Next() {
		var v volt.TicketServiceLevel
		var p string
		if err := rows.Scan(&p, &v.ResponseMinutes, &v.ResolutionMinutes); err != nil {
			return nil, mapError(err)
		}
		v.Priority = volt.TicketPriority(p)
		set[v.Priority] = v
	}
	l := &volt.TicketServiceLevels{CPOID: cpoID}
	for _, d := range volt.DefaultTicketServiceLevels() {
		if v, ok := set[d.Priority]; ok {
			d = v
		}
		l.Levels = append(l.Levels, d)
	}
	return l, mapError(rows.Err())
}

// SetTicketServiceLevels stores the targets given (others keep theirs).
func (s *TicketSLAService) SetTicketServiceLevels(ctx context.Context, l *volt.TicketServiceLevels) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if _, err := reportRef(ctx, s.db, "cpo_id", l.CPOID); err != nil || !a.Can(volt.PermRead, volt.Ref{CPOID: l.CPOID}) {
		return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", l.CPOID)
	}
	if !a.Can(volt.PermWrite, volt.Ref{CPOID: l.CPOID}) {
		return volt.Errorf(volt.EFORBIDDEN, "Only the CPO's admins set its service levels.")
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		for _, v := range l.Levels {
			_, err := tx.Exec(ctx, `INSERT INTO ticket_service_levels (cpo_id, priority, response_minutes, resolution_minutes, updated_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (cpo_id, priority) DO UPDATE SET response_minutes = excluded.response_minutes,
				resolution_minutes = excluded.resolution_minutes, updated_at = excluded.updated_at`,
				l.CPOID, string(v.Priority), v.ResponseMinutes, v.ResolutionMinutes, tx.NowMS())
			if err != nil {
				return fmt.Errorf("service level %s: %w", v.Priority, err)
			}
		}
		return nil
	})
}

// maxBreachScan bounds how many open tickets one breach list looks at.
const maxBreachScan = 2000

// TicketBreaches lists the open tickets the actor reads that missed a
// target, most overdue response first. The first response is the first
// message to the driver (not an internal note) from someone other than the
// driver, after the one the ticket was opened with.
func (s *TicketSLAService) TicketBreaches(ctx context.Context, cpoID string) ([]volt.TicketSLA, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return ticketBreaches(ctx, s.db, a, cpoID, s.db.Now())
}

// ticketBreaches lists the breaches of the open tickets a reads at now
// (the alert sweep passes its own clock).
func ticketBreaches(ctx context.Context, db *DB, a *volt.Actor, cpoID string, now time.Time) ([]volt.TicketSLA, error) {
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "t.cpo_id", Owner: "t.owner_id", Group: "t.charger_group_id"})
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add(frag, args...)
	w.add("t.status IN ('open', 'pending')")
	w.add("t.cpo_id <> ''")
	w.eq("t.cpo_id", cpoID)
	rows, err := db.Query(ctx, `SELECT `+ticketCols+`, (SELECT MIN(m.created_at) FROM ticket_messages m WHERE m.ticket_id = t.id
		AND NOT m.internal AND m.author_id <> '' AND m.author_id <> t.driver_user_id AND m.created_at > t.created_at) FROM tickets t WHERE `+w.String()+
		` ORDER BY t.created_at LIMIT ?`, append(w.args, maxBreachScan)...)
	if err != nil {
		return nil, fmt.Errorf("ticket breaches: %w", err)
	}
	type row struct {
		t    *volt.Ticket
		resp sql.NullInt64
	}
	var all []row
	for rows.Next() {
		var r row
		t, err := scanTicket(scanPlus{rows, &r.resp})
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		r.t = t
		all = append(all, r)
	}
	rows.Close()
	levels := map[string]*volt.TicketServiceLevels{}
	out := []volt.TicketSLA{}
	for _, r := range all {
		lv := levels[r.t.CPOID]
		if lv == nil {
			if lv, err = serviceLevels(ctx, db, r.t.CPOID); err != nil {
				return nil, err
			}
			levels[r.t.CPOID] = lv
		}
		if sla := volt.EvaluateSLA(r.t, lv.For(r.t.Priority), fromNullMS(r.resp), now); sla.Breached() {
			out = append(out, sla)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ResponseDue.Before(out[j].ResponseDue) })
	return out, nil
}
