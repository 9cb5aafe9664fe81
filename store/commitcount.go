package store

import (
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Commit counting (issue 12): how many write transactions a boot, a message
// or a job costs, by call site and by whether the commit waited for the WAL
// flush (synchronous) or not (Tx.Lazy). A deterministic count, where a timing
// is not: the figure BENCHMARKS.md compares before and after a change.
// Counting costs one atomic load per transaction while no counter is
// attached.

// CommitSite is the commits of one call site: Sync waited for the WAL flush
// (PostgreSQL's default), Lazy did not.
type CommitSite struct {
	Site       string
	Sync, Lazy int
}

// CommitCounter counts the committed WithTx transactions of one DB.
type CommitCounter struct {
	mu    sync.Mutex
	sites map[string]*CommitSite
}

// CountCommits attaches a commit counter to db until stop is called (one
// at a time: a later one replaces it). Only transactions run through WithTx
// are counted; single statements outside a transaction (DB.Exec,
// DB.QueryRow) are not.
func (db *DB) CountCommits() (c *CommitCounter, stop func()) {
	c = &CommitCounter{sites: map[string]*CommitSite{}}
	db.commits.Store(c)
	return c, func() { db.commits.CompareAndSwap(c, nil) }
}

// commitCounter returns db's counter, nil when none is attached.
func (db *DB) commitCounter() *CommitCounter { return db.commits.Load() }

// callSite names the function skip frames above the caller, without its
// module path ("store.(*ChargingService).RecordStatus").
func callSite(skip int) string {
	pc, _, _, ok := runtime.Caller(skip + 1)
	if !ok {
		return "?"
	}
	f := runtime.FuncForPC(pc)
	if f == nil {
		return "?"
	}
	name := f.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func (c *CommitCounter) add(site string, lazy bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sites[site]
	if s == nil {
		s = &CommitSite{Site: site}
		c.sites[site] = s
	}
	if lazy {
		s.Lazy++
	} else {
		s.Sync++
	}
}

// Sites returns the counts so far by call site, the most commits first.
func (c *CommitCounter) Sites() []CommitSite {
	c.mu.Lock()
	out := make([]CommitSite, 0, len(c.sites))
	for _, s := range c.sites {
		out = append(out, *s)
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Sync+out[i].Lazy, out[j].Sync+out[j].Lazy
		if a != b {
			return a > b
		}
		return out[i].Site < out[j].Site
	})
	return out
}

// Total returns the counts so far of every call site together.
func (c *CommitCounter) Total() CommitSite {
	t := CommitSite{Site: "total"}
	for _, s := range c.Sites() {
		t.Sync += s.Sync
		t.Lazy += s.Lazy
	}
	return t
}
