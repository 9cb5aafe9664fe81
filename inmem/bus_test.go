package inmem

import (
	"context"
	"testing"

	volt "github.com/volt-ev/volt"
)

func TestBusDeliversInOrder(t *testing.T) {
	b := NewBus()
	ch, cancel := b.Subscribe()
	defer cancel()
	for i := 0; i < 3; i++ {
		b.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: string(rune('a' + i))})
	}
	for i := 0; i < 3; i++ {
		e := <-ch
		if want := string(rune('a' + i)); e.CPID != want {
			t.Fatalf("event %d: cpid %q, want %q", i, e.CPID, want)
		}
	}
}

func TestSlowSubscriberIsDroppedNotBlocking(t *testing.T) {
	b := NewBus()
	b.buffer = 2
	slow, cancelSlow := b.Subscribe()
	defer cancelSlow()
	for i := 0; i < 5; i++ { // would block forever if Publish blocked
		b.Publish(context.Background(), volt.Event{Type: volt.EventSessionUpdated})
	}
	n := 0
	for range slow {
		n++
	}
	if n != 2 {
		t.Fatalf("slow subscriber got %d buffered events before close, want 2", n)
	}
	cancelSlow() // idempotent after drop
}

func TestUnsubscribeClosesChannel(t *testing.T) {
	b := NewBus()
	ch, cancel := b.Subscribe()
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after cancel")
	}
	b.Publish(context.Background(), volt.Event{Type: volt.EventCDRCreated}) // no panic on closed subscriber
}
