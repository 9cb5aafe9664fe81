package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// Job states.
const (
	jobRunning   = "running"
	jobDone      = "done"
	jobFailed    = "failed"
	jobCancelled = "cancelled"
)

const (
	maxJobsPerUser = 3         // running at once
	jobKeep        = time.Hour // a finished job and its result stay this long
)

// job is one piece of long work running in the background: an income report
// over a long period, a command sent to many chargers. Its fields are read
// by the progress page while it runs, under mu.
type job struct {
	ID, Owner, Title string
	Started          time.Time

	mu         sync.Mutex
	total      int
	done       int
	state      string
	message    string   // how it ended, in words
	lines      []string // per-item outcomes, newest last (bounded)
	result     []byte
	resultName string
	resultType string
	finished   time.Time
	cancel     context.CancelFunc
}

// jobSnapshot is a job's state for a template.
type jobSnapshot struct {
	ID, Title, State, Message string
	Total, Done               int
	Lines                     []string
	HasResult                 bool
	ResultName                string
	Started, Finished         time.Time
}

// Running reports whether the job is still working.
func (s jobSnapshot) Running() bool { return s.State == jobRunning }

func (j *job) snapshot() jobSnapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	return jobSnapshot{ID: j.ID, Title: j.Title, State: j.state, Message: j.message, Total: j.total, Done: j.done,
		Lines: append([]string(nil), j.lines...), HasResult: j.result != nil, ResultName: j.resultName,
		Started: j.Started, Finished: j.finished}
}

// step records progress: n more items done, with an optional outcome line.
func (j *job) step(n int, line string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.done += n
	if line != "" {
		j.lines = append(j.lines, line)
		if len(j.lines) > 500 {
			j.lines = j.lines[len(j.lines)-500:]
		}
	}
}

// jobResult is what a finished job offers for download.
type jobResult struct {
	Data       []byte
	Name, Type string
	Message    string
}

// jobRegistry holds the background jobs of this node.
//
// TODO(cluster): jobs live in the memory of the node that started them; with
// several nodes behind a load balancer the progress page must reach that
// node (sticky sessions) or jobs must move to a shared queue over NATS with
// their results in the database.
type jobRegistry struct {
	mu   sync.Mutex
	jobs map[string]*job
	now  func() time.Time
	wg   sync.WaitGroup
}

func newJobRegistry(now func() time.Time) *jobRegistry {
	return &jobRegistry{jobs: map[string]*job{}, now: now}
}

// start runs work in the background as the actor of ctx (its cancellation
// detached: the job outlives the request) and returns the job at once.
func (r *jobRegistry) start(ctx context.Context, owner, title string, total int,
	work func(ctx context.Context, j *job) (*jobResult, error)) (*job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep()
	running := 0
	for _, j := range r.jobs {
		if j.Owner == owner && j.snapshot().State == jobRunning {
			running++
		}
	}
	if running >= maxJobsPerUser {
		return nil, volt.Errorf(volt.ERATELIMITED, "You already have %d jobs running; wait for one to finish or cancel it.", running)
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &job{ID: volt.NewID("job"), Owner: owner, Title: title, Started: r.now(), total: total, state: jobRunning, cancel: cancel}
	r.jobs[j.ID] = j
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		res, err := work(jctx, j)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.finished = r.now()
		switch {
		case jctx.Err() != nil && err != nil:
			j.state, j.message = jobCancelled, "Cancelled: "+strconv.Itoa(j.done)+" of "+strconv.Itoa(j.total)+" done before it stopped."
		case err != nil:
			j.state, j.message = jobFailed, errText(err)
		default:
			j.state = jobDone
			if res != nil {
				j.result, j.resultName, j.resultType, j.message = res.Data, res.Name, res.Type, res.Message
			}
		}
	}()
	return j, nil
}

// sweep forgets jobs finished more than jobKeep ago. r.mu is held.
func (r *jobRegistry) sweep() {
	cut := r.now().Add(-jobKeep)
	for id, j := range r.jobs {
		j.mu.Lock()
		old := j.state != jobRunning && j.finished.Before(cut)
		j.mu.Unlock()
		if old {
			delete(r.jobs, id)
		}
	}
}

// get returns the owner's job; another user's job is not found.
func (r *jobRegistry) get(owner, id string) (*job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j, ok := r.jobs[id]
	if !ok || j.Owner != owner {
		return nil, volt.Errorf(volt.ENOTFOUND, "Job %q not found; finished jobs are kept for an hour.", id)
	}
	return j, nil
}

// list returns the owner's jobs, newest first.
func (r *jobRegistry) list(owner string) []jobSnapshot {
	r.mu.Lock()
	r.sweep()
	var js []*job
	for _, j := range r.jobs {
		if j.Owner == owner {
			js = append(js, j)
		}
	}
	r.mu.Unlock()
	out := make([]jobSnapshot, 0, len(js))
	for _, j := range js {
		out = append(out, j.snapshot())
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.After(out[b].Started) })
	return out
}

// jobRoutes adds the job pages, the income PDF job and bulk commands.
func (a *Admin) jobRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/jobs", a.auth(a.jobList))
	m.HandleFunc("GET "+p+"/jobs/{id}", a.auth(a.jobShow))
	m.HandleFunc("GET "+p+"/jobs/{id}/progress", a.auth(a.jobProgress))
	m.HandleFunc("POST "+p+"/jobs/{id}/cancel", a.auth(a.jobCancel))
	m.HandleFunc("GET "+p+"/jobs/{id}/download", a.auth(a.jobDownload))
	m.HandleFunc("GET "+p+"/income.csv", a.auth(a.incomeCSV))
	m.HandleFunc("POST "+p+"/income/pdf", a.auth(a.incomePDFJob))
	m.HandleFunc("GET "+p+"/bulk-commands", a.auth(a.bulkForm))
	m.HandleFunc("POST "+p+"/bulk-commands", a.auth(a.bulkStart))
}

func (a *Admin) jobList(w http.ResponseWriter, r *http.Request, s *sess) {
	a.render(w, r, s, "jobs", "Background jobs", a.jobs.list(s.actor.UserID))
}

func (a *Admin) jobShow(w http.ResponseWriter, r *http.Request, s *sess) {
	j, err := a.jobs.get(s.actor.UserID, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "job", j.Title, j.snapshot())
}

// jobProgress answers the htmx poll of the progress page; once the job is
// over the fragment no longer polls.
func (a *Admin) jobProgress(w http.ResponseWriter, r *http.Request, s *sess) {
	j, err := a.jobs.get(s.actor.UserID, r.PathValue("id"))
	if err != nil {
		a.renderFragment(w, "job", "job-progress", httpStatus(err), jobSnapshot{State: jobFailed, Message: errText(err)})
		return
	}
	a.renderFragment(w, "job", "job-progress", http.StatusOK, j.snapshot())
}

func (a *Admin) jobCancel(w http.ResponseWriter, r *http.Request, s *sess) {
	j, err := a.jobs.get(s.actor.UserID, r.PathValue("id"))
	if err != nil {
		a.refused(w, r, AdminPrefix+"/jobs", err)
		return
	}
	j.cancel()
	a.done(w, r, AdminPrefix+"/jobs/"+j.ID, "Cancelling: work already sent is not undone.")
}

func (a *Admin) jobDownload(w http.ResponseWriter, r *http.Request, s *sess) {
	j, err := a.jobs.get(s.actor.UserID, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	j.mu.Lock()
	data, name, typ := j.result, j.resultName, j.resultType
	j.mu.Unlock()
	if data == nil {
		a.fail(w, r, s, volt.Errorf(volt.ECONFLICT, "This job has nothing to download (yet)."))
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
