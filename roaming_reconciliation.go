package volt

import (
	"context"
	"time"
)

// Reconciliation line states: what a partner CPO says (its CDRs) against
// what Volt recorded (its partner sessions and what it owes).
const (
	ReconMatched       = "matched"        // their CDR, billed, same amount owed
	ReconNotBilled     = "not_billed"     // their CDR, nothing owed: no driver of Volt had that token
	ReconAmountDiffers = "amount_differs" // owed differs from their CDR's cost
	ReconNoCDR         = "no_cdr"         // a session they reported completed, no CDR yet
)

// RoamingReconciliation is one month of a partner CPO's network as Volt's
// drivers used it (issue 14 item 4): the partner's CDRs against what Volt
// owes it (the roaming payable), line by line. Amounts in minor units.
type RoamingReconciliation struct {
	PartnerID   string `json:"partnerId"`
	PartnerName string `json:"partnerName"`
	Month       string `json:"month"` // YYYY-MM, UTC
	Currency    string `json:"currency"`
	// TheirCDRs and TheirTotal are the partner's CDRs of the month and
	// their cost incl. VAT; Payable is what Volt owes for them.
	TheirCDRs  int                `json:"theirCdrs"`
	TheirTotal int64              `json:"theirTotal"`
	Payable    int64              `json:"payable"`
	Mismatches int                `json:"mismatches"`
	Lines      []RoamingReconLine `json:"lines"`
}

// RoamingReconLine is one CDR (or session without a CDR) of the month.
type RoamingReconLine struct {
	CDRID      string `json:"cdrId,omitempty"`
	SessionID  string `json:"sessionId,omitempty"`
	TokenUID   string `json:"tokenUid,omitempty"`
	EndedAt    string `json:"endedAt,omitempty"`
	TheirCost  int64  `json:"theirCost"`
	OurPayable int64  `json:"ourPayable"`
	Status     string `json:"status"`
}

// RoamingReconciler answers the monthly reconciliation of a partner CPO
// the actor may read (another CPO's partner: ENOTFOUND).
type RoamingReconciler interface {
	RoamingReconciliation(ctx context.Context, partnerID string, month time.Time) (*RoamingReconciliation, error)
}
