package main

import (
	"context"
	"testing"
	"time"
)

// TestLeadCacheAsksAgainAfterItsPeriod: a site's lead is asked once per
// period (events stepping the loop in a burst do not each reach NATS), per
// site, and again once the period is over, so the lease keeps being
// renewed and a lost lead is noticed.
func TestLeadCacheAsksAgainAfterItsPeriod(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	asked := map[string]int{}
	lead := true
	c := newLeadCache(func(_ context.Context, site string) bool { asked[site]++; return lead }, 2*time.Second, func() time.Time { return now })
	ctx := context.Background()
	for range 5 {
		if !c.leads(ctx, "s1") {
			t.Fatal("s1 not led")
		}
	}
	c.leads(ctx, "s2")
	if asked["s1"] != 1 || asked["s2"] != 1 {
		t.Fatalf("asked %v, want once per site", asked)
	}
	lead = false
	now = now.Add(2 * time.Second)
	if c.leads(ctx, "s1") || asked["s1"] != 2 {
		t.Fatalf("after the period: asked %d times, still leading", asked["s1"])
	}
	if (&Main{}).leadsSite() != nil {
		t.Fatal("a single node must run every site (nil Leads)")
	}
}
