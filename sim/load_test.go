package sim

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp/v16"
)

func TestRunLoadMeterFloodLedger(t *testing.T) {
	f := newFakeCSMS(t)
	var out, txs bytes.Buffer
	rep, err := RunLoad(context.Background(), LoadOptions{
		URL: f.url(), Creds: fleetCreds(f, 3), Every: 100 * time.Millisecond, Duration: time.Second,
		MeterFlood: true, Transactions: &txs, DrainTimeout: 5 * time.Second, Out: &out,
		Fleet: FleetOptions{Heartbeat: time.Hour, MinBackoff: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(v16.ActionStartTransaction); n != 3 {
		t.Fatalf("%d StartTransactions, want one per charger", n)
	}
	if n := f.count(v16.ActionStopTransaction); n != 3 {
		t.Errorf("%d StopTransactions at the end, want 3", n)
	}
	mv := f.received(v16.ActionMeterValues)
	if len(mv) < 30 {
		t.Errorf("only %d MeterValues in a second of flood", len(mv))
	}
	for _, r := range mv {
		req := r.Req.(*v16.MeterValuesRequest)
		if req.TransactionID == nil || len(req.MeterValue) != 1 || len(req.MeterValue[0].SampledValue) < 3 {
			t.Fatalf("flood MeterValues without transaction or samples: %+v", req)
		}
	}
	if rep.TxStarted != 3 || rep.TxAnswered != 3 || rep.TxStopsAnswered != 3 {
		t.Errorf("report transactions %d/%d/%d, want 3/3/3", rep.TxStarted, rep.TxAnswered, rep.TxStopsAnswered)
	}
	if !strings.Contains(out.String(), "meter flood: 3 transactions started") {
		t.Errorf("no flood start line:\n%s", out.String())
	}
	rows, err := csv.NewReader(&txs).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("transactions CSV: %v, %d rows: %q", err, len(rows), txs.String())
	}
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		if id, _ := strconv.Atoi(row[2]); id < 1 || seen[row[2]] || row[3] != "true" {
			t.Errorf("ledger line %v: want a distinct transactionId with its stop answered", row)
		}
		seen[row[2]] = true
	}
}

func TestRunLoadSteadySessionsChargeFromTheStart(t *testing.T) {
	f := newFakeCSMS(t)
	// Sessions of an hour with a 1 ms idle time: every connector charges at
	// once instead of after a first idle period.
	rep, err := RunLoad(context.Background(), LoadOptions{
		URL: f.url(), Creds: fleetCreds(f, 4), Every: 100 * time.Millisecond, Duration: 700 * time.Millisecond,
		SteadySessions: true, Transactions: &bytes.Buffer{}, DrainTimeout: 5 * time.Second, Window: time.Hour,
		Fleet: FleetOptions{Heartbeat: time.Hour, SessionLength: time.Hour, SessionEvery: time.Millisecond, MeterInterval: 50 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(v16.ActionStartTransaction); n != 4 {
		t.Fatalf("%d StartTransactions, want all 4 connectors charging from the start", n)
	}
	if rep.TxAnswered != 4 || rep.TxStopsAnswered != 0 {
		t.Errorf("ledger answered=%d stops=%d, want 4 and 0 (sessions still running)", rep.TxAnswered, rep.TxStopsAnswered)
	}
	// The window starts when all 4 are on line: it holds the calls after
	// the boots (StartTransactions, MeterValues), not the boots before it.
	if rep.WindowCalls == 0 || rep.WindowCalls >= rep.Calls || rep.WindowP99 == 0 {
		t.Errorf("window calls=%d of %d, p99=%s: want some but not all calls, with percentiles", rep.WindowCalls, rep.Calls, rep.WindowP99)
	}
}

// TestTxLedgerMatchesAnswersToTheirSessions: answers are matched to the
// session they belong to, not to the oldest one waiting. In the 50,000-
// charger run a StartTransaction given up after its attempts (never
// answered; its stop went with transactionId -1) took the next session's
// transactionId and that session's answered stop, so the check reported a
// session stopped without a CDR that the charger had never stopped.
func TestTxLedgerMatchesAnswersToTheirSessions(t *testing.T) {
	l := newTxLedger()
	ev := func(detail string, n int) {
		l.onEvent(Event{Identity: "CP1", Kind: EventTransaction, Connector: n, Detail: detail})
	}
	// A's start is never answered (given up); A is stopped and its stop
	// (transactionId -1) answered. B then starts on the same connector, is
	// answered 7 and stopped, its stop given up too. C on connector 2 is
	// answered 8 and its stop answered.
	ev("started idTag=A at=100", 1)
	ev("stopped reason=Local energyWh=5 at=100", 1)
	ev("stop answered at=100", 1)
	ev("started idTag=B at=200", 1)
	ev("started idTag=C at=300", 2)
	l.onEvent(Event{Identity: "CP1", Kind: EventStatus, Detail: "Charging"}) // ignored
	ev("transactionId=7 Accepted at=200", 1)
	ev("stopped reason=EVDisconnected energyWh=9 at=200", 1)
	ev("transactionId=8 Accepted at=300", 2)
	ev("stopped reason=Local energyWh=3 at=300", 2)
	ev("stop answered at=300", 2)
	ev("stop answered at=999", 1) // no such session: ignored
	if c := l.counts(); c != (ledgerCounts{Started: 3, Answered: 2, StopsQueued: 3, StopsAnswered: 2}) {
		t.Fatalf("counts %+v", c)
	}
	var b bytes.Buffer
	if err := l.writeCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "identity,connector,transaction_id,stop_answered\nCP1,1,0,true\nCP1,1,7,false\nCP1,2,8,true\n"
	if b.String() != want {
		t.Fatalf("CSV\n%s\nwant\n%s", b.String(), want)
	}
}
