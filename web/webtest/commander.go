package webtest

import (
	"context"
	"encoding/json"
	"sync"
)

// Commander is a fake volt.ChargerCommander: it answers remote commands as a
// charger would, with Answer or Err, and records each call as
// "CPID Action {request JSON}". The gateway has its own tests; the pages only
// need an answer or an error to show.
type Commander struct {
	Answer json.RawMessage
	Err    error

	mu    sync.Mutex
	calls []string
}

// Call records the command and returns Answer and Err.
func (c *Commander) Call(_ context.Context, cpid, action string, req any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := json.Marshal(req)
	c.calls = append(c.calls, cpid+" "+action+" "+string(b))
	return c.Answer, c.Err
}

// Calls returns the commands sent so far, oldest first.
func (c *Commander) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// Last returns the latest command sent, "" when there was none.
func (c *Commander) Last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) == 0 {
		return ""
	}
	return c.calls[len(c.calls)-1]
}
