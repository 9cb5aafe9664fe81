package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestSupportSearchCardEndAndGuest: the helpline finds a card by the last
// characters of its UID (what a driver reads off it) and a guest's sessions
// by the e-mail they gave for the receipt, each only within the actor's
// scope.
func TestSupportSearchCardEndAndGuest(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		_, err := db.Exec(context.Background(), `INSERT INTO payments (id, kind, state, provider, email, cpo_id, cpid, session_id,
			currency, amount, idempotency_key, created_at, updated_at) VALUES ('pay_guest1', 'guest', 'captured', 'sandbox',
			'Guest.Person@Example.org', ?, ?, ?, 'GBP', 3000, 'guest-key-1', 0, 0)`, f.sessA.CPOID, f.sessA.CPID, f.sessA.ID)
		must(t, err)
		for _, c := range []struct{ q, kind, id string }{
			{"c4d5", volt.HitRFIDCard, f.cardD1.ID},
			{"B3C4D5", volt.HitRFIDCard, f.cardD1.ID},
			{"guest.person@example.org", volt.HitSession, f.sessA.ID},
		} {
			hits, err := f.helpline.SupportSearch(f.supportA(), c.q)
			must(t, err)
			if !hasHit(hits, c.kind, c.id) {
				t.Errorf("support A searching %q: no %s %s in %+v", c.q, c.kind, c.id, hits)
			}
			if hits, _ := f.helpline.SupportSearch(f.supportB(), c.q); hasHit(hits, c.kind, c.id) {
				t.Errorf("support B searching %q finds CPO A's %s", c.q, c.kind)
			}
		}
		if hits, _ := f.helpline.SupportSearch(f.supportA(), "ffff"); countKind(hits, volt.HitRFIDCard) != 0 {
			t.Errorf("support A finds CPO B's card by its end: %+v", hits)
		}
	})
}
