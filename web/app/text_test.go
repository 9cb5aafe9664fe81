package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAppRefusesControlCharacters: a NUL in a form field or a query answers
// 400 naming the field and stores nothing, on both engines (PostgreSQL
// answered 500, SQLite stored it).
func TestAppRefusesControlCharacters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		u := f.driver("nul@example.com")
		c := f.client()
		c.login(u.Email)
		res := c.post("/app/account", "/app/account/cards", url.Values{"uid": {"04AABBCC"}, "label": {"my\x00card"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "The field label contains the control character") {
			t.Fatalf("NUL in a card label: %d %.300s", res.status, res.body)
		}
		cards, _, err := f.users.FindRFIDCards(sysCtx(), volt.UserFilter{ID: u.ID, Page: volt.Page{Limit: 10}})
		must(t, err)
		for _, cd := range cards {
			if cd.UID == "04AABBCC" {
				t.Errorf("card stored: %+v", cd)
			}
		}
		if res := c.get("/app/find?cpid=%00"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "The field cpid contains") {
			t.Errorf("NUL in a query: %d", res.status)
		}
	})
}
