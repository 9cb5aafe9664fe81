package volt

import (
	"testing"
	"time"
)

func TestDecideAuthorization(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	ref := Ref{CPOID: "cpo_a", OwnerID: "own_a", ChargerGroupID: "cgr_a"}
	valid := AuthFacts{CardFound: true, UserID: "usr_1", Charger: ref, Now: now}
	with := func(mod func(*AuthFacts)) AuthFacts { f := valid; mod(&f); return f }
	tests := []struct {
		name     string
		facts    AuthFacts
		want     AuthStatus
		freeVend bool
	}{
		{"unknown card", AuthFacts{Now: now}, AuthInvalid, false},
		{"valid on public group", valid, AuthAccepted, false},
		{"blocked card", with(func(f *AuthFacts) { f.CardBlocked = true }), AuthBlocked, false},
		{"disabled user", with(func(f *AuthFacts) { f.UserDisabled = true }), AuthBlocked, false},
		{"blocked wins over expired", with(func(f *AuthFacts) { f.CardBlocked = true; f.CardExpires = &past }), AuthBlocked, false},
		{"expired card", with(func(f *AuthFacts) { f.CardExpires = &past }), AuthExpired, false},
		{"expires exactly now", with(func(f *AuthFacts) { f.CardExpires = &now }), AuthExpired, false},
		{"not yet expired", with(func(f *AuthFacts) { f.CardExpires = &future }), AuthAccepted, false},
		{"concurrent tx", with(func(f *AuthFacts) { f.OpenSessions, f.MaxSessionsPerCard = 1, 1 }), AuthConcurrentTx, false},
		{"below the CPO's limit", with(func(f *AuthFacts) { f.OpenSessions, f.MaxSessionsPerCard = 1, 2 }), AuthAccepted, false},
		{"no limit", with(func(f *AuthFacts) { f.OpenSessions = 5 }), AuthAccepted, false},
		{"private group without access", with(func(f *AuthFacts) { f.GroupPrivate = true }), AuthBlocked, false},
		{"private group with access", with(func(f *AuthFacts) { f.GroupPrivate = true; f.GroupAccess = true }), AuthAccepted, false},
		{"engineer of the CPO on private group", with(func(f *AuthFacts) {
			f.GroupPrivate = true
			f.Grants = []Grant{{Role: RoleEngineer, CPOID: "cpo_a"}}
		}), AuthAccepted, true},
		{"engineer of the owner", with(func(f *AuthFacts) { f.Grants = []Grant{{Role: RoleEngineer, OwnerID: "own_a"}} }), AuthAccepted, true},
		{"engineer of another CPO", with(func(f *AuthFacts) {
			f.GroupPrivate = true
			f.Grants = []Grant{{Role: RoleEngineer, CPOID: "cpo_b"}}
		}), AuthBlocked, false},
		{"admin is not free vend", with(func(f *AuthFacts) { f.Grants = []Grant{{Role: RoleAdmin, CPOID: "cpo_a"}} }), AuthAccepted, false},
		{"no tariff for the user", with(func(f *AuthFacts) { f.TariffRefusal = "no Public tariff" }), AuthBlocked, false},
		{"no tariff, but an engineer", with(func(f *AuthFacts) {
			f.TariffRefusal = "no Public tariff"
			f.Grants = []Grant{{Role: RoleEngineer, CPOID: "cpo_a"}}
		}), AuthAccepted, true},
		{"no way to pay", with(func(f *AuthFacts) { f.PaymentRefusal = "insufficient credit" }), AuthBlocked, false},
		{"engineer free vend needs no payment", with(func(f *AuthFacts) {
			f.PaymentRefusal = "insufficient credit"
			f.Grants = []Grant{{Role: RoleEngineer, CPOID: "cpo_a"}}
		}), AuthAccepted, true},
		{"host engineer covers the host's groups", with(func(f *AuthFacts) {
			f.Grants = []Grant{{Role: RoleEngineer, HostID: "hst_a", ChargerGroupIDs: []string{"cgr_a"}}}
		}), AuthAccepted, true},
		{"engineer with blocked card", with(func(f *AuthFacts) {
			f.CardBlocked = true
			f.Grants = []Grant{{Role: RoleEngineer, CPOID: "cpo_a"}}
		}), AuthBlocked, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideAuthorization(tt.facts)
			if got.Status != tt.want || got.FreeVend != tt.freeVend {
				t.Fatalf("got %s freeVend=%v (%s), want %s freeVend=%v", got.Status, got.FreeVend, got.Reason, tt.want, tt.freeVend)
			}
			if got.Status != AuthAccepted && got.Reason == "" {
				t.Errorf("refusal without a reason")
			}
			if tt.facts.PaymentRefusal != "" && got.Status == AuthBlocked {
				if got.ExpiresAt == nil || !got.ExpiresAt.Equal(now) || got.Reason != "payment: "+tt.facts.PaymentRefusal {
					t.Errorf("payment refusal: expires %v reason %q, want now and the reason", got.ExpiresAt, got.Reason)
				}
			}
			if got.Status == AuthAccepted && got.UserID != tt.facts.UserID {
				t.Errorf("UserID = %q, want %q", got.UserID, tt.facts.UserID)
			}
		})
	}
}
