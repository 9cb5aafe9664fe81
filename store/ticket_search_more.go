package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// searchCardSuffix matches the last characters of a card's UID (4 to 8, as
// a driver reads them off the card), case-insensitive.
func searchCardSuffix(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	norm := strings.ToUpper(volt.NormalizeIDTag(q))
	if len(norm) < 4 || len(norm) > 8 || strings.ContainsAny(norm, `%_\ `) {
		return nil, nil
	}
	w, err := cardWhere(a)
	if err != nil {
		return nil, err
	}
	w.add(`c.uid_norm LIKE ? AND c.uid_norm NOT LIKE ?`, "%"+norm, norm+"%") // prefixes are searchCards' hits
	return searchRows(ctx, tx, `SELECT c.id, c.uid, c.label, c.blocked, u.id, u.email FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE `+
		w.String()+` ORDER BY c.uid_norm`, w.args, func(r rowScanner) (volt.SearchHit, error) {
		var id, uid, label, uidUser, email string
		var blocked bool
		err := r.Scan(&id, &uid, &label, &blocked, &uidUser, &email)
		sub := email + ", UID ends " + norm
		if blocked {
			sub += " (blocked)"
		}
		return volt.SearchHit{Kind: volt.HitRFIDCard, ID: id, UserID: uidUser, Title: strings.TrimSpace(uid + " " + label), Subtitle: sub}, err
	})
}

// searchGuests finds the sessions a guest paid for with the e-mail they
// gave for the receipt (guests have no account to find).
func searchGuests(ctx context.Context, tx *Tx, a *volt.Actor, q string) ([]volt.SearchHit, error) {
	if !strings.Contains(q, "@") {
		return nil, nil
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, scopeCols{CPO: "s.cpo_id", Owner: "s.owner_id", Group: "s.charger_group_id"}); err != nil {
		return nil, err
	}
	w.add("p.user_id = '' AND lower(p.email) = ?", strings.ToLower(q))
	return searchRows(ctx, tx, `SELECT s.id, s.transaction_id, s.cpid, s.connector_id, s.status, s.started_at, p.email
		FROM payments p JOIN sessions s ON s.id = p.session_id WHERE `+w.String()+` ORDER BY s.started_at DESC`, w.args,
		func(r rowScanner) (volt.SearchHit, error) {
			var id, cpid, status, email string
			var txID, started int64
			var conn int
			err := r.Scan(&id, &txID, &cpid, &conn, &status, &started, &email)
			return volt.SearchHit{Kind: volt.HitSession, ID: id, CPID: cpid,
				Title:    fmt.Sprintf("Guest session %d on %s/%d", txID, cpid, conn),
				Subtitle: fmt.Sprintf("guest %s, %s, started %s", email, status, fromMS(started).Format("2006-01-02 15:04 MST"))}, err
		})
}
