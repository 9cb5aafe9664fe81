package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestPriceAndOCPPAgree is issue #10 item 3: the charger price of the API
// (GET /chargers/{cpid}/price?userId=) and the OCPP path (Authorize and
// StartTransaction through volt.ChargingService) answer every case alike:
// a priced start exactly where a price is quoted, with the same tariff, and
// a refusal (Blocked, the reason recorded) where none is. No tariff for the
// user never means free energy; free vend comes only from a free-vend
// tariff or the engineer role.
func TestPriceAndOCPPAgree(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := sys()
		A, B := e.A, e.B
		charger := func(g *volt.ChargerGroup) string {
			must(t, e.cfg.Hierarchy.CreateChargerGroup(ctx, g))
			cr, err := e.cfg.Chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: g.ID, Name: g.Name}, 1)
			must(t, err)
			return cr.CPID
		}
		tariff := func(tf *volt.Tariff, usergroup, group string) string {
			tf.CPOID, tf.Currency, tf.VATRate = A.CPO, "GBP", volt.MustDecimal("0.20")
			must(t, e.cfg.Tariffs.CreateTariff(ctx, tf))
			must(t, e.cfg.Tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: tf.ID, UsergroupID: usergroup, ChargerGroupID: group}))
			return tf.ID
		}
		noTariff := charger(&volt.ChargerGroup{SiteID: A.Site, Name: "No tariff A"})
		privGroup := &volt.ChargerGroup{SiteID: A.Site, Name: "Fleet bays A", Private: true}
		private := charger(privGroup)
		privTariff := tariff(&volt.Tariff{Name: "Fleet A", EnergyPricePerKWh: volt.MustDecimal("0.20")}, A.PrivateUgr, privGroup.ID)
		freeGroup := &volt.ChargerGroup{SiteID: A.Site, Name: "Free A"}
		free := charger(freeGroup)
		freeTariff := tariff(&volt.Tariff{Name: "Free A", FreeVend: true}, volt.PublicUsergroupID, freeGroup.ID)

		card := func(userID, uid string) string {
			must(t, e.cfg.Users.CreateRFIDCard(ctx, &volt.RFIDCard{UID: uid, UserID: userID}))
			return uid
		}
		member := &volt.User{Email: "fleet@a.example", Name: "Fleet A", CPOID: A.CPO}
		must(t, e.cfg.Users.CreateUser(ctx, member, ""))
		must(t, e.cfg.Users.AddMember(ctx, A.PrivateUgr, member.ID))
		memberCard := card(member.ID, "FLEETA01")
		engineer := A.Users["engineer"]
		engineerCard := card(engineer, "ENGA01")

		type want struct {
			ok       bool   // a price is quoted and the start accepted
			tariffID string // the tariff both use ("free-vend" for the role)
		}
		cases := []struct {
			name, cpid, userID, idTag string
			want                      want
		}{
			{"A's driver, A's public tariff (their group's is cheaper)", A.CPID, A.Driver, A.CardUID, want{true, ""}},
			{"B's card on A's public charger: public tariff", A.CPID, B.Driver, B.CardUID, want{true, A.Tariff}},
			{"B's card on A's public charger with no tariff", noTariff, B.Driver, B.CardUID, want{false, ""}},
			{"A's card on A's public charger with no tariff", noTariff, A.Driver, A.CardUID, want{false, ""}},
			{"A's card on A's private charger, not a member", private, A.Driver, A.CardUID, want{false, ""}},
			{"B's card on A's private charger", private, B.Driver, B.CardUID, want{false, ""}},
			{"member on A's private charger: its tariff", private, member.ID, memberCard, want{true, privTariff}},
			{"member on A's public charger with no tariff", noTariff, member.ID, memberCard, want{false, ""}},
			{"engineer of A on the charger with no tariff: free vend", noTariff, engineer, engineerCard, want{true, "free-vend"}},
			{"engineer of A on the private charger: free vend", private, engineer, engineerCard, want{true, "free-vend"}},
			{"B's card on A's free-vend tariff", free, B.Driver, B.CardUID, want{true, freeTariff}},
		}
		at := time.Now().UTC().Truncate(time.Second)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// The API's answer.
				status, body := e.do("GET", fmt.Sprintf("/api/v1/chargers/%s/price?userId=%s", c.cpid, c.userID), "", e.tokens["super"])
				var quote volt.PriceQuote
				if status == 200 {
					must(t, json.Unmarshal(body, &quote))
				} else if status != 403 {
					t.Fatalf("price: %d %s", status, body)
				}
				priced := status == 200
				// The charger's answers.
				auth, err := e.cfg.Charging.AuthorizeIDTag(ctx, c.cpid, c.idTag)
				must(t, err)
				start := at.Add(time.Duration(i) * time.Minute)
				res, err := e.cfg.Charging.StartTransaction(ctx, volt.StartRequest{CPID: c.cpid, ConnectorID: 1, IDTag: c.idTag,
					MeterStart: 0, At: start, ReceivedAt: start})
				must(t, err)
				_, err = e.cfg.Charging.StopTransaction(ctx, volt.StopRequest{CPID: c.cpid, TransactionID: res.TransactionID,
					MeterStop: 5000, At: start.Add(30 * time.Second), Reason: "Local"})
				must(t, err)

				if priced != c.want.ok {
					t.Errorf("price: %d %s, want a price %v", status, body, c.want.ok)
				}
				for what, got := range map[string]volt.AuthStatus{"Authorize": auth.Status, "StartTransaction": res.Auth.Status} {
					if (got == volt.AuthAccepted) != priced {
						t.Errorf("%s answers %s (%s) but the price says %d %s", what, got, res.Auth.Reason, status, body)
					}
					if !priced && got != volt.AuthBlocked {
						t.Errorf("%s answers %s, want Blocked", what, got)
					}
				}
				if !priced {
					if res.Auth.Reason == "" || len(res.Session.TariffSnapshot) != 0 {
						t.Errorf("refused start: reason %q, snapshot %s", res.Auth.Reason, res.Session.TariffSnapshot)
					}
					return
				}
				snap, err := volt.ParseTariffSnapshot(res.Session.TariffSnapshot)
				if err != nil {
					t.Fatalf("accepted start without a tariff snapshot: %v", err)
				}
				if snap.Tariff.ID != quote.Tariff.ID || snap.Tariff.FreeVend != quote.Tariff.FreeVend || res.Auth.FreeVend != quote.FreeVend {
					t.Errorf("session priced with %s (free %v, auth free %v), the price quotes %s (free %v)",
						snap.Tariff.ID, snap.Tariff.FreeVend, res.Auth.FreeVend, quote.Tariff.ID, quote.FreeVend)
				}
				if c.want.tariffID != "" && quote.Tariff.ID != c.want.tariffID {
					t.Errorf("tariff %s (%s), want %s", quote.Tariff.ID, quote.Reason, c.want.tariffID)
				}
				if strings.Contains(c.name, "free") && !snap.Tariff.FreeVend {
					t.Errorf("not free: %+v", snap.Tariff)
				}
			})
		}
	})
}
