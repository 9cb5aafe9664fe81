package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// bulkCommands are the commands the portal sends to a whole charger group.
var bulkCommands = []commandSpec{
	{Name: "reset", Label: "Reset", Fields: []commandField{{Name: "type", Label: "Reset kind", Kind: "select", Options: []string{"Soft", "Hard"}, Required: true}}},
	{Name: "change-configuration", Label: "Change configuration", Fields: []commandField{
		{Name: "key", Label: "Key", Kind: "text", Required: true}, {Name: "value", Label: "Value", Kind: "text", Required: true}}},
	{Name: "update-firmware", Label: "Update firmware", Fields: []commandField{
		{Name: "location", Label: "Firmware URL", Kind: "text", Required: true}}},
	{Name: "clear-cache", Label: "Clear authorisation cache"},
	{Name: "change-availability", Label: "Change availability (whole charger)", Fields: []commandField{
		{Name: "type", Label: "Availability", Kind: "select", Options: []string{"Operative", "Inoperative"}, Required: true}}},
}

const (
	maxBulkChargers = 5000 // one bulk job
	bulkWorkers     = 8    // commands in flight at once
)

// bulkView is the data of the bulk command form.
type bulkView struct {
	Groups   []*volt.ChargerGroup
	Commands []commandSpec
	Group    string
	Command  string
	Values   map[string]string
	Error    string
	// Detail names what a command would reach in each group (chargers and
	// running sessions), for the confirmation (bulkDetail).
	Detail map[string]string
}

func (a *Admin) bulkCommandList() []commandSpec {
	var out []commandSpec
	for _, c := range bulkCommands {
		if a.cfg.Commands != nil && a.cfg.Commander != nil {
			if _, ok := a.cfg.Commands(c.Name); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

func (a *Admin) bulkForm(w http.ResponseWriter, r *http.Request, s *sess) {
	v := bulkView{Commands: a.bulkCommandList(), Group: r.FormValue("group"), Values: map[string]string{}}
	a.renderBulk(w, r, s, http.StatusOK, v)
}

func (a *Admin) renderBulk(w http.ResponseWriter, r *http.Request, s *sess, status int, v bulkView) {
	groups, _, err := a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, g := range groups {
		if s.actor.Can(volt.PermCommand, g.Ref()) {
			v.Groups = append(v.Groups, g)
		}
	}
	v.Detail = a.bulkDetail(s, v.Groups)
	a.renderStatus(w, r, s, status, "bulk", "Command a charger group", v)
}

// bulkStart checks the form, lists the group's chargers and sends the
// command to each of them in a background job.
func (a *Admin) bulkStart(w http.ResponseWriter, r *http.Request, s *sess) {
	v := bulkView{Commands: a.bulkCommandList(), Group: r.PostFormValue("group"), Command: r.PostFormValue("command"), Values: map[string]string{}}
	for _, k := range []string{"type", "key", "value", "location"} {
		v.Values[k] = r.PostFormValue(v.Command + "-" + k)
	}
	redo := func(err error) {
		v.Error = errText(err)
		a.renderBulk(w, r, s, httpStatus(err), v)
	}
	var spec commandSpec
	for _, c := range v.Commands {
		if c.Name == v.Command {
			spec = c
		}
	}
	if spec.Name == "" {
		redo(volt.FieldError("command", "Choose a command."))
		return
	}
	action, _ := a.cfg.Commands(spec.Name)
	req, err := bulkRequest(spec, v.Values, a.now())
	if err != nil {
		redo(err)
		return
	}
	g, err := a.cfg.Hierarchy.FindChargerGroupByID(s.ctx, v.Group)
	if err != nil {
		redo(err)
		return
	}
	if !s.actor.Can(volt.PermCommand, g.Ref()) {
		redo(volt.Errorf(volt.EFORBIDDEN, "No command rights on charger group %s.", g.Name))
		return
	}
	cpids, err := a.groupCPIDs(s.ctx, g.ID)
	if err != nil {
		redo(err)
		return
	}
	if len(cpids) == 0 {
		redo(volt.Errorf(volt.EUNPROCESSABLE, "Charger group %s has no chargers.", g.Name))
		return
	}
	title := fmt.Sprintf("%s on the %d chargers of %s", spec.Label, len(cpids), g.Name)
	j, err := a.jobs.start(s.ctx, s.actor.UserID, title, len(cpids), func(ctx context.Context, j *job) (*jobResult, error) {
		return a.runBulk(ctx, j, cpids, spec.Name, action, req)
	})
	if err != nil {
		redo(err)
		return
	}
	http.Redirect(w, r, AdminPrefix+"/jobs/"+j.ID, http.StatusSeeOther)
}

// bulkRequest builds the OCPP request from the fields of one command.
func bulkRequest(spec commandSpec, values map[string]string, now time.Time) (map[string]any, error) {
	req := map[string]any{}
	for _, f := range spec.Fields {
		raw := strings.TrimSpace(values[f.Name])
		if raw == "" && f.Required {
			return nil, volt.FieldError(f.Name, "%s is required.", f.Label)
		}
		if f.Kind == "select" && !contains(f.Options, raw) {
			return nil, volt.FieldError(f.Name, "Choose one of %s for %s.", strings.Join(f.Options, ", "), f.Label)
		}
		req[f.Name] = raw
	}
	switch spec.Name {
	case "update-firmware":
		if !strings.HasPrefix(req["location"].(string), "http") && !strings.HasPrefix(req["location"].(string), "ftp") {
			return nil, volt.FieldError("location", "The firmware URL must start with http, https or ftp.")
		}
		req["retrieveDate"] = now.UTC().Format(time.RFC3339)
	case "change-availability":
		req["connectorId"] = 0
	}
	return req, nil
}

// groupCPIDs lists the CPIDs of a charger group, page by page.
func (a *Admin) groupCPIDs(ctx context.Context, groupID string) ([]string, error) {
	var out []string
	f := volt.ChargerFilter{ChargerGroupID: groupID, Page: volt.Page{Limit: 500}}
	for {
		list, total, err := a.cfg.Chargers.FindChargers(ctx, f)
		if err != nil {
			return nil, err
		}
		if total > maxBulkChargers {
			return nil, volt.Errorf(volt.EUNPROCESSABLE, "%d chargers: one bulk command reaches at most %d.", total, maxBulkChargers)
		}
		for _, c := range list {
			out = append(out, c.CPID)
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			return out, nil
		}
	}
}

// runBulk sends the command to every charger, a few at a time, and returns
// the outcome per charger as CSV.
func (a *Admin) runBulk(ctx context.Context, j *job, cpids []string, name, action string, req map[string]any) (*jobResult, error) {
	type outcome struct{ cpid, result, detail string }
	results := make([]outcome, len(cpids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range bulkWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, detail := a.bulkOne(ctx, cpids[i], action, req)
				results[i] = outcome{cpids[i], res, detail}
				j.step(1, cpids[i]+": "+res+detailSuffix(detail))
			}
		}()
	}
	sent := 0
feed:
	for i := range cpids {
		select {
		case next <- i:
			sent++
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"cpid", "result", "detail"})
	ok := 0
	for _, o := range results[:sent] {
		if o.result == "Accepted" {
			ok++
		}
		_ = cw.Write([]string{o.cpid, csvSafe(o.result), csvSafe(o.detail)})
	}
	cw.Flush()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &jobResult{Data: buf.Bytes(), Type: "text/csv; charset=utf-8", Name: name + "-results.csv",
		Message: fmt.Sprintf("Done: %d of %d chargers accepted; the others are listed with their answer.", ok, len(cpids))}, nil
}

func detailSuffix(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}

// bulkOne sends one command and names the outcome: the charger's status, or
// the error in words.
func (a *Admin) bulkOne(ctx context.Context, cpid, action string, req map[string]any) (string, string) {
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	answer, err := a.cfg.Commander.Call(cctx, cpid, action, req)
	if err != nil {
		return "Error", errText(err)
	}
	var body struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(answer, &body) != nil || body.Status == "" {
		return "Accepted", "" // UpdateFirmware answers an empty payload
	}
	return body.Status, ""
}
