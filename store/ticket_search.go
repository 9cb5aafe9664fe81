package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/volt-ev/volt"
)

// maxSearchQuery bounds the search box's input.
const maxSearchQuery = 100

// SupportSearch finds chargers, RFID cards, drivers and sessions matching q
// within the actor's read scope (see volt.HelplineService). Only operators
// may search; a driver gets EFORBIDDEN.
func (s *HelplineService) SupportSearch(ctx context.Context, q string) ([]volt.SearchHit, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsOperator() {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only operators may use the support search.")
	}
	q = strings.TrimSpace(q)
	if len(q) > maxSearchQuery {
		return nil, volt.FieldError("q", "Search at most %d characters.", maxSearchQuery)
	}
	hits := []volt.SearchHit{}
	if q == "" {
		return hits, nil
	}
	tx, err := s.db.BeginReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, find := range []func(context.Context, *Tx, *volt.Actor, string) ([]volt.SearchHit, error){
		searchChargers, searchCards, searchCardSuffix, searchDrivers, searchGuests, searchSessions,
	} {
		h, err := find(ctx, tx, a, q)
		if err != nil {
			return nil, fmt.Errorf("support search: %w", err)
		}
		hits = append(hits, h...)
	}
	return hits, nil
}

// searchRows runs a hit query and scans each row with scan.
func searchRows(ctx context.Context, tx *Tx, query string, args []any, scan func(rowScanner) (volt.SearchHit, error)) ([]volt.SearchHit, error) {
	rows, err := tx.Query(ctx, query+` LIMIT `+strconv.Itoa(volt.MaxHitsPerKind), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []volt.SearchHit
	for rows.Next() {
		h, err := scan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		hits = append(hits, h)
	}
	return hits, mapError(rows.Err())
}

// searchChargers matches CPID (exact, "123" as "000123", or prefix), OCPP
// identity and serial number (case-insensitive prefix).
func searchChargers(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	w := &where{}
	w.add("c.deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, chargerScope); err != nil {
		return nil, err
	}
	cpid := q
	if n, err := strconv.ParseInt(q, 10, 64); err == nil && n >= 0 && len(q) < 6 {
		cpid = volt.FormatCPID(n)
	}
	cond, args := prefixMatch(tx.Dialect(), q, []string{"ocpp_identity", "serial_number"}, cpid)
	w.add(cond, args...)
	return searchRows(ctx, tx, `SELECT c.cpid, c.name, c.ocpp_identity, c.serial_number FROM chargers c WHERE `+w.String()+
		` ORDER BY c.cpid`, w.args, func(r rowScanner) (volt.SearchHit, error) {
		var cpid, name, ident, serial string
		err := r.Scan(&cpid, &name, &ident, &serial)
		return volt.SearchHit{Kind: volt.HitCharger, ID: cpid, CPID: cpid, Title: strings.TrimSpace(cpid + " " + name),
			Subtitle: "identity " + ident + ", serial " + serial}, err
	})
}

// searchCards matches the card's UID as an idTag: case-insensitive, exact or
// prefix.
func searchCards(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	w, err := cardWhere(a)
	if err != nil {
		return nil, err
	}
	norm := volt.NormalizeIDTag(q)
	w.add(`c.uid_norm LIKE ? ESCAPE '\'`, strings.ToUpper(likePrefix(norm)))
	return searchRows(ctx, tx, `SELECT c.id, c.uid, c.label, c.blocked, u.id, u.email FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE `+
		w.String()+` ORDER BY c.uid_norm`, w.args, func(r rowScanner) (volt.SearchHit, error) {
		var id, uid, label, uidUser, email string
		var blocked bool
		err := r.Scan(&id, &uid, &label, &blocked, &uidUser, &email)
		sub := email
		if blocked {
			sub += " (blocked)"
		}
		return volt.SearchHit{Kind: volt.HitRFIDCard, ID: id, UserID: uidUser, Title: strings.TrimSpace(uid + " " + label), Subtitle: sub}, err
	})
}

// searchDrivers matches e-mail and name (substring, case-insensitive) and
// phone by its last nine digits, whatever the spacing or prefix (+44, 0).
func searchDrivers(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	w, err := userWhere(a)
	if err != nil {
		return nil, err
	}
	pat := "%" + strings.TrimSuffix(likePrefix(q), "%") + "%"
	cond := `(lower(u.email) LIKE ? ESCAPE '\' OR lower(u.name) LIKE ? ESCAPE '\'`
	args := []any{pat, pat}
	if d := digitsOf(q); len(d) >= 6 {
		if len(d) > 9 {
			d = d[len(d)-9:]
		}
		cond += ` OR replace(replace(replace(replace(u.phone, ' ', ''), '-', ''), '(', ''), ')', '') LIKE ?`
		args = append(args, "%"+d+"%")
	}
	w.add(cond+")", args...)
	return searchRows(ctx, tx, `SELECT u.id, u.name, u.email, u.phone FROM users u WHERE `+w.String()+` ORDER BY u.email`,
		w.args, func(r rowScanner) (volt.SearchHit, error) {
			var id, name, email, phone string
			err := r.Scan(&id, &name, &email, &phone)
			return volt.SearchHit{Kind: volt.HitDriver, ID: id, UserID: id, Title: cmpOr(name, email),
				Subtitle: strings.TrimSpace(email + " " + phone)}, err
		})
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) && r < 128 {
			b.WriteRune(r)
		} else if !strings.ContainsRune(" +-()", r) {
			return ""
		}
	}
	return b.String()
}

// searchSessions matches a session id exactly or an OCPP transaction id.
func searchSessions(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	w := &where{}
	if err := w.scope(a, volt.PermRead, scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"}); err != nil {
		return nil, err
	}
	if n, err := strconv.ParseInt(q, 10, 64); err == nil {
		w.add("(id = ? OR transaction_id = ?)", q, n)
	} else {
		w.add("id = ?", strings.ToLower(q))
	}
	return searchRows(ctx, tx, `SELECT id, transaction_id, cpid, connector_id, user_id, status, started_at FROM sessions WHERE `+
		w.String()+` ORDER BY started_at DESC`, w.args, func(r rowScanner) (volt.SearchHit, error) {
		var id, cpid, user, status string
		var txID, started int64
		var conn int
		err := r.Scan(&id, &txID, &cpid, &conn, &user, &status, &started)
		return volt.SearchHit{Kind: volt.HitSession, ID: id, CPID: cpid, UserID: user,
			Title:    fmt.Sprintf("Session %d on %s/%d", txID, cpid, conn),
			Subtitle: fmt.Sprintf("%s, started %s", status, fromMS(started).Format("2006-01-02 15:04 MST"))}, err
	})
}
