package certify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	volt "github.com/volt-ev/volt"
)

type fakeCatalogue struct {
	volt.CertificationService
	err     error
	pending []string
}

func (f *fakeCatalogue) UpdateModel(_ context.Context, id string, u volt.ChargerModelUpdate) (*volt.ChargerModel, error) {
	if f.err != nil {
		return nil, f.err
	}
	m := &volt.ChargerModel{ID: id}
	if u.Certified != nil {
		m.Certified = *u.Certified
	}
	return m, nil
}

func (f *fakeCatalogue) PendingChargers(context.Context, string) ([]string, error) {
	return f.pending, nil
}

type fakeCommander struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeCommander) Call(_ context.Context, cpid, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	f.mu.Lock()
	f.calls = append(f.calls, cpid+" "+action+" "+string(b))
	f.mu.Unlock()
	if cpid == "000009" {
		return nil, volt.Errorf(volt.ECHARGEROFFLINE, "offline")
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

// TestCertifyingWakesPendingChargers: certifying sends TriggerMessage
// BootNotification to each pending charger (an offline one does not fail
// the certification); other changes and failed updates send nothing.
func TestCertifyingWakesPendingChargers(t *testing.T) {
	yes, no := true, false
	notes := "n"
	for _, c := range []struct {
		name string
		u    volt.ChargerModelUpdate
		err  error
		want []string
	}{
		{"certify", volt.ChargerModelUpdate{Certified: &yes}, nil, []string{
			`000001 TriggerMessage {"requestedMessage":"BootNotification"}`,
			`000009 TriggerMessage {"requestedMessage":"BootNotification"}`}},
		{"withdraw", volt.ChargerModelUpdate{Certified: &no}, nil, nil},
		{"notes only", volt.ChargerModelUpdate{Notes: &notes}, nil, nil},
		{"refused", volt.ChargerModelUpdate{Certified: &yes}, volt.Errorf(volt.EFORBIDDEN, "no"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := &fakeCommander{}
			s := New(&fakeCatalogue{err: c.err, pending: []string{"000001", "000009"}}, cmd, nil)
			_, err := s.UpdateModel(context.Background(), "cmo_1", c.u)
			if !errors.Is(err, c.err) && volt.ErrorCode(err) != volt.ErrorCode(c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			s.Wait()
			slices.Sort(cmd.calls)
			if !slices.Equal(cmd.calls, c.want) {
				t.Errorf("calls %q, want %q", cmd.calls, c.want)
			}
		})
	}
}
