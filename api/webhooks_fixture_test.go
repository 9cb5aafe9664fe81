package api

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// buildWebhooksAndAlerts gives the tenant a webhook endpoint with one
// delivery (its ticket updated), alert rules and an open alert (its
// connector Faulted).
func buildWebhooksAndAlerts(t *testing.T, db *store.DB, cfg Config, tn *tenant) {
	t.Helper()
	ctx := sys()
	wh := store.NewWebhookService(db)
	al := store.NewAlertService(db)
	ep := &volt.WebhookEndpoint{CPOID: tn.CPO, URL: "https://hooks.example.com/" + tn.Name, Events: []string{volt.EventTicketUpdated}}
	must(t, wh.CreateWebhookEndpoint(ctx, ep))
	tn.Webhook = ep.ID
	urgent := volt.PriorityUrgent
	_, err := cfg.Tickets.UpdateTicket(ctx, tn.Ticket, volt.TicketUpdate{Priority: &urgent})
	must(t, err)
	_, err = al.SetAlertRules(ctx, &volt.AlertRules{CPOID: tn.CPO, Faulted: true})
	must(t, err)
	must(t, cfg.Charging.RecordStatus(ctx, volt.StatusReport{CPID: tn.CPID, ConnectorID: 1, Status: volt.StatusFaulted}))
	for {
		n, err := wh.FanOutWebhooks(context.Background(), 100)
		must(t, err)
		k, err2 := al.EvaluateAlertEvents(context.Background(), 100)
		must(t, err2)
		if n == 0 && k == 0 {
			break
		}
	}
	ds, _, err := wh.FindWebhookDeliveries(ctx, ep.ID, volt.Page{})
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("tenant %s: %d deliveries, want 1", tn.Name, len(ds))
	}
	tn.Delivery = ds[0].ID
	as, _, err := al.FindAlerts(ctx, volt.AlertFilter{CPOID: tn.CPO})
	must(t, err)
	if len(as) != 1 {
		t.Fatalf("tenant %s: %d alerts, want 1", tn.Name, len(as))
	}
	tn.Alert = as[0].ID
}
