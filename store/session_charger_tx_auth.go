package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/volt-ev/volt"
)

// AuthorizeChargerTransaction records the idToken an OCPP 2.x station sent
// in a later TransactionEvent of a transaction that started without one
// (OCPP 2.0.1 E03: the cable first, the card after): the token is decided
// as a start's would be, and, the first time, becomes the session's idTag
// with its user, authorisation and tariff snapshot (the idtag_rejected flag
// of the token-less start is lifted when accepted). A session that already
// has an idTag keeps it: the token is then only decided (a stop token,
// E07). ENOTFOUND when the station's transaction has no session.
func (s *ChargingService) AuthorizeChargerTransaction(ctx context.Context, cpid, chargerTxID, idTag string) (volt.AuthResult, *volt.Session, error) {
	idTag = volt.NormalizeIDTag(idTag)
	first, err := s.lateTokenTarget(ctx, cpid, chargerTxID)
	if err != nil {
		return volt.AuthResult{}, nil, err
	}
	// As a start: the payment Gate is asked outside the transaction.
	payRefusal := ""
	if first != nil {
		var auth volt.AuthResult
		err := s.db.WithTx(ctx, func(tx *Tx) error {
			ch, err := chargerOf(ctx, tx, cpid)
			if err != nil {
				return err
			}
			auth, err = s.authorize(ctx, tx, ch, idTag, first.ConnectorID, "")
			return err
		})
		if err != nil {
			return volt.AuthResult{}, nil, fmt.Errorf("late token of %s on %s: %w", chargerTxID, cpid, err)
		}
		payRefusal = s.admit(ctx, auth, cpid, first.ConnectorID)
	}
	var (
		auth volt.AuthResult
		out  *volt.Session
	)
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		r, err := s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND charger_tx_id = ?`, cpid, chargerTxID)
		if err != nil {
			return err
		}
		if r == nil {
			return volt.Errorf(volt.ENOTFOUND, "No session for transaction %s of charger %s.", chargerTxID, cpid)
		}
		ch, err := chargerOf(ctx, tx, cpid)
		if err != nil {
			return err
		}
		if r.IDTag != "" || r.Status != volt.SessionActive {
			auth, err = s.authorize(ctx, tx, ch, idTag, -1, "")
			out = r.result()
			return err
		}
		if auth, err = s.authorize(ctx, tx, ch, idTag, r.ConnectorID, payRefusal); err != nil {
			return err
		}
		if err := s.adoptToken(ctx, tx, r, idTag, auth); err != nil {
			return err
		}
		out = r.result()
		// The session now has its driver and tariff: live views and the
		// journal's consumers hear of it as of any other change.
		return tx.emit(ctx, volt.Event{Type: volt.EventSessionUpdated, CPID: r.CPID, CPOID: r.CPOID, Data: out})
	})
	if err != nil {
		return volt.AuthResult{}, nil, fmt.Errorf("late token of %s on %s: %w", chargerTxID, cpid, err)
	}
	return auth, out, nil
}

// lateTokenTarget returns the session when it has no idTag yet (the token
// will be its first), nil when it has one.
func (s *ChargingService) lateTokenTarget(ctx context.Context, cpid, chargerTxID string) (*sessionRow, error) {
	var r *sessionRow
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		r, err = s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND charger_tx_id = ?`, cpid, chargerTxID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("late token of %s on %s: %w", chargerTxID, cpid, err)
	}
	if r == nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "No session for transaction %s of charger %s.", chargerTxID, cpid)
	}
	if r.IDTag != "" || r.Status != volt.SessionActive {
		return nil, nil
	}
	return r, nil
}

// adoptToken makes idTag, decided as auth, the token of session r.
func (s *ChargingService) adoptToken(ctx context.Context, tx *Tx, r *sessionRow, idTag string, auth volt.AuthResult) error {
	r.IDTag, r.UserID, r.auth = idTag, auth.UserID, auth
	if auth.Status == volt.AuthAccepted {
		r.Flags = slices.DeleteFunc(r.Flags, func(f string) bool { return f == volt.FlagIDTagRejected })
	} else {
		r.addFlags(volt.FlagIDTagRejected)
	}
	if auth.FreeVend {
		r.PaymentMethod = "free_vend"
	}
	if s.Pricer != nil {
		snap, method, err := s.Pricer.SnapshotTariff(withTx(ctx, tx), &r.Session, auth)
		if err != nil {
			return fmt.Errorf("tariff snapshot: %w", err)
		}
		r.TariffSnapshot, r.PaymentMethod = snap, method
	}
	var snapshot any
	if len(r.TariffSnapshot) > 0 {
		snapshot = string(r.TariffSnapshot)
	}
	r.UpdatedAt = tx.Now()
	_, err := tx.Exec(ctx, `UPDATE sessions SET id_tag = ?, user_id = ?, auth_status = ?, auth_reason = ?, auth_expires_at = ?,
		auth_parent = ?, free_vend = ?, flags = ?, payment_method = ?, tariff_snapshot = ?, updated_at = ? WHERE id = ?`,
		r.IDTag, r.UserID, string(auth.Status), auth.Reason, toNullMS(auth.ExpiresAt), auth.ParentIDTag, auth.FreeVend,
		strings.Join(r.Flags, ","), r.PaymentMethod, snapshot, toMS(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("session %s token: %w", r.ID, mapError(err))
	}
	return nil
}
