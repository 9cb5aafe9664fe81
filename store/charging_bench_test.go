package store_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// BenchmarkRecordMeterValues measures persisted MeterValues messages per
// second on each engine: many chargers, one active session each, every
// message a typical 1.6 sample set (register, power, current, voltage, SoC)
// in its own transaction, sent from parallel goroutines like the gateway's
// connections. Run:
//
//	VOLT_TEST_POSTGRES_URL=... go test ./store -run '^$' -bench RecordMeterValues -benchtime 20000x
//
// "tx-per-message" is the plain path; "batched" runs with StartMeterBatching
// (group commit, each caller still waits for its own commit).
func BenchmarkRecordMeterValues(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		for _, mode := range []string{"tx-per-message", "batched"} {
			b.Run(e.Name+"/"+mode, func(b *testing.B) {
				benchMeterValues(b, e.Open(b), mode == "batched")
			})
		}
	}
}

func benchMeterValues(b *testing.B, db *store.DB, batched bool) {
	f := newChargingFixture(b, db)
	db.Now = time.Now
	ctx := context.Background()
	const chargers = 2000 // as many open sessions as bench/meter-flood.sh
	txIDs := make([]int64, chargers)
	cpids := make([]string, chargers)
	for i := range chargers {
		cpid := fmt.Sprintf("9%05d", i)
		f.exec(b, `INSERT INTO chargers (cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, password_hash, created_at, updated_at)
			SELECT ?, ?, cpo_id, owner_id, site_id, charger_group_id, password_hash, 0, 0 FROM chargers WHERE cpid = ?`, cpid, "bench-"+cpid, f.cpidA)
		st, err := f.svc.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: "CARD-" + cpid, At: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
		cpids[i], txIDs[i] = cpid, st.TransactionID
	}
	if batched {
		workers := 4
		if db.Dialect == store.SQLite {
			workers = 1 // one writer at a time anyway
		}
		stop := f.svc.StartMeterBatching(workers, 128)
		defer stop()
	}
	var next atomic.Int64
	base := time.Now()
	b.SetParallelism(16) // many charger connections per core
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			i := int(n % chargers)
			at := base.Add(time.Duration(n) * time.Millisecond)
			wh := strconv.FormatInt(n*10, 10)
			_, err := f.svc.RecordMeterValues(ctx, volt.MeterReport{CPID: cpids[i], ConnectorID: 1, TransactionID: &txIDs[i],
				Samples: []volt.MeterSample{
					{Timestamp: at, Measurand: "Energy.Active.Import.Register", Unit: "Wh", Value: wh, Context: "Sample.Periodic"},
					{Timestamp: at, Measurand: "Power.Active.Import", Unit: "W", Value: "7360"},
					{Timestamp: at, Measurand: "Current.Import", Unit: "A", Value: "32.0", Phase: "L1"},
					{Timestamp: at, Measurand: "Voltage", Unit: "V", Value: "230.1", Phase: "L1-N"},
					{Timestamp: at, Measurand: "SoC", Unit: "Percent", Value: "55", Location: "EV"},
				}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
