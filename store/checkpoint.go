package store

import (
	"context"
	"time"
)

// checkpointEvery is how often the SQLite checkpointer copies the WAL into
// the database file.
const checkpointEvery = time.Second

// SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000
// WAL pages, fsync included, while that transaction still holds the one
// writer slot (takeWriter): every charger's write queued behind it waited
// for the disk. Measured at 4,000 chargers (issue 12, item 8) it was the
// only fdatasync on the answer path, 4-12 ms each on an idle disk and far
// more on a busy one. The connections therefore open with
// wal_autocheckpoint(0) and this goroutine checkpoints PASSIVE once a
// second: a passive checkpoint takes no writer lock, so writes go on while
// it copies and syncs.
func (db *DB) startCheckpointer() {
	db.ckptStop = make(chan struct{})
	db.ckptDone = make(chan struct{})
	go func() {
		defer close(db.ckptDone)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-db.ckptStop:
				return
			case <-t.C:
				db.checkpoint()
			}
		}
	}()
}

// checkpoint runs one passive checkpoint; an error (a busy database) is left
// to the next round.
func (db *DB) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
}

// stopCheckpointer ends the checkpointer, if any, before the pool closes.
func (db *DB) stopCheckpointer() {
	if db.ckptStop == nil {
		return
	}
	close(db.ckptStop)
	<-db.ckptDone
	db.ckptStop = nil
}
