package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTakeWriterOneAtATime: on SQLite one write transaction is admitted at
// a time, the next the moment the first ends, and a waiter whose context
// ends gives up with its error.
func TestTakeWriterOneAtATime(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release, err := db.takeWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admitted := make(chan struct{})
	go func() {
		r, err := db.takeWriter(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		close(admitted)
		r()
	}()
	select {
	case <-admitted:
		t.Fatal("a second writer was admitted while the first held the writer")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	select {
	case <-admitted:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting writer was not admitted after the release")
	}

	release, err = db.takeWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := db.takeWriter(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter with an ended context: %v, want its deadline", err)
	}
}
