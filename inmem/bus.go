// Package inmem is the in-process event bus of a single Volt node. The natsbus
// package provides the same interface across nodes.
package inmem

import (
	"context"
	"sync"

	volt "github.com/volt-ev/volt"
)

// DefaultBuffer is the number of events a subscriber may fall behind before it
// is dropped.
const DefaultBuffer = 256

// Bus is an in-process volt.EventBus. Publish never blocks: a subscriber whose
// buffer is full is dropped and its channel closed, so a stuck browser tab
// cannot stall the OCPP read loop.
type Bus struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	buffer int
}

type subscriber struct {
	ch     chan volt.Event
	closed bool
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: make(map[*subscriber]struct{}), buffer: DefaultBuffer}
}

var _ volt.EventBus = (*Bus)(nil)

// Publish delivers e to every subscriber without blocking.
func (b *Bus) Publish(_ context.Context, e volt.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		select {
		case s.ch <- e:
		default:
			b.dropLocked(s)
		}
	}
}

// Subscribe returns a channel of events and the function that ends the
// subscription. The channel is closed when the subscription ends or when the
// subscriber falls too far behind.
func (b *Bus) Subscribe() (<-chan volt.Event, func()) {
	s := &subscriber{ch: make(chan volt.Event, b.buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s.ch, func() {
		b.mu.Lock()
		b.dropLocked(s)
		b.mu.Unlock()
	}
}

func (b *Bus) dropLocked(s *subscriber) {
	if s.closed {
		return
	}
	s.closed = true
	delete(b.subs, s)
	close(s.ch)
}
