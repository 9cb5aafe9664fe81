package ocpi_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// The coalesced queue (QueueCoalescedPushes) is no longer how EVSE
// statuses travel (status_push.go reads feeds), but ActiveChargingProfile
// pushes still coalesce through it.

// TestCoalescedPushInFlight: a status queued while the previous one of the
// same EVSE is being delivered survives that delivery's success.
func TestCoalescedPushInFlight(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			p := &volt.OCPIPartner{CPOID: A.cpo, Name: "B", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
			_, err := A.store.CreateOCPIPartner(A.admin, p)
			must(t, err)
			push := func(body string) {
				must(t, A.store.QueueCoalescedPushes(sys(), []*volt.OCPIPush{{PartnerID: p.ID, Module: "locations",
					ObjectID: "loc/evse-1", Method: "PATCH", URL: "/GB/AAA/loc/evse-1", Body: []byte(body)}}))
			}
			push(`{"status":"CHARGING"}`)
			due, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(due) != 1 {
				t.Fatalf("due %d, want 1", len(due))
			}
			push(`{"status":"AVAILABLE"}`) // while CHARGING is on the wire
			must(t, A.store.FinishOCPIPush(sys(), due[0].ID, "", time.Now()))
			left, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(left) != 1 || string(left[0].Body) != `{"status":"AVAILABLE"}` {
				t.Errorf("after the delivery of the older status: %+v, want the AVAILABLE push", left)
			}
		})
	}
}

// TestCoalescedPushFailsInFlight: a status queued while the previous one
// of the same EVSE is on the wire to a partner that then fails takes the
// back-off too. Before, the failure was recorded against the replaced row's
// old id, which no longer existed, so the newer status was due at once and
// skipped the back-off (the cause of TestStatusPushes' "a coalesced push
// skipped its back-off" under load: FollowStatuses re-queued the EVSE while
// the test's DeliverDue was sending it).
func TestCoalescedPushFailsInFlight(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			p := &volt.OCPIPartner{CPOID: A.cpo, Name: "B", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
			_, err := A.store.CreateOCPIPartner(A.admin, p)
			must(t, err)
			push := func(body string) {
				must(t, A.store.QueueCoalescedPushes(sys(), []*volt.OCPIPush{{PartnerID: p.ID, Module: "locations",
					ObjectID: "loc/evse-1", Method: "PATCH", URL: "/GB/AAA/loc/evse-1", Body: []byte(body)}}))
			}
			var calls atomic.Int32
			down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					push(`{"status":"AVAILABLE"}`) // queued while CHARGING is on the wire
				}
				http.Error(w, "down", http.StatusServiceUnavailable)
			}))
			defer down.Close()
			_, err = A.store.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "theirs", OurToken: "ours",
				Endpoints: []volt.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: down.URL + "/ocpi/emsp/2.2.1/locations"}}})
			must(t, err)
			push(`{"status":"CHARGING"}`)
			if n, _ := A.srv.DeliverDue(sys(), 10); n != 0 {
				t.Fatalf("delivered %d to a partner down", n)
			}
			if calls.Load() != 1 {
				t.Fatalf("%d sends, want 1", calls.Load())
			}
			if due, _ := A.store.DueOCPIPushes(sys(), time.Now(), 10); len(due) != 0 {
				t.Errorf("the status queued in flight skipped the back-off: %+v", due)
			}
			left, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(left) != 1 || string(left[0].Body) != `{"status":"AVAILABLE"}` || left[0].Attempts != 1 {
				t.Errorf("pending %+v, want the AVAILABLE push after one failed attempt", left)
			}
		})
	}
}
