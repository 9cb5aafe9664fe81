package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Issue 19: the fleet's monthly invoice from the fleet page, as PDF or CSV
// (the same documents as GET /api/v1/fleets/{id}/invoices/{month}).

func (a *Admin) fleetInvoiceRoutes() {
	a.mux.HandleFunc("GET "+AdminPrefix+"/fleets/{id}/invoices/{file}", a.auth(a.fleetInvoice))
}

func (a *Admin) fleetInvoice(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	file := r.PathValue("file")
	month, kind, ok := strings.Cut(file, ".")
	if !ok || (kind != "pdf" && kind != "csv") {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "There is no invoice %q: ask for MONTH.pdf or MONTH.csv.", file))
		return
	}
	inv, err := a.cfg.FleetBilling.FleetInvoice(s.ctx, r.PathValue("id"), month)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var b bytes.Buffer
	name := "fleet-invoice-" + inv.Month + "-" + inv.FleetID + "." + kind
	if kind == "csv" {
		err = report.WriteFleetInvoiceCSV(&b, inv)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h := report.FleetInvoiceHeading{Company: inv.OwnerID}
		sys := volt.NewContextWithActor(s.ctx, volt.SystemActor) // the invoice names its parties to a fleet manager too
		if o, err := a.cfg.Hierarchy.FindOwnerByID(sys, inv.OwnerID); err == nil {
			h.Company = o.Name
			if c, err := a.cfg.Hierarchy.FindCPOByID(sys, o.CPOID); err == nil {
				h.Issuer = c.Name
			}
		}
		err = report.WriteFleetInvoicePDF(&b, inv, h)
		w.Header().Set("Content-Type", "application/pdf")
	}
	if err != nil {
		w.Header().Del("Content-Type")
		a.fail(w, r, s, fmt.Errorf("fleet invoice %s %s: %w", inv.FleetID, inv.Month, err))
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
