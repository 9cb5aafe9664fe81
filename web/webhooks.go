package web

import (
	"net/http"
	"slices"

	volt "github.com/volt-ev/volt"
)

// The webhooks pages (issue #17 item 6): a CPO's endpoints, the secret shown
// once at creation and rotation, and each endpoint's delivery log with
// replay.

func (a *Admin) webhookRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/webhooks", a.auth(a.webhookList))
	m.HandleFunc("POST "+p+"/webhooks", a.auth(a.webhookCreate))
	m.HandleFunc("GET "+p+"/webhooks/{id}", a.auth(a.webhookDetail))
	m.HandleFunc("POST "+p+"/webhooks/{id}/secret", a.auth(a.webhookRotate))
	m.HandleFunc("POST "+p+"/webhooks/{id}/enabled", a.auth(a.webhookEnable))
	m.HandleFunc("POST "+p+"/webhooks/{id}/delete", a.auth(a.webhookDelete))
	m.HandleFunc("POST "+p+"/webhook-deliveries/{id}/replay", a.auth(a.webhookReplay))
}

// webhooksView is the endpoint list with the subscription form.
type webhooksView struct {
	Endpoints []*volt.WebhookEndpoint
	Pager     pager
	CPOs      []*volt.CPO
	Types     []string
	Form      *volt.WebhookEndpoint
	Editable  bool
	Error     string
	Field     string
}

// Checked reports whether the form subscribes to t.
func (v *webhooksView) Checked(t string) bool {
	return v.Form != nil && slices.Contains(v.Form.Events, t)
}

// webhookView is one endpoint with its delivery log.
type webhookView struct {
	Endpoint   *volt.WebhookEndpoint
	Deliveries []*volt.WebhookDelivery
	Pager      pager
	// Secret is set on the page shown right after creation or rotation.
	Secret string
}

func (a *Admin) webhookList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	a.renderWebhooks(w, r, s, &volt.WebhookEndpoint{Events: []string{volt.EventSessionStarted, volt.EventSessionStopped}}, nil)
}

func (a *Admin) renderWebhooks(w http.ResponseWriter, r *http.Request, s *sess, form *volt.WebhookEndpoint, ferr error) {
	page := pageOf(r, 50)
	list, total, err := a.cfg.Webhooks.FindWebhookEndpoints(s.ctx, "", page)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	cpos, _, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	writable := cpos[:0:0]
	for _, c := range cpos {
		if s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}) {
			writable = append(writable, c)
		}
	}
	v := &webhooksView{Endpoints: list, Pager: newPager(r, page, total), CPOs: writable, Types: volt.WebhookEventTypes,
		Form: form, Editable: len(writable) > 0}
	status := http.StatusOK
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
	}
	a.renderStatus(w, r, s, status, "webhooks", "Webhooks", v)
}

func (a *Admin) webhookCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	_ = r.ParseForm()
	e := &volt.WebhookEndpoint{CPOID: trimForm(r, "cpoId"), URL: trimForm(r, "url"), Description: trimForm(r, "description"), Events: r.PostForm["events"]}
	if err := a.cfg.Webhooks.CreateWebhookEndpoint(s.ctx, e); err != nil {
		a.renderWebhooks(w, r, s, e, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderWebhook(w, r, s, http.StatusCreated, e.ID, e.Secret)
}

func (a *Admin) webhookDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	a.renderWebhook(w, r, s, http.StatusOK, r.PathValue("id"), "")
}

func (a *Admin) renderWebhook(w http.ResponseWriter, r *http.Request, s *sess, status int, id, secret string) {
	e, err := a.cfg.Webhooks.FindWebhookEndpointByID(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	page := pageOf(r, 50)
	ds, total, err := a.cfg.Webhooks.FindWebhookDeliveries(s.ctx, id, page)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderStatus(w, r, s, status, "webhook", "Webhook "+e.URL, &webhookView{Endpoint: e, Deliveries: ds, Pager: newPager(r, page, total), Secret: secret})
}

func (a *Admin) webhookRotate(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	e, err := a.cfg.Webhooks.RotateWebhookSecret(s.ctx, id)
	if err != nil {
		a.refused(w, r, AdminPrefix+"/webhooks/"+id, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderWebhook(w, r, s, http.StatusOK, id, e.Secret)
}

func (a *Admin) webhookEnable(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/webhooks/" + id
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	on := trimForm(r, "enabled") == "true"
	if _, err := a.cfg.Webhooks.UpdateWebhookEndpoint(s.ctx, id, volt.WebhookEndpointUpdate{Enabled: &on}); err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Endpoint disabled: no more deliveries until it is enabled."
	if on {
		msg = "Endpoint enabled: pending deliveries go out again."
	}
	a.done(w, r, back, msg)
}

func (a *Admin) webhookDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	if err := a.cfg.Webhooks.DeleteWebhookEndpoint(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/webhooks/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/webhooks", "Webhook endpoint deleted with its delivery log.")
}

func (a *Admin) webhookReplay(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/webhooks/" + trimForm(r, "endpoint")
	if a.cfg.Webhooks == nil {
		a.notWired(w, r, s, "Webhooks")
		return
	}
	d, err := a.cfg.Webhooks.ReplayWebhookDelivery(s.ctx, r.PathValue("id"))
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, AdminPrefix+"/webhooks/"+d.EndpointID, "Delivery of "+d.EventID+" queued again: it goes out within seconds.")
}
