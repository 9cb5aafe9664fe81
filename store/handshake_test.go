package store_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHandshakeOwnPool: a charger's handshake is read while every
// connection of the node's pool is held, as in a reconnect storm when the
// chargers already on line hold them all.
func TestHandshakeOwnPool(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " unset: PostgreSQL only (SQLite reads never wait for a pooled connection)")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must(t, db.Migrate(ctx))
	f := newChargingFixture(t, db)

	db.SetPool(2, 2)
	var held []*sql.Conn
	for range 2 {
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = db.SQL().Conn(short)
	cancel()
	if err == nil {
		t.Fatal("a third connection came from a pool of 2: the test would prove nothing")
	}

	authCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ch, err := f.svc.AuthenticateCharger(authCtx, "id-"+f.cpidA, "secret-"+f.cpidA)
	if err != nil {
		t.Fatalf("handshake with the pool held: %v", err)
	}
	if ch.CPID != f.cpidA || len(ch.Connectors) == 0 || ch.Handshake == nil {
		t.Fatalf("charger %+v", ch)
	}
}
