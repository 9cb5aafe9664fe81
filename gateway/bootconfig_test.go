package gateway

import (
	"fmt"
	"testing"
)

// After a boot the charger's configuration is read by at most
// configCallers workers: the boots beyond them wait in the queue, holding
// no goroutine and no answer, and are asked in the order they booted as
// answers come back.
func TestBootConfigurationReadByFewCallers(t *testing.T) {
	h := newHarness(t, nil)
	n := configCallers + 2
	h.fake.mu.Lock()
	for i := range n {
		h.fake.chargers[fmt.Sprintf("BQ-%02d", i)] = fakeCharger{fmt.Sprintf("9%05d", i), "secret"}
	}
	h.fake.mu.Unlock()
	cs := make([]*charger, n)
	asked := make([]frame, n)
	boot := func(i int) {
		cs[i] = h.connect(fmt.Sprintf("BQ-%02d", i), "secret")
		cs[i].callOK("BootNotification", map[string]any{"chargePointVendor": "ACME", "chargePointModel": "Q"}, nil)
	}
	ask := func(i int) {
		f := cs[i].read()
		if f.typ() != 2 || f.str(2) != "GetConfiguration" {
			t.Fatalf("charger %d got %s, want GetConfiguration", i, joinFrame(f))
		}
		asked[i] = f
	}
	answer := func(i int) { cs[i].sendRaw(`[3,` + string(asked[i][1]) + `,{"configurationKey":[]}]`) }
	for i := range configCallers {
		boot(i)
		ask(i) // unanswered: each holds a caller
	}
	for i := configCallers; i < n; i++ {
		boot(i)
		waitFor(t, fmt.Sprintf("%d boots queued", i-configCallers+1), func() bool { return h.g.bootQ.len() == i-configCallers+1 })
	}
	answer(0) // a caller comes free: the oldest queued boot is asked
	ask(configCallers)
	waitFor(t, "one boot queued", func() bool { return h.g.bootQ.len() == 1 })
	for i := 1; i <= configCallers; i++ {
		answer(i)
	}
	ask(n - 1)
	answer(n - 1)
	stored := func() int {
		k := 0
		for _, c := range h.fake.called() {
			if c == "RecordConfiguration" {
				k++
			}
		}
		return k
	}
	waitFor(t, "every configuration stored", func() bool { return stored() == n })
}
