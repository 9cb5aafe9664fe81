package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// txLedger follows every transaction the chargers of a load run start, from
// their events and CALL outcomes, so that the database can be checked
// against it afterwards: each transaction the central system answered with a
// transactionId must have exactly one session, and each whose
// StopTransaction was answered exactly one CDR.
type txLedger struct {
	mu     sync.Mutex
	byID   map[string]*chargerTxs
	starts int
	// v2: the chargers are 2.x stations, whose transactions are named by
	// the station (events "started ID", "answered Started ID", "stopped
	// ID", "answered Ended ID"; see Charger2).
	v2 bool
}

// chargerTxs are one charger's transactions. A 1.6 charger's transaction
// events carry the session's start ("at=", Unix nanoseconds), so that an
// answer is matched to its own session: a transaction message the charger
// gave up after its attempts (OCPP 1.6 §4.10) is never answered, and
// matching answers in order would hand the next session's transactionId, or
// its stop, to the one given up.
type chargerTxs struct {
	all  []*ledgerTx
	byTx map[string]*ledgerTx
}

// find returns the connector's transaction started at key (the latest one
// for which ok holds when key is empty: events without a key).
func (t *chargerTxs) find(connector int, key string, ok func(*ledgerTx) bool) *ledgerTx {
	for i := len(t.all) - 1; i >= 0; i-- {
		tx := t.all[i]
		if tx.connector != connector {
			continue
		}
		if key != "" && tx.key == key || key == "" && ok(tx) {
			return tx
		}
	}
	return nil
}

// detailField returns the value of "name=" in an event's detail.
func detailField(detail, name string) string {
	for _, f := range strings.Fields(detail) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}

// ledgerTx is one transaction seen by a simulated charger.
type ledgerTx struct {
	connector    int
	key          string // 1.6: the session's start (the events' "at=")
	txID         int    // 0 until StartTransaction is answered
	chargerTx    string // 2.x: the station's transactionId
	startAnswer  bool   // 2.x: TransactionEvent Started answered
	stopQueued   bool
	stopAnswered bool
}

func newTxLedger() *txLedger { return &txLedger{byID: map[string]*chargerTxs{}} }

func (l *txLedger) charger(identity string) *chargerTxs {
	t := l.byID[identity]
	if t == nil {
		t = &chargerTxs{}
		l.byID[identity] = t
	}
	return t
}

// onEvent is a Config.OnEvent hook: quick, under one lock.
func (l *txLedger) onEvent(ev Event) {
	if ev.Kind != EventTransaction {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.charger(ev.Identity)
	if l.v2 {
		l.onEvent2(t, ev)
		return
	}
	key := detailField(ev.Detail, "at")
	switch {
	case strings.HasPrefix(ev.Detail, "started"):
		t.all = append(t.all, &ledgerTx{connector: ev.Connector, key: key})
		l.starts++
	case strings.HasPrefix(ev.Detail, "transactionId="):
		tx := t.find(ev.Connector, key, func(tx *ledgerTx) bool { return tx.txID == 0 })
		if tx == nil {
			return
		}
		idStr, _, _ := strings.Cut(strings.TrimPrefix(ev.Detail, "transactionId="), " ")
		tx.txID, _ = strconv.Atoi(idStr)
	case strings.HasPrefix(ev.Detail, "stopped"):
		if tx := t.find(ev.Connector, key, func(tx *ledgerTx) bool { return !tx.stopQueued }); tx != nil {
			tx.stopQueued = true
		}
	case strings.HasPrefix(ev.Detail, "stop answered"):
		if tx := t.find(ev.Connector, key, func(tx *ledgerTx) bool { return tx.stopQueued && !tx.stopAnswered }); tx != nil {
			tx.stopAnswered = true
		}
	}
}

// onEvent2 follows a 2.x station's transaction events.
func (l *txLedger) onEvent2(t *chargerTxs, ev Event) {
	if t.byTx == nil {
		t.byTx = map[string]*ledgerTx{}
	}
	verb, id, _ := strings.Cut(ev.Detail, " ")
	if verb == "answered" {
		var what string
		what, id, _ = strings.Cut(id, " ")
		if tx := t.byTx[id]; tx != nil {
			switch what {
			case "Started":
				tx.startAnswer = true
			case "Ended":
				tx.stopAnswered = true
			}
		}
		return
	}
	switch verb {
	case "started":
		tx := &ledgerTx{connector: ev.Connector, chargerTx: id}
		t.all = append(t.all, tx)
		t.byTx[id] = tx
		l.starts++
	case "stopped":
		if tx := t.byTx[id]; tx != nil {
			tx.stopQueued = true
		}
	}
}

// ledgerCounts summarise a ledger.
type ledgerCounts struct {
	Started, Answered, StopsQueued, StopsAnswered int
}

func (l *txLedger) counts() ledgerCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := ledgerCounts{Started: l.starts}
	for _, t := range l.byID {
		for _, tx := range t.all {
			if tx.txID != 0 || tx.startAnswer {
				c.Answered++
			}
			if tx.stopQueued {
				c.StopsQueued++
			}
			if tx.stopAnswered {
				c.StopsAnswered++
			}
		}
	}
	return c
}

// writeCSV writes identity,connector,transaction_id,stop_answered lines,
// one per transaction (transaction_id 0: StartTransaction never answered).
func (l *txLedger) writeCSV(w io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.byID))
	for id := range l.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	cw := csv.NewWriter(w)
	if l.v2 {
		return l.writeCSV2(cw, ids)
	}
	_ = cw.Write([]string{"identity", "connector", "transaction_id", "stop_answered"})
	for _, id := range ids {
		for _, tx := range l.byID[id].all {
			_ = cw.Write([]string{id, strconv.Itoa(tx.connector), strconv.Itoa(tx.txID), strconv.FormatBool(tx.stopAnswered)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sim: write transactions: %w", err)
	}
	return nil
}

// writeCSV2 writes identity,evse,charger_tx_id,start_answered,stop_answered
// lines of 2.x stations (bench/check-transactions.sh reads them).
func (l *txLedger) writeCSV2(cw *csv.Writer, ids []string) error {
	_ = cw.Write([]string{"identity", "evse", "charger_tx_id", "start_answered", "stop_answered"})
	for _, id := range ids {
		for _, tx := range l.byID[id].all {
			_ = cw.Write([]string{id, strconv.Itoa(tx.connector), tx.chargerTx, strconv.FormatBool(tx.startAnswer), strconv.FormatBool(tx.stopAnswered)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sim: write transactions: %w", err)
	}
	return nil
}
