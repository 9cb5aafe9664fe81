package lms

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// Notifying wraps a LoadManagementService so that a stored model or meter
// reading is published on the bus after its commit: the loop (on this node
// or another) recomputes the site at once.
func Notifying(svc volt.LoadManagementService, bus volt.EventBus) volt.LoadManagementService {
	return &notifying{LoadManagementService: svc, bus: bus}
}

type notifying struct {
	volt.LoadManagementService
	bus volt.EventBus
}

func (n *notifying) SetLoadManagement(ctx context.Context, m *volt.LoadManagement) error {
	if err := n.LoadManagementService.SetLoadManagement(ctx, m); err != nil {
		return err
	}
	n.bus.Publish(ctx, volt.Event{Type: volt.EventLoadManagement, At: time.Now(), Data: m})
	return nil
}

func (n *notifying) RecordMeterReading(ctx context.Context, r *volt.SiteMeterReading) error {
	if err := n.LoadManagementService.RecordMeterReading(ctx, r); err != nil {
		return err
	}
	n.bus.Publish(ctx, volt.Event{Type: volt.EventMeterReading, At: r.At, Data: r})
	return nil
}
