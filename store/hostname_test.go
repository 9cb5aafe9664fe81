package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// txtStub answers TXT lookups from a map: the DNS a test controls.
type txtStub map[string][]string

func (s txtStub) LookupTXT(_ context.Context, name string) ([]string, error) {
	if r, ok := s[name]; ok {
		return r, nil
	}
	return nil, errors.New("no such host")
}

// TestHostNamesAreGuarded is issue #10 item 2: a CPO admin could put the
// platform's own host names in its theme and take over the platform's
// login and sign-up pages. Reserved names (localhost, IP literals, the
// platform's host) are nobody's; a CPO admin adds another name only after
// proving it controls it by a DNS TXT record; a super admin sets it.
func TestHostNamesAreGuarded(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		dns := txtStub{}
		f.h.PlatformHosts, f.h.Resolver = []string{"volt.example.net"}, dns
		admin := f.adminA()
		cpo, err := f.h.FindCPOByID(admin, f.cpoA.ID)
		must(t, err)
		for _, reserved := range []string{"localhost", "LOCALHOST:8080", "127.0.0.1", "10.1.2.3", "[::1]", "::1", "volt.example.net", "Volt.Example.Net."} {
			c := *cpo
			c.Theme.HostNames = append([]string{reserved}, cpo.Theme.HostNames...)
			wantField(t, "admin adds "+reserved, f.h.UpdateCPO(admin, &c), volt.EINVALID, "theme.hostNames")
			wantField(t, "super admin adds "+reserved, f.h.UpdateCPO(sysCtx(), &c), volt.EINVALID, "theme.hostNames")
			_, err := f.h.ClaimHostName(admin, f.cpoA.ID, reserved)
			wantField(t, "admin claims "+reserved, err, volt.EINVALID, "hostName")
		}
		// A name stored before the rule never resolves to a theme.
		_, err = db.Exec(context.Background(), `INSERT INTO cpo_host_names (host_name, cpo_id) VALUES ('localhost', ?)`, f.cpoA.ID)
		must(t, err)
		_, err = f.h.FindCPOByHostName(sysCtx(), "localhost:8080")
		wantCode(t, "theme of localhost", err, volt.ENOTFOUND)

		c := *cpo
		c.Theme.HostNames = []string{"a.example.com", "charge.a-network.test"}
		err = f.h.UpdateCPO(admin, &c)
		wantField(t, "admin adds an unverified name", err, volt.EUNPROCESSABLE, "theme.hostNames")
		claim, err := f.h.ClaimHostName(admin, f.cpoA.ID, "Charge.A-Network.test")
		must(t, err)
		if claim.Verified || claim.TXTName != "_volt-challenge.charge.a-network.test" || len(claim.TXTValue) < 30 {
			t.Fatalf("claim: %+v", claim)
		}
		_, err = f.h.ClaimHostName(f.adminB(), f.cpoA.ID, "other.a-network.test")
		wantCode(t, "B claims for A", err, volt.ENOTFOUND)
		dns[claim.TXTName] = []string{"volt-verification=wrong"}
		_, err = f.h.VerifyHostName(admin, f.cpoA.ID, claim.HostName)
		wantField(t, "wrong TXT record", err, volt.EUNPROCESSABLE, "hostName")
		dns[claim.TXTName] = []string{"v=spf1 -all", claim.TXTValue}
		claim, err = f.h.VerifyHostName(admin, f.cpoA.ID, claim.HostName)
		must(t, err)
		if !claim.Verified {
			t.Fatalf("not verified: %+v", claim)
		}
		c.Theme.HostNames = []string{"a.example.com", "charge.a-network.test"}
		must(t, f.h.UpdateCPO(admin, &c))
		got, err := f.h.FindCPOByHostName(sysCtx(), "charge.a-network.test")
		if err != nil || got.ID != f.cpoA.ID {
			t.Errorf("theme of the verified name: %v %v", got, err)
		}
		// Another CPO cannot claim a name A serves; a super admin sets a
		// name without DNS.
		_, err = f.h.ClaimHostName(f.adminB(), f.cpoB.ID, "charge.a-network.test")
		wantField(t, "B claims A's name", err, volt.ECONFLICT, "hostName")
		b, err := f.h.FindCPOByID(sysCtx(), f.cpoB.ID)
		must(t, err)
		b.Theme.HostNames = []string{"b.example.org"}
		must(t, f.h.UpdateCPO(sysCtx(), b))
		claims, err := f.h.FindHostNameClaims(admin, f.cpoA.ID)
		if err != nil || len(claims) != 1 {
			t.Errorf("A's claims: %v %v", claims, err)
		}
	})
}
