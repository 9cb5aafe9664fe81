package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/lms"
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
		// An eMSP's charging profile on a load-managed site is a cap the
		// loop applies (startLoadManagement's Profiles).
		Sites: store.NewLoadManagementService(m.DB),
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
		srv.FollowStatuses(runCtx, statusFlush)
	}()
	go func() {
		t := time.NewTicker(m.Config.OCPIPushInterval)
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
	pullDone := make(chan struct{})
	go func() {
		defer close(pullDone)
		m.runOCPIPulls(runCtx, srv)
	}()
	receiptsDone := make(chan struct{})
	go func() {
		defer close(receiptsDone)
		m.runRoamingReceipts(runCtx, srv) // ocpi_receipts.go
	}()
	m.onClose(func(context.Context) error {
		cancel()
		<-done
		<-statusDone
		<-pullDone
		<-receiptsDone
		return nil
	})
	return srv
}

// runOCPIPulls pulls every connected partner CPO's locations and tariffs
// each Config.OCPIPullInterval (0: never), on one node of a cluster per
// period (m.once: the leader lease; a single node always). A partner that fails
// keeps its last error and the others are still pulled; the first round
// runs at start, so a restarted node is current at once.
func (m *Main) runOCPIPulls(ctx context.Context, srv *ocpi.Server) {
	every := m.Config.OCPIPullInterval
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if m.once(ctx, "ocpi-pull", every) {
			sys := volt.NewContextWithActor(ctx, volt.SystemActor)
			partners, err := srv.Store.ConnectedOCPIPartners(sys, volt.OCPIRoleCPO)
			if err != nil && ctx.Err() == nil {
				m.Logger.Warn("ocpi pull: partners", "err", err)
			}
			for _, p := range partners {
				if p.Endpoint("locations", "SENDER") == "" {
					continue
				}
				if n, err := srv.PullLocations(sys, p.ID); err != nil && ctx.Err() == nil {
					m.Logger.Warn("ocpi pull: locations", "partner", p.ID, "err", err)
				} else if err == nil {
					m.Logger.Debug("ocpi pull: locations", "partner", p.ID, "locations", n)
				}
				if p.Endpoint("tariffs", "SENDER") == "" {
					continue
				}
				if _, err := srv.PullTariffs(sys, p.ID); err != nil && ctx.Err() == nil {
					m.Logger.Warn("ocpi pull: tariffs", "partner", p.ID, "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// statusFlush is how often a round of EVSE status pushes runs (the
// changes of a round coalesced per EVSE and partner, ocpi.DeliverStatuses);
// the other pushes' loop runs every Config.OCPIPushInterval (a round still
// running skips a tick).
const statusFlush = 500 * time.Millisecond

// publicBase is the public URL partners reach Volt at: VOLT_PUBLIC_URL,
// else the HTTP listener.
func (m *Main) publicBase() string {
	if u := strings.TrimRight(m.Config.PublicURL, "/"); u != "" {
		return u
	}
	return "http://" + m.Config.HTTPAddr
}

// followLimits tells the OCPI side each transaction limit the load
// management loop got applied: a roaming eMSP that set a profile on the
// session is sent its new ActiveChargingProfile (issue 14).
func followLimits(mgr *lms.Manager, srv *ocpi.Server) {
	if mgr == nil || srv == nil {
		return
	}
	mgr.OnApplied(func(ctx context.Context, l lms.Limit) { srv.LimitApplied(ctx, l.SessionID, l.CurrentA) })
}
