package lms

import (
	"context"
	"errors"
)

// Purpose is what a limit is for, in the terms every OCPP version shares.
type Purpose string

// Purposes of a Limit.
const (
	// PurposeTx limits one transaction (OCPP TxProfile).
	PurposeTx Purpose = "tx"
	// PurposeDefault is the charger's failsafe for new transactions (OCPP
	// TxDefaultProfile), set at boot.
	PurposeDefault Purpose = "default"
	// PurposeChargerMax limits the whole charger (OCPP
	// ChargePointMaxProfile / ChargingStationMaxProfile) where it is its
	// own circuit.
	PurposeChargerMax Purpose = "chargerMax"
)

// Limit is a current limit for an outlet (ConnectorID 0: the charger).
type Limit struct {
	CPID          string
	ConnectorID   int
	TransactionID int64 // PurposeTx only
	// ChargerTransactionID is the OCPP 2.x station's own id of the
	// transaction (PurposeTx on 2.x).
	ChargerTransactionID string
	Purpose              Purpose
	CurrentA             float64 // per phase; 0 pauses
	Phases               int
	// DischargeA, when above 0, asks a bidirectional (OCPP 2.1) outlet
	// to give this much back per phase (V2X); CurrentA is then 0.
	DischargeA float64
	// SessionID is Volt's session the limit is for (PurposeTx).
	SessionID string
}

// Applier applies a limit to an outlet: the seam between load management
// and an OCPP version. It returns ErrRejected when the charger refuses
// the limit (Rejected, NotSupported, a CALLERROR), a volt error with code
// ECHARGEROFFLINE when it is not connected.
type Applier interface {
	ApplyLimit(ctx context.Context, l Limit) error
}

// ErrRejected is the error of a limit the charger refused.
var ErrRejected = errors.New("lms: the charger refused the charging profile")
