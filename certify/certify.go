// Package certify wakes the chargers a certification lets in (issue 16 item
// 4): certifying a charger model sends TriggerMessage BootNotification to
// each of its chargers held at BootNotification Pending, which then boot
// again and are accepted. It wraps a volt.CertificationService and reaches
// the chargers through a volt.ChargerCommander (on many nodes, the one that
// routes to the charger's node).
package certify

import (
	"context"
	"log/slog"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// TriggerTimeout bounds one TriggerMessage to a pending charger.
const TriggerTimeout = 30 * time.Second

// Service is a volt.CertificationService that triggers the boots of a newly
// certified model's pending chargers.
type Service struct {
	volt.CertificationService
	Commander volt.ChargerCommander
	Logger    *slog.Logger // nil: discarded

	wg sync.WaitGroup
}

// New returns the waking decorator of svc.
func New(svc volt.CertificationService, cmd volt.ChargerCommander, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{CertificationService: svc, Commander: cmd, Logger: log}
}

// UpdateModel changes the model; when it certified it, the model's pending
// chargers are sent TriggerMessage BootNotification in the background (the
// answer to the certifier does not wait for chargers).
func (s *Service) UpdateModel(ctx context.Context, id string, u volt.ChargerModelUpdate) (*volt.ChargerModel, error) {
	m, err := s.CertificationService.UpdateModel(ctx, id, u)
	if err != nil || u.Certified == nil || !*u.Certified || !m.Certified {
		return m, err
	}
	cpids, err := s.CertificationService.PendingChargers(ctx, id)
	if err != nil {
		s.Logger.Warn("certify: pending chargers not woken", "model", id, "err", err)
		return m, nil
	}
	bg := context.WithoutCancel(ctx)
	for _, cpid := range cpids {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.trigger(bg, cpid)
		}()
	}
	return m, nil
}

// Trigger asks one charger for a new BootNotification.
func (s *Service) trigger(ctx context.Context, cpid string) {
	ctx, cancel := context.WithTimeout(ctx, TriggerTimeout)
	defer cancel()
	res, err := s.Commander.Call(ctx, cpid, "TriggerMessage", map[string]any{"requestedMessage": "BootNotification"})
	if err != nil {
		// Offline or refused: the charger retries its boot at the Pending
		// interval on its own and is accepted then.
		s.Logger.Info("certify: TriggerMessage BootNotification failed; the charger is accepted at its next boot", "cpid", cpid, "err", err)
		return
	}
	s.Logger.Info("certify: BootNotification triggered", "cpid", cpid, "answer", string(res))
}

// Wait waits for the triggers sent so far (tests, shutdown).
func (s *Service) Wait() { s.wg.Wait() }
