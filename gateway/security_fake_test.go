package gateway

import (
	"context"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// fakeSecurity is an in-memory volt.ChargerSecurityService over the fake
// charging service's chargers.
type fakeSecurity struct {
	f       *fakeCharging
	mu      sync.Mutex
	sec     map[string]*volt.ChargerSecurity
	certs   []volt.ChargerCertificate
	revoked map[string]bool
	events  []volt.SecurityEvent
	cpoOf   map[string]string // identity → CPO (default cpo-1), under f.mu
}

func newFakeSecurity(f *fakeCharging) *fakeSecurity {
	return &fakeSecurity{f: f, sec: map[string]*volt.ChargerSecurity{}, revoked: map[string]bool{}}
}

func (s *fakeSecurity) FindChargerByIdentity(_ context.Context, identity string) (*volt.Charger, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	c, ok := s.f.chargers[identity]
	if !ok {
		return nil, volt.Errorf(volt.ENOTFOUND, "no charger")
	}
	cpo := "cpo-1"
	if s.cpoOf[identity] != "" {
		cpo = s.cpoOf[identity]
	}
	return &volt.Charger{CPID: c.cpid, OCPPIdentity: identity, CPOID: cpo}, nil
}

func (s *fakeSecurity) get(cpid string) *volt.ChargerSecurity {
	if s.sec[cpid] == nil {
		s.sec[cpid] = &volt.ChargerSecurity{CPID: cpid, SecurityProfile: 1}
	}
	return s.sec[cpid]
}

func (s *fakeSecurity) FindChargerSecurity(_ context.Context, cpid string) (*volt.ChargerSecurity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s.get(cpid)
	return &c, nil
}

func (s *fakeSecurity) SetSecurityProfile(_ context.Context, cpid string, p int) (*volt.ChargerSecurity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(cpid).SecurityProfile = p
	c := *s.get(cpid)
	return &c, nil
}

func (s *fakeSecurity) StartUpgrade(_ context.Context, cpid string, p int, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.get(cpid)
	c.PendingProfile, c.PendingUntil, c.UpgradeStatus = p, &until, "Pending"
	if p == 0 {
		c.PendingUntil, c.UpgradeStatus = nil, "RolledBack"
	}
	return nil
}

func (s *fakeSecurity) RecordConnectedProfile(_ context.Context, cpid string, p int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.get(cpid)
	c.ConnectedProfile = p
	if c.PendingProfile > 0 && p >= c.PendingProfile {
		c.SecurityProfile, c.PendingProfile, c.PendingUntil, c.UpgradeStatus = max(c.SecurityProfile, c.PendingProfile), 0, nil, "Done"
	}
	return nil
}

func (s *fakeSecurity) RollBackUpgrades(context.Context, time.Time) ([]string, error) {
	return nil, nil
}

func (s *fakeSecurity) RecordCertificate(_ context.Context, c volt.ChargerCertificate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs = append(s.certs, c)
	return nil
}

func (s *fakeSecurity) FindCertificates(_ context.Context, cpid string) ([]volt.ChargerCertificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []volt.ChargerCertificate
	for _, c := range s.certs {
		if c.CPID == cpid {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *fakeSecurity) RevokeCertificate(_ context.Context, _, serial, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[serial] = true
	return nil
}

func (s *fakeSecurity) IsRevoked(_ context.Context, serial string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[serial], nil
}

func (s *fakeSecurity) CertificatesExpiring(context.Context, time.Time) ([]volt.ChargerCertificate, error) {
	return nil, nil
}

func (s *fakeSecurity) RecordSecurityEvent(_ context.Context, e volt.SecurityEvent) (*volt.SecurityEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.ID = int64(len(s.events) + 1)
	s.events = append(s.events, e)
	return &e, nil
}

func (s *fakeSecurity) FindSecurityEvents(_ context.Context, cpid string, _ int) ([]volt.SecurityEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []volt.SecurityEvent
	for _, e := range s.events {
		if e.CPID == cpid {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *fakeSecurity) eventTypes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		out = append(out, e.Type)
	}
	return out
}
