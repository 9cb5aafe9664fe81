package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// The alert rules linked to other parts of issue #17: reliability below
// target this month, tickets past their service level (both from the
// sweep) and critical security events (alert_eval.go, from the journal).

// finding is what a computed rule found about a subject.
type finding struct{ cpid, message string }

// minReliabilityMS is how much of the month an EVSE or site must have
// counted before its figure can fall below target (an hour: a minute
// offline at 00:01 on the 1st is 50 %, not a reliability problem).
const minReliabilityMS = int64(time.Hour / time.Millisecond)

// reliabilityEvery is how often the sweep recomputes a CPO's reliability:
// it reads a month of status history of every charger, too much to do
// every minute for a large network, and a figure of the month so far
// moves slowly.
const reliabilityEvery = 10 * time.Minute

// belowTarget computes the CPO's reliability from the start of now's month
// (UTC) to now, as the reliability report does (UK reg. 7 method: downtime
// excluded with evidence counts as up), and returns the sites ("site:ID")
// and EVSEs ("CPID/connector") below the target; nothing when the rule is
// off (its open alerts resolve), nil when this node computed it less than
// reliabilityEvery ago (its alerts stay as they are).
func (s *AlertService) belowTarget(ctx context.Context, r *volt.AlertRules, now time.Time) (map[string]finding, error) {
	out := map[string]finding{}
	target := r.ReliabilityTargetPct
	if target.Sign() <= 0 {
		return out, nil
	}
	s.reliabilityMu.Lock()
	last, seen := s.reliabilityAt[r.CPOID]
	if seen && now.After(last) && now.Sub(last) < reliabilityEvery {
		s.reliabilityMu.Unlock()
		return nil, nil
	}
	if s.reliabilityAt == nil {
		s.reliabilityAt = map[string]time.Time{}
	}
	s.reliabilityAt[r.CPOID] = now
	s.reliabilityMu.Unlock()
	now = now.UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	evses, names, err := (&ReliabilityService{db: s.db}).compute(ctx, "cpo_id", r.CPOID, from, now)
	if err != nil {
		return nil, fmt.Errorf("reliability of the month: %w", err)
	}
	rep := &volt.ReliabilityReport{}
	volt.BuildReliabilityReport(rep, evses, names)
	month := from.Format("January 2006")
	for _, e := range rep.EVSEs {
		if e.TotalMS >= minReliabilityMS && e.UKPercent.Cmp(target) < 0 {
			out[e.CPID+"/"+strconv.Itoa(e.ConnectorID)] = finding{e.CPID, fmt.Sprintf(
				"Connector %d of charger %s is %s %% available in %s so far, below the %s %% target.",
				e.ConnectorID, e.CPID, e.UKPercent.StringFixed(2), month, target.StringFixed(2))}
		}
	}
	for _, site := range rep.Sites {
		if site.SiteID != "" && site.TotalMS >= minReliabilityMS && site.UKPercent.Cmp(target) < 0 {
			name := site.SiteName
			if name == "" {
				name = site.SiteID
			}
			out["site:"+site.SiteID] = finding{"", fmt.Sprintf("Site %s is %s %% available in %s so far, below the %s %% target.",
				name, site.UKPercent.StringFixed(2), month, target.StringFixed(2))}
		}
	}
	return out, nil
}

// syncReliabilityAlerts opens an alert per subject below target and
// resolves those back above it.
func syncReliabilityAlerts(ctx context.Context, tx *Tx, cpoID string, below map[string]finding) error {
	found := map[string]string{}
	for subject, f := range below {
		found[subject] = f.cpid
	}
	return syncAlerts(ctx, tx, cpoID, volt.AlertReliability, found, func(subject string) string { return below[subject].message })
}

// breachedTickets returns the CPO's open tickets that breach a service
// level at now, as subjects "ticketID/response" (no answer yet) and
// "ticketID/resolution", mapped to their messages.
func (s *AlertService) breachedTickets(ctx context.Context, cpoID string, now time.Time) (map[string]string, error) {
	br, err := ticketBreaches(ctx, s.db, volt.SystemActor, cpoID, now)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, b := range br {
		if b.ResponseBreached && b.RespondedAt == nil {
			out[b.TicketID+"/response"] = fmt.Sprintf("Ticket %q (%s) has had no answer since %s, past its response target.",
				b.Subject, b.Priority, b.CreatedAt.UTC().Format(time.RFC1123))
		}
		if b.ResolutionBreached {
			out[b.TicketID+"/resolution"] = fmt.Sprintf("Ticket %q (%s) is unresolved past its resolution target (%s).",
				b.Subject, b.Priority, b.ResolutionDue.UTC().Format(time.RFC1123))
		}
	}
	return out, nil
}

// syncTicketAlerts opens an alert per ticket and breach kind in breached
// that never had one (a breach is alerted once, even when resolved by hand
// while the ticket stays late), and resolves the unresolved ones no longer
// breached (the ticket was answered, or resolved or closed).
func syncTicketAlerts(ctx context.Context, tx *Tx, cpoID string, breached map[string]string) error {
	open, err := subjects(ctx, tx, `SELECT subject, cpid FROM alerts WHERE cpo_id = ? AND kind = ? AND state <> ?`,
		cpoID, volt.AlertTicketBreach, volt.AlertResolved)
	if err != nil {
		return fmt.Errorf("open ticket alerts: %w", err)
	}
	for subject := range open {
		if _, still := breached[subject]; !still {
			if err := resolveAlerts(ctx, tx, cpoID, volt.AlertTicketBreach, subject); err != nil {
				return err
			}
		}
	}
	keys := make([]string, 0, len(breached))
	for k := range breached {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, subject := range keys {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE cpo_id = ? AND kind = ? AND subject = ?`,
			cpoID, volt.AlertTicketBreach, subject).Scan(&n); err != nil {
			return fmt.Errorf("ticket alert %s: %w", subject, err)
		}
		if n > 0 {
			continue
		}
		ticketID, _, _ := strings.Cut(subject, "/")
		var cpid string
		if err := tx.QueryRow(ctx, `SELECT cpid FROM tickets WHERE id = ?`, ticketID).Scan(&cpid); err != nil {
			return fmt.Errorf("ticket alert %s: %w", subject, err)
		}
		if _, err := openAlert(ctx, tx, cpoID, volt.AlertTicketBreach, subject, cpid, breached[subject]); err != nil {
			return err
		}
	}
	return nil
}
