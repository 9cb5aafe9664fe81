package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Journal consumers of alerts.
const (
	AlertConsumer     = "alerts"      // opens and resolves alerts from events
	AlertMailConsumer = "alert-mails" // mails each opened alert
)

// minPaymentsForRate is how many payments an hour must hold before their
// failure rate can raise an alert (two failures of three are noise).
const minPaymentsForRate = 5

// EvaluateAlertEvents consumes up to limit journal events and applies the
// event-driven rules in the consumer's transaction (so an alert is opened
// once per condition, whatever restarts): a connector Faulted opens
// connector_faulted and any other status resolves it (and a stuck
// Finishing); FailedStarts refused starts in a row on a charger open
// failed_starts, an accepted start resolves it; a session that stopped with
// its meter going backwards opens meter_backwards. It returns the number
// of events consumed.
func (s *AlertService) EvaluateAlertEvents(ctx context.Context, limit int) (int, error) {
	return s.db.ConsumeEvents(ctx, AlertConsumer, limit, func(ctx context.Context, tx *Tx, events []LoggedEvent) error {
		rules := map[string]*volt.AlertRules{}
		open, err := openAlertsOf(ctx, tx, events)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.CPOID == "" {
				continue
			}
			r, ok := rules[e.CPOID]
			if !ok {
				var err error
				if r, err = alertRules(ctx, tx, e.CPOID); err != nil {
					return err
				}
				rules[e.CPOID] = r
			}
			if err := evaluateEvent(ctx, tx, r, e, open); err != nil {
				return fmt.Errorf("alert rules on event %d: %w", e.ID, err)
			}
		}
		return nil
	})
}

// alertKey names an alert condition: a CPO's alerts of a kind about a subject.
type alertKey struct{ cpoID, kind, subject string }

// openAlerts are the unresolved alerts an event batch can resolve, read
// once for the batch (openAlertsOf) so that the statuses and starts that
// resolve nothing, nearly all of them, cost no query each.
type openAlerts map[alertKey]bool

// resolvedByEvents are the kinds an event resolves (evaluateEvent).
var resolvedByEvents = []string{volt.AlertConnectorFault, volt.AlertStuckFinishing, volt.AlertFailedStarts}

// eventSubject is the subject of the alerts a connector status (cpid/n) or
// a session start (cpid) resolves, "" for other events. It decodes only the
// two fields (volt.Connector's and volt.Session's) that evaluateEvent
// builds the subject from.
func eventSubject(e LoggedEvent) string {
	if e.Type != volt.EventConnectorStatus && e.Type != volt.EventSessionStarted {
		return ""
	}
	raw, _ := e.Data.(json.RawMessage)
	var ref struct {
		CPID        string `json:"cpid"`
		ConnectorID int    `json:"connectorId"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		return ""
	}
	if e.Type == volt.EventSessionStarted {
		return ref.CPID
	}
	if ref.ConnectorID <= 0 {
		return ""
	}
	return ref.CPID + "/" + strconv.Itoa(ref.ConnectorID)
}

// openAlertsOf reads the unresolved alerts of resolvedByEvents kinds about
// the subjects of events, in one query.
func openAlertsOf(ctx context.Context, tx *Tx, events []LoggedEvent) (openAlerts, error) {
	open := openAlerts{}
	seen := map[string]bool{}
	args := []any{volt.AlertResolved}
	for _, k := range resolvedByEvents {
		args = append(args, k)
	}
	n := 0
	for _, e := range events {
		if sub := eventSubject(e); e.CPOID != "" && sub != "" && !seen[sub] {
			seen[sub] = true
			args = append(args, sub)
			n++
		}
	}
	if n == 0 {
		return open, nil
	}
	rows, err := tx.Query(ctx, `SELECT cpo_id, kind, subject FROM alerts WHERE state <> ? AND kind IN (`+inList(len(resolvedByEvents))+
		`) AND subject IN (`+inList(n)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("open alerts of the events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k alertKey
		if err := rows.Scan(&k.cpoID, &k.kind, &k.subject); err != nil {
			return nil, fmt.Errorf("open alerts of the events: %w", err)
		}
		open[k] = true
	}
	return open, mapError(rows.Err())
}

// resolve resolves the open alerts of kind about subject, if the batch
// has any.
func (o openAlerts) resolve(ctx context.Context, tx *Tx, cpoID, kind, subject string) error {
	k := alertKey{cpoID, kind, subject}
	if !o[k] {
		return nil
	}
	delete(o, k)
	return resolveAlerts(ctx, tx, cpoID, kind, subject)
}

// opened notes an alert the batch opened, so a later event of it resolves it.
func (o openAlerts) opened(cpoID, kind, subject string, ok bool, err error) error {
	if ok && err == nil {
		o[alertKey{cpoID, kind, subject}] = true
	}
	return err
}

func evaluateEvent(ctx context.Context, tx *Tx, r *volt.AlertRules, e LoggedEvent, open openAlerts) error {
	raw, _ := e.Data.(json.RawMessage)
	switch e.Type {
	case volt.EventConnectorStatus:
		var c volt.Connector
		if err := json.Unmarshal(raw, &c); err != nil || c.ConnectorID <= 0 {
			return nil // connector 0 is the charger itself
		}
		subject := c.CPID + "/" + strconv.Itoa(c.ConnectorID)
		if c.Status == volt.StatusFaulted {
			if !r.Faulted {
				return nil
			}
			msg := fmt.Sprintf("Connector %d of charger %s is Faulted", c.ConnectorID, c.CPID)
			if c.ErrorCode != "" && c.ErrorCode != "NoError" {
				msg += " (" + c.ErrorCode + ")"
			}
			ok, err := openAlert(ctx, tx, r.CPOID, volt.AlertConnectorFault, subject, c.CPID, msg+".")
			return open.opened(r.CPOID, volt.AlertConnectorFault, subject, ok, err)
		}
		if err := open.resolve(ctx, tx, r.CPOID, volt.AlertConnectorFault, subject); err != nil {
			return err
		}
		if c.Status != volt.StatusFinishing {
			return open.resolve(ctx, tx, r.CPOID, volt.AlertStuckFinishing, subject)
		}
	case volt.EventSessionStarted:
		var sess volt.Session
		if err := json.Unmarshal(raw, &sess); err != nil {
			return nil
		}
		if !slices.Contains(sess.Flags, volt.FlagIDTagRejected) {
			return open.resolve(ctx, tx, r.CPOID, volt.AlertFailedStarts, sess.CPID)
		}
		if r.FailedStarts <= 0 {
			return nil
		}
		n, err := refusedInARow(ctx, tx, sess.CPID, r.FailedStarts)
		if err != nil || n < r.FailedStarts {
			return err
		}
		ok, err := openAlert(ctx, tx, r.CPOID, volt.AlertFailedStarts, sess.CPID, sess.CPID,
			fmt.Sprintf("%d failed starts in a row on charger %s.", n, sess.CPID))
		return open.opened(r.CPOID, volt.AlertFailedStarts, sess.CPID, ok, err)
	case volt.EventSessionStopped:
		var sess volt.Session
		if err := json.Unmarshal(raw, &sess); err != nil || !r.MeterBackwards || !slices.Contains(sess.Flags, volt.FlagMeterBackwards) {
			return nil
		}
		stop := int64(0)
		if sess.MeterStop != nil {
			stop = *sess.MeterStop
		}
		_, err := openAlert(ctx, tx, r.CPOID, volt.AlertMeterBackwards, sess.CPID, sess.CPID,
			fmt.Sprintf("The meter of charger %s went backwards in session %s (stop %d Wh, start %d Wh).", sess.CPID, sess.ID, stop, sess.MeterStart))
		return err
	case volt.EventSecurityCritical:
		var se volt.SecurityEvent
		if err := json.Unmarshal(raw, &se); err != nil || !r.SecurityEvents || se.CPID == "" {
			return nil
		}
		msg := fmt.Sprintf("Critical security event %s on charger %s", se.Type, se.CPID)
		if se.TechInfo != "" {
			msg += ": " + se.TechInfo
		}
		// One alert per charger until someone resolves it: a flood of
		// refusals is one thing to look at, not hundreds.
		_, err := openAlert(ctx, tx, r.CPOID, volt.AlertSecurityEvent, se.CPID, se.CPID, msg+".")
		return err
	}
	return nil
}

// refusedInARow counts the newest sessions of cpid (at most n) that started
// with a refused idTag, stopping at the first accepted one.
func refusedInARow(ctx context.Context, tx *Tx, cpid string, n int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT flags FROM sessions WHERE cpid = ? ORDER BY started_at DESC, id DESC LIMIT ?`, cpid, n)
	if err != nil {
		return 0, fmt.Errorf("recent starts of %s: %w", cpid, err)
	}
	defer rows.Close()
	k := 0
	for rows.Next() {
		var flags string
		if err := rows.Scan(&flags); err != nil {
			return 0, fmt.Errorf("recent starts of %s: %w", cpid, err)
		}
		if !slices.Contains(splitFlags(flags), volt.FlagIDTagRejected) {
			break
		}
		k++
	}
	return k, rows.Err()
}

// SweepAlerts applies the time-driven rules at now for every CPO with rules:
// chargers offline longer than OfflineMinutes, connectors in Finishing
// longer than FinishingMinutes, payment failures of the last hour above
// PaymentFailurePct, sites and EVSEs below ReliabilityTargetPct this month
// so far, tickets that missed a service level; conditions that cleared
// resolve their alerts. One node runs it at a time (a cluster job);
// opening is idempotent anyway.
func (s *AlertService) SweepAlerts(ctx context.Context, now time.Time) error {
	var cpos []*volt.AlertRules
	rows, err := s.db.Query(ctx, `SELECT cpo_id FROM alert_rules WHERE offline_minutes > 0 OR finishing_minutes > 0 OR payment_failure_pct > 0
		OR reliability_target_bp > 0 OR ticket_breaches <> 0 OR EXISTS (SELECT 1 FROM alerts a WHERE a.cpo_id = alert_rules.cpo_id
		AND a.kind IN (?, ?) AND a.state <> ?) ORDER BY cpo_id`, volt.AlertReliability, volt.AlertTicketBreach, volt.AlertResolved)
	if err != nil {
		return fmt.Errorf("alert sweep: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("alert sweep: %w", err)
		}
		cpos = append(cpos, &volt.AlertRules{CPOID: id})
	}
	rows.Close()
	for _, c := range cpos {
		// The reliability and the breaches are read before the write
		// transaction (SQLite has one writer; the computation is long).
		r, err := alertRules(ctx, s.db, c.CPOID)
		if err != nil {
			return fmt.Errorf("alert sweep of %s: %w", c.CPOID, err)
		}
		below, err := s.belowTarget(ctx, r, now)
		if err != nil {
			return fmt.Errorf("alert sweep of %s: %w", c.CPOID, err)
		}
		breaches := map[string]string{}
		if r.TicketBreaches {
			if breaches, err = s.breachedTickets(ctx, r.CPOID, now); err != nil {
				return fmt.Errorf("alert sweep of %s: %w", c.CPOID, err)
			}
		}
		err = s.db.WithTx(ctx, func(tx *Tx) error {
			r, err := alertRules(ctx, tx, c.CPOID)
			if err != nil {
				return err
			}
			if err := sweepOffline(ctx, tx, r, now); err != nil {
				return err
			}
			if err := sweepFinishing(ctx, tx, r, now); err != nil {
				return err
			}
			if err := sweepPayments(ctx, tx, r, now); err != nil {
				return err
			}
			if below != nil { // nil: not computed this sweep
				if err := syncReliabilityAlerts(ctx, tx, r.CPOID, below); err != nil {
					return err
				}
			}
			return syncTicketAlerts(ctx, tx, r.CPOID, breaches)
		})
		if err != nil {
			return fmt.Errorf("alert sweep of %s: %w", c.CPOID, err)
		}
	}
	return nil
}

// subjects reads (subject, cpid) pairs of a query.
func subjects(ctx context.Context, tx *Tx, q string, args ...any) (map[string]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var subject, cpid string
		if err := rows.Scan(&subject, &cpid); err != nil {
			return nil, err
		}
		out[subject] = cpid
	}
	return out, rows.Err()
}

// syncAlerts opens an alert per subject in now and resolves the unresolved
// alerts of kind whose subject is not.
func syncAlerts(ctx context.Context, tx *Tx, cpoID, kind string, now map[string]string, message func(subject string) string) error {
	open, err := subjects(ctx, tx, `SELECT subject, cpid FROM alerts WHERE cpo_id = ? AND kind = ? AND state <> ?`, cpoID, kind, volt.AlertResolved)
	if err != nil {
		return fmt.Errorf("open %s alerts: %w", kind, err)
	}
	for subject := range open {
		if _, still := now[subject]; !still {
			if err := resolveAlerts(ctx, tx, cpoID, kind, subject); err != nil {
				return err
			}
		}
	}
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, subject := range keys {
		if _, ok := open[subject]; ok {
			continue
		}
		if _, err := openAlert(ctx, tx, cpoID, kind, subject, now[subject], message(subject)); err != nil {
			return err
		}
	}
	return nil
}

func sweepOffline(ctx context.Context, tx *Tx, r *volt.AlertRules, now time.Time) error {
	found := map[string]string{}
	if r.OfflineMinutes > 0 {
		var err error
		found, err = subjects(ctx, tx, `SELECT cpid, cpid FROM chargers WHERE cpo_id = ? AND deleted_at IS NULL AND online = ? AND last_seen_at IS NOT NULL AND last_seen_at < ?`,
			r.CPOID, false, toMS(now.Add(-time.Duration(r.OfflineMinutes)*time.Minute)))
		if err != nil {
			return fmt.Errorf("offline chargers: %w", err)
		}
	}
	return syncAlerts(ctx, tx, r.CPOID, volt.AlertChargerOffline, found, func(cpid string) string {
		return fmt.Sprintf("Charger %s has been offline for more than %d minutes.", cpid, r.OfflineMinutes)
	})
}

func sweepFinishing(ctx context.Context, tx *Tx, r *volt.AlertRules, now time.Time) error {
	found := map[string]string{}
	if r.FinishingMinutes > 0 {
		q := `SELECT k.cpid || '/' || CAST(k.connector_id AS TEXT), k.cpid FROM connectors k JOIN chargers c ON c.cpid = k.cpid
			WHERE c.cpo_id = ? AND c.deleted_at IS NULL AND k.connector_id > 0 AND k.status = ? AND k.status_at < ?`
		var err error
		found, err = subjects(ctx, tx, q, r.CPOID, string(volt.StatusFinishing), toMS(now.Add(-time.Duration(r.FinishingMinutes)*time.Minute)))
		if err != nil {
			return fmt.Errorf("connectors stuck in Finishing: %w", err)
		}
	}
	return syncAlerts(ctx, tx, r.CPOID, volt.AlertStuckFinishing, found, func(subject string) string {
		cpid, conn, _ := strings.Cut(subject, "/")
		return fmt.Sprintf("Connector %s of charger %s has been Finishing for more than %d minutes.", conn, cpid, r.FinishingMinutes)
	})
}

func sweepPayments(ctx context.Context, tx *Tx, r *volt.AlertRules, now time.Time) error {
	found := map[string]string{}
	var total, failed int
	if r.PaymentFailurePct > 0 {
		if err := tx.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0) FROM payments WHERE cpo_id = ? AND created_at >= ?`,
			string(volt.PaymentFailed), r.CPOID, toMS(now.Add(-time.Hour))).Scan(&total, &failed); err != nil {
			return fmt.Errorf("payment failure rate: %w", err)
		}
		if total >= minPaymentsForRate && failed*100 >= r.PaymentFailurePct*total {
			found[r.CPOID] = ""
		}
	}
	return syncAlerts(ctx, tx, r.CPOID, volt.AlertPaymentFailures, found, func(string) string {
		return fmt.Sprintf("%d of %d payments failed in the last hour (alert at %d %%).", failed, total, r.PaymentFailurePct)
	})
}

// MailOpenedAlerts consumes alert.opened events (consumer alert-mails) and
// sends each to its CPO's alert address through send; a send error leaves
// the event for the next call (at least once: a retried batch may mail an
// alert twice, never lose one).
func (s *AlertService) MailOpenedAlerts(ctx context.Context, limit int, send func(to, subject, body string) error) (int, error) {
	return s.db.ConsumeEvents(ctx, AlertMailConsumer, limit, func(ctx context.Context, tx *Tx, events []LoggedEvent) error {
		for _, e := range events {
			if e.Type != volt.EventAlertOpened {
				continue
			}
			r, err := alertRules(ctx, tx, e.CPOID)
			if err != nil {
				return err
			}
			if r.Email == "" {
				continue
			}
			var al volt.Alert
			raw, _ := e.Data.(json.RawMessage)
			if err := json.Unmarshal(raw, &al); err != nil {
				continue
			}
			body := fmt.Sprintf("%s\n\nOpened %s. Acknowledge it in the Admin Portal (Alerts).\n", al.Message, al.OpenedAt.Format(time.RFC1123))
			if err := send(r.Email, "Volt alert: "+al.Message, body); err != nil {
				return fmt.Errorf("mail alert %s: %w", al.ID, err)
			}
		}
		return nil
	})
}

// AlertDigest is one CPO's daily digest.
type AlertDigest struct {
	CPOID, Email string
	Active       []*volt.Alert // open or acknowledged
	Resolved     int           // resolved since the previous digest
}

// AlertDigests returns, per CPO with an alert address, its active alerts
// and the number resolved since since; CPOs with neither are left out.
func (s *AlertService) AlertDigests(ctx context.Context, since time.Time) ([]AlertDigest, error) {
	rows, err := s.db.Query(ctx, `SELECT cpo_id, email FROM alert_rules WHERE email <> '' ORDER BY cpo_id`)
	if err != nil {
		return nil, fmt.Errorf("alert digests: %w", err)
	}
	var out []AlertDigest
	for rows.Next() {
		var d AlertDigest
		if err := rows.Scan(&d.CPOID, &d.Email); err != nil {
			rows.Close()
			return nil, fmt.Errorf("alert digests: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	keep := out[:0]
	for _, d := range out {
		sys := volt.NewContextWithActor(ctx, volt.SystemActor)
		d.Active, _, err = s.FindAlerts(sys, volt.AlertFilter{CPOID: d.CPOID, State: "active", Page: volt.Page{Limit: 500}})
		if err != nil {
			return nil, err
		}
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM alerts WHERE cpo_id = ? AND resolved_at >= ?`, d.CPOID, toMS(since)).Scan(&d.Resolved); err != nil {
			return nil, fmt.Errorf("alert digest of %s: %w", d.CPOID, err)
		}
		if len(d.Active) > 0 || d.Resolved > 0 {
			keep = append(keep, d)
		}
	}
	return keep, nil
}

// alertDigestMark is the event_consumers row that remembers the last day
// whose digest went out (its position is the day's Unix time).
const alertDigestMark = "alert-digest"

// ClaimAlertDigest reports whether the digest of day (UTC midnight) is this
// caller's to send: the first caller for a day moves the mark, every other
// (a restart, another node) is told false.
func (s *AlertService) ClaimAlertDigest(ctx context.Context, day time.Time) (bool, error) {
	claimed := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		pos, err := lockCursor(ctx, tx, alertDigestMark)
		if err != nil {
			return err
		}
		if pos >= day.Unix() {
			claimed = false
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE event_consumers SET position = ?, updated_at = ? WHERE name = ?`, day.Unix(), tx.NowMS(), alertDigestMark); err != nil {
			return fmt.Errorf("claim alert digest: %w", err)
		}
		claimed = true
		return nil
	})
	return claimed, err
}
