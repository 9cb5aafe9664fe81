package store_test

import (
	"encoding/json"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// BenchmarkAuditRecord measures one audit entry with before/after snapshots,
// the cost every audited change pays after its commit.
func BenchmarkAuditRecord(b *testing.B) {
	db := storetest.SQLite(b)
	svc := store.NewAuditService(db)
	ctx := sysCtx()
	before := json.RawMessage(`{"cpid":"000123","name":"Bay 1","chargerGroupId":"cgr_x","connectors":[{"connectorId":1}]}`)
	after := json.RawMessage(`{"cpid":"000123","name":"Bay 1 (left)","chargerGroupId":"cgr_x","connectors":[{"connectorId":1}]}`)
	b.ResetTimer()
	for b.Loop() {
		e := &volt.AuditEntry{Action: "charger.update", ResourceType: "charger", ResourceID: "000123",
			CPOID: "cpo_x", Before: before, After: after}
		if err := svc.Record(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
