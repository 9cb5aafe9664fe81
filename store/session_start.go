package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// maxTxIDAttempts bounds the draws of a random transaction id that collides
// with one already issued.
const maxTxIDAttempts = 16

// StartTransaction records a charger's StartTransaction and always returns a
// transaction id (OCPP 1.6 §4.8, §3.7: a start answered with an error is lost
// for good): a refused idTag is answered in Auth and its session is kept,
// flagged idtag_rejected, so its StopTransaction finds it.
//
// A replay (same charger, connector, idTag, meterStart and timestamp) returns
// the first answer with Replayed set and records nothing; a unique index makes
// that hold for concurrent replays too. A start much older than its receipt is
// flagged offline_start. An active session on the same connector is closed
// first as a zombie: the charger is authoritative about its connector.
func (s *ChargingService) StartTransaction(ctx context.Context, r volt.StartRequest) (*volt.StartResult, error) {
	if !r.NoAuthorization {
		ctx = s.askRealTime(ctx, r.CPID, volt.NormalizeIDTag(r.IDTag)) // issue 14, before the transaction
	}
	refusal, err := s.admitStart(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("start transaction on %s/%d: %w", r.CPID, r.ConnectorID, err)
	}
	var res *volt.StartResult
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		res, err = s.startTx(ctx, tx, r, refusal)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start transaction on %s/%d: %w", r.CPID, r.ConnectorID, err)
	}
	return res, nil
}

// admitStart asks the Gate, before the start's transaction, whether the
// start is paid for: only for a start that is not a replay and that the
// authorisation rule accepts. It returns the refusal, "" to admit.
func (s *ChargingService) admitStart(ctx context.Context, r volt.StartRequest) (string, error) {
	if s.Gate == nil || r.NoAuthorization {
		return "", nil
	}
	var auth volt.AuthResult
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		ch, err := chargerOf(ctx, tx, r.CPID)
		if err != nil {
			return err
		}
		idTag := volt.NormalizeIDTag(r.IDTag)
		at := r.At.UTC().Truncate(time.Millisecond)
		if r.At.IsZero() {
			at = tx.Now()
		}
		if prev, err := s.findStartReplay(ctx, tx, r, idTag, at); err != nil || prev != nil {
			return err // a replay is answered as the first time
		}
		auth, err = s.authorize(ctx, tx, ch, idTag, r.ConnectorID, "")
		return err
	})
	if err != nil {
		return "", err
	}
	return s.admit(ctx, auth, r.CPID, r.ConnectorID), nil
}

func (s *ChargingService) startTx(ctx context.Context, tx *Tx, r volt.StartRequest, payRefusal string) (*volt.StartResult, error) {
	ch, err := lockCharger(ctx, tx, r.CPID)
	if err != nil {
		return nil, err
	}
	idTag := volt.NormalizeIDTag(r.IDTag)
	at := r.At.UTC().Truncate(time.Millisecond)
	if r.At.IsZero() {
		at = tx.Now()
	}
	if prev, err := s.findStartReplay(ctx, tx, r, idTag, at); err != nil || prev != nil {
		return replayedStart(prev), err
	}
	auth := volt.AuthResult{Status: volt.AuthAccepted, FreeVend: true, Reason: "station without authorization (NoAuthorization)"}
	if !r.NoAuthorization {
		if auth, err = s.authorize(ctx, tx, ch, idTag, r.ConnectorID, payRefusal); err != nil {
			return nil, err
		}
	}
	superseded, err := s.closeZombies(ctx, tx, r.CPID, r.ConnectorID, "superseded by a new transaction", at)
	if err != nil {
		return nil, err
	}
	sess := s.newStartSession(tx, ch, r, idTag, at, auth)
	if s.Pricer != nil {
		snap, method, err := s.Pricer.SnapshotTariff(withTx(ctx, tx), &sess.Session, auth)
		if err != nil {
			return nil, fmt.Errorf("tariff snapshot: %w", err)
		}
		sess.TariffSnapshot, sess.PaymentMethod = snap, method
	}
	for range maxTxIDAttempts {
		sess.TransactionID = randomTransactionID()
		ok, err := insertSession(ctx, tx, sess)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := useReservation(ctx, tx, r, idTag); err != nil {
				return nil, err
			}
			if err := tx.emit(ctx, volt.Event{Type: volt.EventSessionStarted, CPID: r.CPID, CPOID: sess.CPOID,
				At: r.ReceivedAt, Data: sess.result()}); err != nil {
				return nil, err
			}
			return &volt.StartResult{TransactionID: sess.TransactionID, Auth: auth, Session: sess.result(), Superseded: superseded}, nil
		}
		// A concurrent replay won (only possible without the row lock), or
		// the random id was taken: look again, then draw another id.
		if prev, err := s.findStartReplay(ctx, tx, r, idTag, at); err != nil || prev != nil {
			return replayedStart(prev), err
		}
	}
	return nil, fmt.Errorf("no free transaction id after %d attempts", maxTxIDAttempts)
}

func (s *ChargingService) newStartSession(tx *Tx, ch *chargerFacts, r volt.StartRequest, idTag string, at time.Time, auth volt.AuthResult) *sessionRow {
	sess := &sessionRow{origin: originStart, auth: auth}
	sess.Session = volt.Session{
		ID: volt.NewID(volt.PrefixSession), CPID: r.CPID, ConnectorID: r.ConnectorID,
		CPOID: ch.CPOID, OwnerID: ch.OwnerID, SiteID: ch.SiteID, ChargerGroupID: ch.ChargerGrp,
		IDTag: idTag, UserID: auth.UserID, Status: volt.SessionActive, StartedAt: at,
		MeterStart: r.MeterStart, LastMeterWh: r.MeterStart, Flags: []string{},
		ReservationID: r.ReservationID, CreatedAt: tx.Now(), UpdatedAt: tx.Now(),
		ChargerTransactionID: r.ChargerTransactionID,
	}
	if auth.Status != volt.AuthAccepted {
		sess.addFlags(volt.FlagIDTagRejected)
	}
	sess.addFlags(r.Flags...)
	received := r.ReceivedAt
	if received.IsZero() {
		received = tx.Now()
	}
	if received.Sub(at) > s.OfflineStartAfter {
		sess.addFlags(volt.FlagOfflineStart)
	}
	if auth.FreeVend {
		sess.PaymentMethod = "free_vend"
	}
	return sess
}

// findStartReplay finds the session a start repeats: by the charger's
// transactionId when it chose one (OCPP 2.x), else by its connector, idTag,
// meterStart and timestamp.
func (s *ChargingService) findStartReplay(ctx context.Context, tx *Tx, req volt.StartRequest, idTag string, at time.Time) (*sessionRow, error) {
	var (
		r   *sessionRow
		err error
	)
	if req.ChargerTransactionID != "" {
		r, err = s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND charger_tx_id = ?`, req.CPID, req.ChargerTransactionID)
	} else {
		r, err = s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND connector_id = ? AND id_tag = ? AND meter_start = ? AND started_at = ?`,
			req.CPID, req.ConnectorID, idTag, req.MeterStart, toMS(at))
	}
	if err != nil {
		return nil, fmt.Errorf("look for a replayed start: %w", err)
	}
	return r, nil
}

func replayedStart(prev *sessionRow) *volt.StartResult {
	if prev == nil {
		return nil
	}
	return &volt.StartResult{TransactionID: prev.TransactionID, Auth: prev.auth, Session: prev.result(), Replayed: true}
}

// randomTransactionID returns a random OCPP transactionId in 1..2^31-1: an
// integer in every charger's int32, and not guessable from the previous one.
func randomTransactionID() int64 {
	for {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
		}
		if id := int64(binary.BigEndian.Uint32(b[:]) & 0x7fffffff); id > 0 {
			return id
		}
	}
}
