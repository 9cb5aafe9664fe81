package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
)

// wireOCPI mounts the OCPI 2.2.1 endpoints under /ocpi/ and the open data
// feed, and starts the loop that delivers pushes owed to partners (issue
// 14). The services are the store's own: the OCPI side reads the estate
// as the system, and partners (not operators) are its callers.
func (m *Main) wireOCPI(ctx context.Context, mux *http.ServeMux, ocpiStore *store.OCPIService, charging volt.ChargingService, commander volt.ChargerCommander) *ocpi.Server {
	srv := &ocpi.Server{
		Store:       ocpiStore,
		Partners:    ocpiStore,
		Hierarchy:   store.NewHierarchyService(m.DB),
		Chargers:    store.NewChargerService(m.DB),
		Tariffs:     store.NewTariffService(m.DB),
		Charging:    charging,
		Commander:   commander,
		BaseURL:     m.publicBase(),
		Logger:      m.Logger.With("component", "ocpi"),
		Relaxations: []string{ocpi.RelaxRawToken},
	}
	if rs, ok := charging.(volt.ReservationService); ok {
		srv.Reservations = rs // RESERVE_NOW keeps what the charger accepted
	}
	mux.Handle("/ocpi/", srv.Handler())
	mux.Handle("GET /api/v1/open-data/locations", &ocpi.OpenData{Server: srv})

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	tick := make(chan struct{})
	done := make(chan struct{})
	statusDone := make(chan struct{})
	go func() {
		defer close(done)
		srv.RunPushes(runCtx, tick)
	}()
	go func() {
		defer close(statusDone)
		srv.FollowStatuses(runCtx, m.Bus, statusFlush)
	}()
	go func() {
		t := time.NewTicker(pushTick)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				select {
				case tick <- struct{}{}:
				default: // a delivery round is still running
				}
			}
		}
	}()
	m.onClose(func(context.Context) error { cancel(); <-done; <-statusDone; return nil })
	// TODO(issue 14): pull partner locations and tariffs on a schedule
	// (srv.PullLocations), audit records of partner changes (an audit
	// wrapper of volt.OCPIPartnerService), the reconciliation's PDF and a
	// register form on the portal's partner page.
	return srv
}

// pushTick is how often the OCPI push loop runs (a round still running
// skips a tick); statusFlush how often gathered EVSE status changes are
// queued (coalesced per EVSE and partner).
const (
	pushTick    = 5 * time.Second
	statusFlush = 500 * time.Millisecond
)

// publicBase is the public URL partners reach Volt at: VOLT_PUBLIC_URL,
// else the HTTP listener.
func (m *Main) publicBase() string {
	if u := strings.TrimRight(m.Config.PublicURL, "/"); u != "" {
		return u
	}
	return "http://" + m.Config.HTTPAddr
}
