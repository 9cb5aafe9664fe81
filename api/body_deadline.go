package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// huma gives every operation with a Body input a read deadline for that
// body (BodyReadTimeout, 5 s; RawBody operations get none): it sets the
// connection's read deadline just before it reads the body, and never
// clears it. For a JSON body, which checkText has already read into memory,
// it bounds nothing at all. Once the body has been read, net/http waits on
// the connection in the background for the client going away, under that
// same deadline; a handler still running when it passes (a charger that
// takes 6 s to answer, a cross-node command while NATS is down) makes that
// wait fail with a timeout, which net/http takes for a lost client: it
// cancels the connection's context, so the running request's context, and
// that of every later request on the same keep-alive connection, are
// canceled ("authenticate: context canceled", issue 12). The deadline is
// therefore lifted as soon as the handler has read the body to its end or
// closed it: it bounds the upload it is meant for, and nothing after.

// endReadDeadline wraps a request body so that the connection's read
// deadline is cleared once the body is read to its end or closed.
func endReadDeadline(w http.ResponseWriter, body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	return &deadlineBody{ReadCloser: body, w: w}
}

type deadlineBody struct {
	io.ReadCloser
	w    http.ResponseWriter
	once sync.Once
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.clear()
	}
	return n, err
}

// Close closes the body first (net/http may drain what is left of it,
// still under the deadline), then lifts the deadline.
func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.clear()
	return err
}

func (b *deadlineBody) clear() {
	b.once.Do(func() {
		// A writer that cannot set deadlines (a test recorder) has none
		// to clear.
		_ = http.NewResponseController(b.w).SetReadDeadline(time.Time{})
	})
}

// jsonBodyTimeout is how long a client has to send a JSON body, as huma's
// own BodyReadTimeout: checkText reads the body whole before huma sets
// that deadline, so without this a client that sent its headers and
// stalled mid-body held its request and connection open for good.
const jsonBodyTimeout = 5 * time.Second

// readJSONWithin bounds the upload of a JSON body, which checkText reads
// into memory, and lifts the bound once it has been read.
func readJSONWithin(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		return
	}
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(jsonBodyTimeout)); err != nil {
		return // a writer without deadlines (a test recorder)
	}
	r.Body = endReadDeadline(w, r.Body)
}
