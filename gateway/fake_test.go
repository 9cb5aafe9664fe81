package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// fakeCharging is a volt.ChargingService that records every call.
type fakeCharging struct {
	mu sync.Mutex
	// frameFailures is how many LogFrames calls fail before they store.
	frameFailures int
	chargers      map[string]fakeCharger // by identity
	calls         []string               // method names in order
	status        []volt.StatusReport
	boots         []volt.BootInfo
	online        []bool
	starts        []volt.StartRequest
	meters        []volt.MeterReport
	stops         []volt.StopRequest
	zombies       []string // "connector:reason"
	config        [][]volt.ConfigKey
	frames        []volt.FrameLog
	nextTx        int64
	startErr      error
	bootErr       error
	statusErr     error
	relax         []string
	block         chan struct{} // when set, RecordHeartbeat waits on it
	authHold      chan struct{} // when set, AuthenticateCharger waits on it
	authCalls     int           // AuthenticateCharger calls begun
	// handshake, when set, comes with every authenticated charger, whose
	// stored make and model are then "Vendor" "Model".
	handshake  *volt.ChargerHandshake
	relaxReads int // ChargerRelaxations calls
}

type fakeCharger struct{ cpid, password string }

func newFake() *fakeCharging {
	return &fakeCharging{chargers: map[string]fakeCharger{
		"CP-1": {"000001", "secret-1"},
		"CP-2": {"000002", "secret-2"},
	}, nextTx: 1000}
}

func (f *fakeCharging) record(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

func (f *fakeCharging) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeCharging) AuthenticateCharger(_ context.Context, identity, password string) (*volt.Charger, error) {
	f.mu.Lock()
	f.authCalls++
	hold := f.authHold
	f.mu.Unlock()
	if hold != nil {
		<-hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.chargers[identity]
	if !ok || c.password != password {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "bad credentials")
	}
	ch := &volt.Charger{CPID: c.cpid, OCPPIdentity: identity, CPOID: "cpo-1"}
	if f.handshake != nil {
		hs := *f.handshake
		ch.Handshake, ch.Vendor, ch.Model = &hs, "Vendor", "Model"
	}
	return ch, nil
}

func (f *fakeCharging) ChargerRelaxations(context.Context, string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.relaxReads++
	return f.relax, nil
}

func (f *fakeCharging) RecordConnection(_ context.Context, _ string, online bool, _ string, _ time.Time) error {
	f.record("RecordConnection")
	f.mu.Lock()
	f.online = append(f.online, online)
	f.mu.Unlock()
	return nil
}

func (f *fakeCharging) RecordBoot(_ context.Context, _ string, b volt.BootInfo) error {
	f.record("RecordBoot")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bootErr != nil {
		return f.bootErr
	}
	f.boots = append(f.boots, b)
	return nil
}

func (f *fakeCharging) RecordHeartbeat(ctx context.Context, _ string, _ time.Time) error {
	f.record("RecordHeartbeat")
	f.mu.Lock()
	block := f.block
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
		}
	}
	return nil
}

func (f *fakeCharging) RecordStatus(_ context.Context, r volt.StatusReport) error {
	f.record("RecordStatus")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statusErr != nil {
		return f.statusErr
	}
	f.status = append(f.status, r)
	return nil
}

func (f *fakeCharging) RecordConfiguration(_ context.Context, _ string, keys []volt.ConfigKey) error {
	f.record("RecordConfiguration")
	f.mu.Lock()
	f.config = append(f.config, keys)
	f.mu.Unlock()
	return nil
}

func (f *fakeCharging) AuthorizeIDTag(_ context.Context, _, idTag string) (volt.AuthResult, error) {
	f.record("AuthorizeIDTag")
	if idTag == "PANIC" {
		panic("fake: boom")
	}
	if idTag == "BLOCKED" {
		return volt.AuthResult{Status: volt.AuthBlocked}, nil
	}
	return volt.AuthResult{Status: volt.AuthAccepted, UserID: "u1"}, nil
}

func (f *fakeCharging) StartTransaction(_ context.Context, r volt.StartRequest) (*volt.StartResult, error) {
	f.record("StartTransaction")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.starts = append(f.starts, r)
	f.nextTx++
	s := &volt.Session{ID: "s1", TransactionID: f.nextTx, CPID: r.CPID, ConnectorID: r.ConnectorID, CPOID: "cpo-1", MeterStart: r.MeterStart}
	return &volt.StartResult{TransactionID: f.nextTx, Auth: volt.AuthResult{Status: volt.AuthAccepted}, Session: s}, nil
}

func (f *fakeCharging) RecordMeterValues(_ context.Context, r volt.MeterReport) (*volt.Session, error) {
	f.record("RecordMeterValues")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meters = append(f.meters, r)
	return &volt.Session{ID: "s1", CPID: r.CPID, CPOID: "cpo-1"}, nil
}

func (f *fakeCharging) StopTransaction(_ context.Context, r volt.StopRequest) (*volt.StopResult, error) {
	f.record("StopTransaction")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops = append(f.stops, r)
	s := &volt.Session{ID: "s1", TransactionID: r.TransactionID, CPID: r.CPID, CPOID: "cpo-1", Status: volt.SessionCompleted}
	return &volt.StopResult{Session: s, CDR: volt.NewCDR(s, nil)}, nil
}

func (f *fakeCharging) CloseZombieSessions(_ context.Context, _ string, connectorID int, reason string, _ time.Time) ([]*volt.CDR, error) {
	f.record("CloseZombieSessions")
	f.mu.Lock()
	f.zombies = append(f.zombies, fmt.Sprintf("%d:%s", connectorID, reason))
	f.mu.Unlock()
	return nil, nil
}

func (f *fakeCharging) LogFrames(_ context.Context, frames []volt.FrameLog) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frameFailures > 0 {
		f.frameFailures--
		return volt.Errorf(volt.EUNAVAILABLE, "no database connection in time")
	}
	f.frames = append(f.frames, frames...)
	return nil
}

func (f *fakeCharging) FindSessionByID(context.Context, string) (*volt.Session, error) {
	return nil, volt.Errorf(volt.ENOTFOUND, "no session")
}

func (f *fakeCharging) FindSessions(context.Context, volt.SessionFilter) ([]*volt.Session, int, error) {
	return nil, 0, nil
}

func (f *fakeCharging) FindCDRs(context.Context, volt.SessionFilter) ([]*volt.CDR, int, error) {
	return nil, 0, nil
}

func (f *fakeCharging) FindFrames(context.Context, string, int64, int) ([]*volt.FrameLog, error) {
	return nil, nil
}

func (f *fakeCharging) FindMeterValues(context.Context, string) ([]volt.MeterSample, error) {
	return nil, nil
}

func (f *fakeCharging) FindConfiguration(context.Context, string) ([]volt.ConfigKey, error) {
	return nil, nil
}

var _ volt.ChargingService = (*fakeCharging)(nil)
