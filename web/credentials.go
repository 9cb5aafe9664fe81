package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/volt-ev/volt"
)

// maxImportBytes bounds an uploaded charger import file.
const maxImportBytes = 4 << 20

// chargerRotate rotates the charger's OCPP password through the charger, as
// one action: Volt switches only when the charger accepts.
func (a *Admin) chargerRotate(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	back := AdminPrefix + "/chargers/" + cpid
	if a.cfg.Rotator == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "Password rotation is not available on this server."))
		return
	}
	res, err := a.cfg.Rotator.RotateChargerPassword(s.ctx, cpid)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	if res.PreviousValidUntil == nil {
		a.setFlash(w, r, "error", "The charger answered "+res.Status+": its password is unchanged.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	a.done(w, r, back, "The charger accepted a new password. The old one works until it connects with the new one, at the latest until "+
		res.PreviousValidUntil.UTC().Format(time.RFC1123)+".")
}

// chargerSetPassword sets a chosen OCPP password (moving a charger from
// another back office).
func (a *Admin) chargerSetPassword(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	back := AdminPrefix + "/chargers/" + cpid
	if a.cfg.Credentials == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "Setting passwords is not available on this server."))
		return
	}
	if err := a.cfg.Credentials.SetChargerPassword(s.ctx, cpid, r.PostFormValue("password")); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Charger "+cpid+" now connects with the password you chose.")
}

// importView is the data of the charger import page.
type importView struct {
	Error   string
	Rows    []volt.ImportRowError
	Created []*volt.ChargerCredentials
	URL     string
}

func (a *Admin) importForm(w http.ResponseWriter, r *http.Request, s *sess) {
	a.render(w, r, s, "charger_import", "Import chargers", importView{})
}

// importSubmit onboards the chargers of an uploaded CSV file, all or
// nothing, and shows their passwords once or every row's problems.
func (a *Admin) importSubmit(w http.ResponseWriter, r *http.Request, s *sess) {
	v := importView{URL: a.ocppURL(r, "")}
	if a.cfg.Credentials == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTIMPLEMENTED, "Charger import is not available on this server."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Error = "Choose a CSV file to upload (at most 4 MB)."
		a.renderStatus(w, r, s, http.StatusBadRequest, "charger_import", "Import chargers", v)
		return
	}
	defer file.Close()
	raw, err := io.ReadAll(file)
	if err != nil {
		v.Error = "The file could not be read: " + err.Error()
		a.renderStatus(w, r, s, http.StatusBadRequest, "charger_import", "Import chargers", v)
		return
	}
	rows, err := volt.ParseChargerCSV(bytes.NewReader(raw))
	if err == nil {
		v.Created, err = a.cfg.Credentials.ImportChargers(s.ctx, rows)
	}
	if err != nil {
		v.Error = errText(err)
		if ve, ok := err.(*volt.Error); ok {
			if d, ok := ve.Details.(map[string]any); ok {
				v.Rows, _ = d["rows"].([]volt.ImportRowError)
			}
		}
		a.renderStatus(w, r, s, httpStatus(err), "charger_import", "Import chargers", v)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // the passwords exist only here
	a.renderStatus(w, r, s, http.StatusCreated, "charger_import", "Import chargers", v)
}

// remoteStart starts charging and waits for what came of it: the portal
// never reports "Accepted" for a start whose card the charger then had
// refused.
func (a *Admin) remoteStart(s *sess, cpid string, req map[string]any, res *commandResult) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Minute)
	defer cancel()
	n, _ := req["connectorId"].(int64)
	tag, _ := req["idTag"].(string)
	out, err := a.cfg.RemoteStarter.RemoteStartAndWait(ctx, cpid, volt.RemoteStartRequest{ConnectorID: int(n), IDTag: tag})
	if err != nil {
		res.Error = errText(err)
		return
	}
	res.OK, res.Status = true, out.Status
	if b, err := json.MarshalIndent(out, "", "  "); err == nil {
		res.Answer = string(b)
	}
	switch out.Outcome {
	case volt.RemoteStartStarted:
		res.Outcome = fmt.Sprintf("Charging started on connector %d (transaction %d).", out.Session.ConnectorID, out.Session.TransactionID)
	case volt.RemoteStartRefused:
		res.Outcome, res.Failed = "No session: the card was refused ("+string(out.AuthStatus)+"): "+out.Reason+".", true
	default:
		res.Outcome, res.Failed = "No session: "+out.Reason+".", true
	}
}
