package pnc

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// PoolHandler serves an Installer over the HTTP shape HTTPPool speaks (see
// httppool.go): POST {"exiRequest", "xsdMsgDefNamespace",
// "iso15118SchemaVersion", "action"} → {"status", "exiResponse"}, behind
// a bearer token when Token is set. With a *Pool reading TestEXI it is a
// test and lab pool (`voltd pnc-pool`): TestEXI is JSON, not ISO 15118's
// EXI, so no real vehicle can speak to it.
type PoolHandler struct {
	Installer Installer
	// Token, when set, is the bearer token callers must send.
	Token string
	// Log records refused and failed calls; default slog.Default().
	Log *slog.Logger
}

func (h *PoolHandler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func poolError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ServeHTTP implements http.Handler.
func (h *PoolHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		poolError(w, http.StatusMethodNotAllowed, "POST a certificate installation request")
		return
	}
	if h.Token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pnc-pool"`)
			poolError(w, http.StatusUnauthorized, "invalid_token")
			h.log().Warn("pnc pool: refused a caller without the token", "remote", r.RemoteAddr)
			return
		}
	}
	var req poolRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxPoolAnswer))
	if err := dec.Decode(&req); err != nil || req.EXIRequest == "" || (req.Action != "Install" && req.Action != "Update") {
		poolError(w, http.StatusBadRequest, "want exiRequest (base64) and action Install or Update")
		return
	}
	schema := req.SchemaVersion
	if schema == "" {
		schema = req.XSDMsgDefNamespace
	}
	status, exi, err := h.Installer.Get15118EVCertificate(r.Context(), schema, req.Action, req.EXIRequest)
	if err != nil {
		h.log().Warn("pnc pool: installation failed", "action", req.Action, "err", err)
		poolError(w, http.StatusBadGateway, "installation failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(poolAnswerJSON{Status: status, EXIResponse: exi})
}
