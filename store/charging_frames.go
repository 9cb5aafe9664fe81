package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// frameIDs issues frame_log ids: time-ordered 63-bit integers (milliseconds
// since 2020 in the top 41 bits, a random 10-bit node number, a 12-bit
// sequence), so that pages by id are pages by time and two nodes writing
// the same table do not collide.
type frameIDs struct {
	mu   sync.Mutex
	node int64
	last int64 // last milliseconds used
	seq  int64
}

var frameIDGen = newFrameIDs()

const frameEpochMS = 1577836800000 // 2020-01-01T00:00:00Z

func newFrameIDs() *frameIDs {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
	}
	return &frameIDs{node: int64(binary.BigEndian.Uint16(b[:]) & 0x3ff)}
}

func (g *frameIDs) next(now time.Time) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UnixMilli() - frameEpochMS
	if ms <= g.last {
		ms = g.last
		g.seq++
		if g.seq > 0xfff { // sequence exhausted: borrow the next millisecond
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.last = ms
	return ms<<22 | g.node<<12 | g.seq
}

// maxFramesPerInsert keeps a multi-row INSERT under the parameter limits.
const maxFramesPerInsert = 500

// LogFrames stores OCPP frames in one transaction: multi-row INSERTs on
// SQLite, COPY through the message log's own connection on PostgreSQL
// (frames_copy.go). Frames without an id get one; a batch given again
// after a failure keeps its ids, so one that did commit is refused as a
// conflict rather than stored twice.
func (s *ChargingService) LogFrames(ctx context.Context, frames []volt.FrameLog) error {
	if len(frames) == 0 {
		return nil
	}
	for i := range frames {
		// The log keeps what came, but only as text every engine stores
		// (PostgreSQL refuses NUL and invalid UTF-8, and would lose the
		// whole batch with it).
		if clean, changed := volt.SanitizeText(frames[i].Frame); changed {
			frames[i].Frame = clean
			if !strings.Contains(frames[i].Flags, volt.FlagSanitizedInput) {
				frames[i].Flags = strings.TrimPrefix(frames[i].Flags+","+volt.FlagSanitizedInput, ",")
			}
		}
		if frames[i].At.IsZero() {
			frames[i].At = s.db.Now()
		}
		if frames[i].ID == 0 { // kept on a retry, which a committed batch then refuses
			frames[i].ID = frameIDGen.next(time.Now()) // insertion order, whatever the clock of DB.Now
		}
		frames[i].Frame = volt.RedactFrame(frames[i].Frame) // secrets never reach the log
	}
	if s.db.Dialect == Postgres {
		if err := s.db.copyFrames(ctx, frames); err != nil {
			return fmt.Errorf("log %d frames: %w", len(frames), mapError(err))
		}
		return nil
	}
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		for rest := frames; len(rest) > 0; {
			n := min(len(rest), maxFramesPerInsert)
			args := make([]any, 0, n*9)
			for _, f := range rest[:n] {
				args = append(args, f.ID, f.CPID, f.Identity, f.Direction, f.Action, f.UniqueID, f.Frame, toMS(f.At), f.Flags)
			}
			q := `INSERT INTO frame_log (id, cpid, identity, direction, action, unique_id, frame, at, flags) VALUES ` +
				valuesRows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("insert frames: %w", err)
			}
			rest = rest[n:]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("log %d frames: %w", len(frames), err)
	}
	return nil
}

// FindFrames returns a charger's frames with id below before (0: the newest),
// newest first, at most limit (default 50, at most 500), for an actor who may
// read the charger.
func (s *ChargingService) FindFrames(ctx context.Context, cpid string, before int64, limit int) ([]*volt.FrameLog, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	p := volt.Page{Limit: limit}.Normalize()
	q := `SELECT id, cpid, identity, direction, action, unique_id, frame, at, flags FROM frame_log WHERE cpid = ?`
	args := []any{cpid}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, p.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find frames of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := []*volt.FrameLog{}
	for rows.Next() {
		var f volt.FrameLog
		var at int64
		if err := rows.Scan(&f.ID, &f.CPID, &f.Identity, &f.Direction, &f.Action, &f.UniqueID, &f.Frame, &at, &f.Flags); err != nil {
			return nil, fmt.Errorf("find frames of %s: %w", cpid, mapError(err))
		}
		f.At = fromMS(at)
		f.Frame = volt.RedactFrame(f.Frame) // rows logged before redaction existed
		out = append(out, &f)
	}
	return out, mapError(rows.Err())
}

// PruneFrames deletes frames logged before olderThan (the retention job) and
// returns how many went.
func (s *ChargingService) PruneFrames(ctx context.Context, olderThan time.Time) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM frame_log WHERE at < ?`, toMS(olderThan))
	if err != nil {
		return 0, fmt.Errorf("prune frames: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune frames: %w", mapError(err))
	}
	return n, nil
}
