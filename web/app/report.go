package app

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// Report is a driver's "Report a problem": linked to a charger and, when
// there is one, a session. With Config.Tickets set it becomes a support
// ticket (source TicketFromDriver); without, it is logged, e-mailed to the
// operator's support address (SendMail) and kept in memory (Reports).
type Report struct {
	CPID      string
	SessionID string
	UserID    string
	Email     string
	Category  string
	Message   string
	At        time.Time
}

var reportCategories = []string{"The charger does not start", "The charger stopped early", "The price is wrong",
	"The charger is damaged", "I cannot unplug my car", "Something else"}

type reportView struct {
	CPID, SessionID string
	Categories      []string
	Email           string
}

func (a *App) reportForm(w http.ResponseWriter, r *http.Request, q *req) {
	v := reportView{CPID: r.URL.Query().Get("cpid"), SessionID: r.URL.Query().Get("session"), Categories: reportCategories}
	if !volt.ValidCPID(v.CPID) {
		v.CPID = ""
	}
	if q.User != nil {
		v.Email = q.User.Email
	}
	a.render(w, q, http.StatusOK, "report", view{Title: "Report a problem", Data: v})
}

func (a *App) reportSubmit(w http.ResponseWriter, r *http.Request, q *req) {
	rep := Report{CPID: r.PostFormValue("cpid"), SessionID: r.PostFormValue("session"), UserID: q.userID(),
		Email: strings.TrimSpace(r.PostFormValue("email")), Category: r.PostFormValue("category"),
		Message: strings.TrimSpace(r.PostFormValue("message")), At: a.now()}
	if !volt.ValidCPID(rep.CPID) {
		rep.CPID = ""
	}
	if rep.CPID != "" && !a.mayWatch(rep.CPID, q.userID()) {
		// A private charger the visitor cannot use is no charger to them
		// (tickets open as SystemActor for visitors: the check is here).
		v := reportView{Categories: reportCategories, Email: rep.Email}
		a.render(w, q, http.StatusNotFound, "report", view{Title: "Report a problem",
			Error: "No charger has the number " + rep.CPID + ". Check the sticker and try again.", Data: v})
		return
	}
	if rep.SessionID != "" {
		if s, err := a.ownSession(r.Context(), q, rep.SessionID); err != nil || s == nil {
			rep.SessionID = "" // only link sessions of this driver
		}
	}
	if rep.Message == "" && rep.Category == "" {
		v := reportView{CPID: rep.CPID, SessionID: rep.SessionID, Categories: reportCategories, Email: rep.Email}
		a.render(w, q, http.StatusBadRequest, "report", view{Title: "Report a problem", Error: "Tell us what went wrong.", Data: v})
		return
	}
	if len(rep.Message) > 4000 {
		rep.Message = rep.Message[:4000]
	}
	if a.cfg.Tickets != nil {
		if err := a.ticket(q, rep); err != nil {
			a.log.Error("app: create ticket", "err", err)
			a.fail(w, r, q, http.StatusServiceUnavailable, "We could not send your report right now. Call the helpline, or try again.")
			return
		}
		a.render(w, q, http.StatusOK, "error", view{Title: "Thank you", Message: "Thank you: the operator has your report and will answer by e-mail. If you are stuck at the charger now, call the helpline."})
		return
	}
	a.mu.Lock()
	a.reports = append(a.reports, rep)
	a.mu.Unlock()
	a.log.Warn("app: driver problem report", "cpid", rep.CPID, "session", rep.SessionID, "user", rep.UserID,
		"email", rep.Email, "category", rep.Category, "message", rep.Message)
	to := q.Theme.SupportEmail
	if rep.CPID != "" {
		if ch, err := a.cfg.Chargers.FindChargerByCPID(a.sys, rep.CPID); err == nil {
			if cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, ch.CPOID); err == nil && cpo.Theme.SupportEmail != "" {
				to = cpo.Theme.SupportEmail
			}
		}
	}
	if to != "" {
		a.mail(to, "Driver report: "+rep.Category+" at charger "+rep.CPID,
			fmt.Sprintf("Charger: %s\nSession: %s\nUser: %s\nE-mail: %s\nProblem: %s\n\n%s\n", rep.CPID, rep.SessionID, rep.UserID, rep.Email, rep.Category, rep.Message))
	}
	a.render(w, q, http.StatusOK, "error", view{Title: "Thank you", Message: "Thank you: the operator has your report. If you are stuck at the charger now, call the helpline."})
}

// ticket opens a support ticket for the report: as the signed-in driver,
// or for a visitor or guest (no actor of their own) with SystemActor and
// their e-mail address.
func (a *App) ticket(q *req, rep Report) error {
	t := &volt.Ticket{Subject: rep.Category, Body: rep.Message, Source: volt.TicketFromDriver, CPID: rep.CPID, SessionID: rep.SessionID}
	if t.Subject == "" {
		t.Subject = "Problem report"
	}
	if rep.CPID != "" {
		t.Subject += " at charger " + rep.CPID
	}
	ctx := a.sys
	if q.User != nil {
		ctx, t.DriverUserID = q.ctx, q.User.ID
	} else {
		t.GuestEmail, t.DriverUserID = rep.Email, q.guestID
	}
	if err := a.cfg.Tickets.CreateTicket(ctx, t); err != nil {
		return fmt.Errorf("ticket for %s: %w", rep.CPID, err)
	}
	return nil
}

// Reports returns the problem reports received without a ticket service
// (newest last).
func (a *App) Reports() []Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Report(nil), a.reports...)
}
