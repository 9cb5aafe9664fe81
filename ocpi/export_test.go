package ocpi

import (
	"context"
	"net/http"
	"sync"

	"github.com/volt-ev/volt"
)

// NextLinkForTest exposes the Link parser to the external tests.
func NextLinkForTest(h http.Header) string { return nextLink(h) }

// SendStatusesForTest runs one status round whose PATCHes are handed to
// sent (by partner id, "location/EVSE uid") instead of sent over HTTP;
// they count as accepted.
func (s *Server) SendStatusesForTest(ctx context.Context) (map[string][]string, error) {
	var mu sync.Mutex
	out := map[string][]string{}
	s.statusSend = func(_ context.Context, _ *volt.OCPIParty, p *volt.OCPIPartner, push *volt.OCPIPush) error {
		mu.Lock()
		defer mu.Unlock()
		out[p.ID] = append(out[p.ID], push.ObjectID)
		return nil
	}
	defer func() { s.statusSend = nil }()
	_, err := s.DeliverStatuses(ctx)
	return out, err
}
