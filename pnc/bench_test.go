package pnc_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
)

// BenchmarkOCSPContractCheck is a hash-only Plug & Charge check (leaf and
// sub-CA) against a local responder signing real responses: every answer
// fetched and verified, or kept (CacheFor).
func BenchmarkOCSPContractCheck(b *testing.B) {
	for _, tc := range []struct {
		name     string
		cacheFor time.Duration
	}{{"fetched", 0}, {"cached", time.Minute}} {
		b.Run(tc.name, func(b *testing.B) {
			v2g := pnctest.New(b)
			resp := v2g.StartOCSP(b)
			c := v2g.Contract(b, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
			p, err := pnc.NewOCSP(v2g.Root, v2g.SubCA)
			if err != nil {
				b.Fatal(err)
			}
			p.CacheFor = tc.cacheFor
			check := volt.ContractCheck{EMAID: c.EMAID, HashData: withResponder(hashes(b, c), resp.URL)}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if st, err := p.CheckContract(ctx, check); st != volt.ContractAccepted || err != nil {
					b.Fatal(st, err)
				}
			}
		})
	}
}
