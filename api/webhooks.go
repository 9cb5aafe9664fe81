package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Outgoing webhooks and alerts (issue #17 items 5 and 6).

// WebhookEndpointCreate is the body of POST /api/v1/webhook-endpoints. The
// answer carries the signing secret, shown this once.
type WebhookEndpointCreate struct {
	CPOID       string   `json:"cpoId" minLength:"1" maxLength:"64"`
	URL         string   `json:"url" minLength:"1" maxLength:"2000" doc:"An absolute http(s) URL; private, loopback and link-local addresses are refused at delivery."`
	Events      []string `json:"events" minItems:"1" maxItems:"20" doc:"Event types: session.started, session.updated, session.stopped, cdr.created, connector.status, payment.captured, payment.refunded, ticket.created, ticket.updated, alert.opened, alert.resolved."`
	Description string   `json:"description,omitempty" maxLength:"200"`
}

// WebhookEndpointPatch is the body of PATCH /api/v1/webhook-endpoints/{id};
// absent fields are kept. enabled=true re-enables an endpoint disabled for
// failing.
type WebhookEndpointPatch struct {
	URL         *string   `json:"url,omitempty" minLength:"1" maxLength:"2000"`
	Events      *[]string `json:"events,omitempty" minItems:"1" maxItems:"20"`
	Description *string   `json:"description,omitempty" maxLength:"200"`
	Enabled     *bool     `json:"enabled,omitempty"`
}

type webhookListInput struct {
	CPOID string `query:"cpoId" maxLength:"64"`
	PageParams
}

type webhookCreateInput struct{ Body WebhookEndpointCreate }

type webhookPatchInput struct {
	IDInput
	Body WebhookEndpointPatch
}

type webhookDeliveriesInput struct {
	IDInput
	PageParams
}

// AlertAcknowledge is the body of POST /api/v1/alerts/{id}/acknowledge.
type AlertAcknowledge struct {
	TicketID string `json:"ticketId,omitempty" maxLength:"64" doc:"Link the alert to this ticket of the same CPO."`
}

type alertListInput struct {
	CPOID string `query:"cpoId" maxLength:"64"`
	State string `query:"state" enum:"open,acknowledged,resolved,active"`
	PageParams
}

type alertAckInput struct {
	IDInput
	Body AlertAcknowledge
}

// AlertRulesPut is the body of PUT /api/v1/cpos/{id}/alert-rules; a
// field left out turns its rule off.
type AlertRulesPut struct {
	OfflineMinutes    int    `json:"offlineMinutes,omitempty" minimum:"0" maximum:"10080" doc:"Alert when a charger is offline longer than this (minutes)."`
	Faulted           bool   `json:"faulted,omitempty" doc:"Alert when a connector reports Faulted."`
	FailedStarts      int    `json:"failedStarts,omitempty" minimum:"0" maximum:"100" doc:"Alert after this many refused starts in a row on a charger."`
	FinishingMinutes  int    `json:"finishingMinutes,omitempty" minimum:"0" maximum:"10080" doc:"Alert when a connector stays Finishing longer than this (minutes)."`
	MeterBackwards    bool   `json:"meterBackwards,omitempty" doc:"Alert when a session's meter goes backwards."`
	PaymentFailurePct int    `json:"paymentFailurePct,omitempty" minimum:"0" maximum:"100" doc:"Alert when this percentage of the last hour's payments (at least 5) failed."`
	Email             string `json:"email,omitempty" maxLength:"254" doc:"Where alerts and the daily digest are mailed."`
	// The rules linked to reliability, ticket service levels and security.
	ReliabilityTargetPct *volt.Decimal `json:"reliabilityTargetPct,omitempty" pattern:"^[0-9]{1,3}(\\.[0-9]{1,2})?$" patternDescription:"a percentage like \"99\" or \"99.5\"" doc:"Alert when a site or EVSE is below this availability this month so far (UK reg. 7 method, decimal string)."`
	TicketBreaches       bool          `json:"ticketBreaches,omitempty" doc:"Alert when a ticket misses its response or resolution target."`
	SecurityEvents       bool          `json:"securityEvents,omitempty" doc:"Alert on a charger's critical security events."`
}

type alertRulesInput struct {
	IDInput
	Body AlertRulesPut
}

func (s *server) webhookRoutes() {
	a := s.api
	const get, post, patch, del, put = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut
	huma.Register(a, op("listWebhookEndpoints", get, "/webhook-endpoints", "List webhook endpoints", "webhooks", 200), s.listWebhookEndpoints)
	huma.Register(a, op("createWebhookEndpoint", post, "/webhook-endpoints", "Subscribe a URL to event types; answers the signing secret (shown once)", "webhooks", 201), s.createWebhookEndpoint)
	huma.Register(a, op("getWebhookEndpoint", get, "/webhook-endpoints/{id}", "Get a webhook endpoint", "webhooks", 200), s.getWebhookEndpoint)
	huma.Register(a, op("updateWebhookEndpoint", patch, "/webhook-endpoints/{id}", "Change a webhook endpoint, or enable it again", "webhooks", 200), s.patchWebhookEndpoint)
	huma.Register(a, op("deleteWebhookEndpoint", del, "/webhook-endpoints/{id}", "Delete a webhook endpoint and its delivery log", "webhooks", 204), s.deleteWebhookEndpoint)
	huma.Register(a, op("rotateWebhookSecret", post, "/webhook-endpoints/{id}/secret", "Issue a new signing secret (shown once)", "webhooks", 200), s.rotateWebhookSecret)
	huma.Register(a, op("listWebhookDeliveries", get, "/webhook-endpoints/{id}/deliveries", "An endpoint's delivery log: state, attempts, last response code and latency", "webhooks", 200), s.listWebhookDeliveries)
	huma.Register(a, op("replayWebhookDelivery", post, "/webhook-deliveries/{id}/replay", "Send a delivery again now (the same event id and body)", "webhooks", 200), s.replayWebhookDelivery)

	huma.Register(a, op("listAlerts", get, "/alerts", "List alerts", "alerts", 200), s.listAlerts)
	huma.Register(a, op("getAlert", get, "/alerts/{id}", "Get an alert", "alerts", 200), s.getAlert)
	huma.Register(a, op("acknowledgeAlert", post, "/alerts/{id}/acknowledge", "Acknowledge an alert, optionally linking a ticket (support)", "alerts", 200), s.acknowledgeAlert)
	huma.Register(a, op("resolveAlert", post, "/alerts/{id}/resolve", "Resolve an alert by hand (support)", "alerts", 200), s.resolveAlert)
	huma.Register(a, op("getAlertRules", get, "/cpos/{id}/alert-rules", "A CPO's alert rules", "alerts", 200), s.getAlertRules)
	huma.Register(a, op("setAlertRules", put, "/cpos/{id}/alert-rules", "Replace a CPO's alert rules (admins; 0 or false turns a rule off)", "alerts", 200), s.putAlertRules)
}

func (s *server) listWebhookEndpoints(ctx context.Context, in *webhookListInput) (*ListOutput[*volt.WebhookEndpoint], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	items, total, err := s.Webhooks.FindWebhookEndpoints(ctx, in.CPOID, in.page())
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, in.page()), nil
}

func (s *server) createWebhookEndpoint(ctx context.Context, in *webhookCreateInput) (*Out[*volt.WebhookEndpoint], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	e := &volt.WebhookEndpoint{CPOID: in.Body.CPOID, URL: in.Body.URL, Events: in.Body.Events, Description: in.Body.Description}
	if err := s.Webhooks.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(e), nil
}

func (s *server) getWebhookEndpoint(ctx context.Context, in *IDInput) (*Out[*volt.WebhookEndpoint], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	e, err := s.Webhooks.FindWebhookEndpointByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(e), nil
}

func (s *server) patchWebhookEndpoint(ctx context.Context, in *webhookPatchInput) (*Out[*volt.WebhookEndpoint], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	b := in.Body
	e, err := s.Webhooks.UpdateWebhookEndpoint(ctx, in.ID, volt.WebhookEndpointUpdate{URL: b.URL, Events: b.Events, Description: b.Description, Enabled: b.Enabled})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(e), nil
}

func (s *server) deleteWebhookEndpoint(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	if err := s.Webhooks.DeleteWebhookEndpoint(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) rotateWebhookSecret(ctx context.Context, in *IDInput) (*Out[*volt.WebhookEndpoint], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	e, err := s.Webhooks.RotateWebhookSecret(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(e), nil
}

func (s *server) listWebhookDeliveries(ctx context.Context, in *webhookDeliveriesInput) (*ListOutput[*volt.WebhookDelivery], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	items, total, err := s.Webhooks.FindWebhookDeliveries(ctx, in.ID, in.page())
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, in.page()), nil
}

func (s *server) replayWebhookDelivery(ctx context.Context, in *IDInput) (*Out[*volt.WebhookDelivery], error) {
	if s.Webhooks == nil {
		return nil, notWired("webhook")
	}
	d, err := s.Webhooks.ReplayWebhookDelivery(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(d), nil
}

func (s *server) listAlerts(ctx context.Context, in *alertListInput) (*ListOutput[*volt.Alert], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	f := volt.AlertFilter{CPOID: in.CPOID, State: in.State, Page: in.page()}
	items, total, err := s.Alerts.FindAlerts(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getAlert(ctx context.Context, in *IDInput) (*Out[*volt.Alert], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	al, err := s.Alerts.FindAlertByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(al), nil
}

func (s *server) acknowledgeAlert(ctx context.Context, in *alertAckInput) (*Out[*volt.Alert], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	al, err := s.Alerts.AcknowledgeAlert(ctx, in.ID, in.Body.TicketID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(al), nil
}

func (s *server) resolveAlert(ctx context.Context, in *IDInput) (*Out[*volt.Alert], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	al, err := s.Alerts.ResolveAlert(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(al), nil
}

func (s *server) getAlertRules(ctx context.Context, in *IDInput) (*Out[*volt.AlertRules], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	r, err := s.Alerts.FindAlertRules(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(r), nil
}

func (s *server) putAlertRules(ctx context.Context, in *alertRulesInput) (*Out[*volt.AlertRules], error) {
	if s.Alerts == nil {
		return nil, notWired("alert")
	}
	b := in.Body
	rules := &volt.AlertRules{CPOID: in.ID, OfflineMinutes: b.OfflineMinutes, Faulted: b.Faulted,
		FailedStarts: b.FailedStarts, FinishingMinutes: b.FinishingMinutes, MeterBackwards: b.MeterBackwards,
		PaymentFailurePct: b.PaymentFailurePct, Email: b.Email, TicketBreaches: b.TicketBreaches, SecurityEvents: b.SecurityEvents}
	if b.ReliabilityTargetPct != nil {
		rules.ReliabilityTargetPct = *b.ReliabilityTargetPct
	}
	got, err := s.Alerts.SetAlertRules(ctx, rules)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(got), nil
}
