package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/volt-ev/volt/report"
)

// signageRoutes serve the printable charger stickers, sticker sheets and
// site posters (issue #16 item 7), read with the actor's scope.
func (a *Admin) signageRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/chargers/{cpid}/sticker.pdf", a.auth(a.signPDF(func(g report.Signage, s *sess, w io.Writer, r *http.Request) (string, error) {
		return g.ChargerSticker(s.ctx, w, r.PathValue("cpid"))
	})))
	m.HandleFunc("GET "+p+"/sites/{id}/stickers.pdf", a.auth(a.signPDF(func(g report.Signage, s *sess, w io.Writer, r *http.Request) (string, error) {
		return g.SiteStickers(s.ctx, w, r.PathValue("id"))
	})))
	m.HandleFunc("GET "+p+"/sites/{id}/poster.pdf", a.auth(a.signPDF(func(g report.Signage, s *sess, w io.Writer, r *http.Request) (string, error) {
		return g.SitePoster(s.ctx, w, r.PathValue("id"))
	})))
	m.HandleFunc("GET "+p+"/charger-groups/{id}/stickers.pdf", a.auth(a.signPDF(func(g report.Signage, s *sess, w io.Writer, r *http.Request) (string, error) {
		return g.GroupStickers(s.ctx, w, r.PathValue("id"))
	})))
}

// signPDF answers the PDF render writes; links on it point under the
// portal's public origin (baseURL).
func (a *Admin) signPDF(render func(report.Signage, *sess, io.Writer, *http.Request) (string, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		g := report.Signage{Hierarchy: a.cfg.Hierarchy, Chargers: a.cfg.Chargers, Tariffs: a.cfg.Tariffs, Base: a.baseURL(r)}
		var b bytes.Buffer
		name, err := render(g, s, &b, r)
		if err != nil {
			a.fail(w, r, s, fmt.Errorf("signage %s: %w", r.URL.Path, err))
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b.Bytes())
	}
}
