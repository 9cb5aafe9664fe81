package volt

import (
	"fmt"
	"strings"
	"time"
)

// AuthFacts is everything the store knows about an idTag presented at a
// charger. DecideAuthorization turns it into an answer; the store only
// gathers the facts, so the rule is the same for every storage engine.
type AuthFacts struct {
	// CardFound is false when no RFID card has the idTag (normalised UID).
	CardFound    bool
	CardBlocked  bool
	CardExpires  *time.Time
	UserID       string
	UserDisabled bool

	// Charger is where the charger sits in the hierarchy.
	Charger Ref
	// GroupPrivate is true when the charger's group admits only its
	// usergroups; GroupAccess is true when the user is in one of them.
	GroupPrivate bool
	GroupAccess  bool
	// Grants are the user's usergroup grants; an engineer grant covering the
	// charger lets the user charge free for testing on any group.
	Grants []Grant

	// OpenSessions is how many accepted sessions the idTag has open on
	// other connectors, and MaxSessionsPerCard the limit of the charger's
	// CPO (maxConcurrentSessionsPerCard; 0: none). Only StartTransaction
	// fills them: OCPP 1.6 §7.2 gives ConcurrentTx to StartTransaction, and
	// Authorize answers the card's own status.
	OpenSessions, MaxSessionsPerCard int

	// CardGroupID is the card's explicit group (OCPP parentIdTag), "" when
	// it has none (the user's id is used).
	CardGroupID string

	// Now is the time the decision is made at (for card expiry).
	Now time.Time

	// TariffRefusal is why no tariff applies to the user on the charger's
	// group (volt.SelectTariff's refusal: no Public tariff and none of the
	// user's usergroups), "" when one does or pricing is not wired. No
	// tariff means no start, never free energy: free vend exists only
	// where a tariff or the engineer role says so.
	TariffRefusal string

	// PaymentRefusal is why the money layer will not pay for a start (a
	// wallet below the CPO's minimum and no card on file, a declined
	// pre-authorisation), "" when it will or was not asked.
	PaymentRefusal string
}

// DecideAuthorization is the rule that answers an idTag (OCPP 1.6 §4.1
// Authorize, §4.8 StartTransaction idTagInfo), in this order:
//
//  1. unknown card: Invalid;
//  2. card blocked or its user disabled: Blocked;
//  3. card expired: Expired;
//  4. (StartTransaction) the card's open sessions on other connectors
//     reach its CPO's maxConcurrentSessionsPerCard: ConcurrentTx;
//  5. an engineer whose grant covers the charger: Accepted, free vend;
//  6. a private charger group the user has no usergroup access to: Blocked
//     (the card is known, so not Invalid);
//  7. no tariff for the user on the charger group (TariffRefusal): Blocked,
//     the reason recorded (the same answer the charger's price gives);
//  8. no way to pay (PaymentRefusal): Blocked, the reason recorded, with an
//     expiry of now so a charger's authorisation cache does not keep the
//     refusal after a top-up. OCPP 1.6 has no NoCredit status (2.0.1 has):
//     Invalid means an unknown identifier, Blocked "not allowed for
//     charging", which is what a known card without credit is;
//  9. otherwise Accepted.
//
// ParentIDTag is the card's group (CardGroupTag): the explicit group id, or
// the user id when it fits OCPP's CiString20, so a charger's local cache
// lets two cards of one group stop each other's sessions.
func DecideAuthorization(f AuthFacts) AuthResult {
	switch {
	case !f.CardFound:
		return AuthResult{Status: AuthInvalid, Reason: "unknown idTag"}
	case f.CardBlocked:
		return AuthResult{Status: AuthBlocked, UserID: f.UserID, Reason: "card blocked"}
	case f.UserDisabled:
		return AuthResult{Status: AuthBlocked, UserID: f.UserID, Reason: "user disabled"}
	case f.CardExpires != nil && !f.Now.Before(*f.CardExpires):
		return AuthResult{Status: AuthExpired, UserID: f.UserID, ExpiresAt: f.CardExpires, Reason: "card expired"}
	case f.MaxSessionsPerCard > 0 && f.OpenSessions >= f.MaxSessionsPerCard:
		return AuthResult{Status: AuthConcurrentTx, UserID: f.UserID,
			Reason: fmt.Sprintf("idTag has %d open session(s) elsewhere, the CPO allows %d", f.OpenSessions, f.MaxSessionsPerCard)}
	}
	res := AuthResult{Status: AuthAccepted, UserID: f.UserID, ExpiresAt: f.CardExpires,
		ParentIDTag: CardGroupTag(f.CardGroupID, f.UserID)}
	if engineerCovers(f.Grants, f.Charger) {
		res.FreeVend = true
		res.Reason = "engineer: free vend"
		return res
	}
	if f.GroupPrivate && !f.GroupAccess {
		return AuthResult{Status: AuthBlocked, UserID: f.UserID, Reason: "no access to private charger group"}
	}
	if f.TariffRefusal != "" {
		return AuthResult{Status: AuthBlocked, UserID: f.UserID, Reason: "no tariff: " + f.TariffRefusal}
	}
	if f.PaymentRefusal != "" {
		now := f.Now
		return AuthResult{Status: AuthBlocked, UserID: f.UserID, ExpiresAt: &now, Reason: "payment: " + f.PaymentRefusal}
	}
	return res
}

// engineerCovers reports whether one of grants is an engineer role whose
// scope covers the charger at ref.
func engineerCovers(grants []Grant, ref Ref) bool {
	for _, g := range grants {
		if g.Role == RoleEngineer && g.covers(ref) {
			return true
		}
	}
	return false
}

// CardGroupTag is the OCPP parentIdTag of a card: its explicit group id, else
// its user's id when that fits CiString20, else none.
func CardGroupTag(groupID, userID string) string {
	if groupID != "" {
		return groupID
	}
	if len(userID) <= 20 {
		return userID
	}
	return ""
}

// DecideStopAuthorization answers the idTag of a StopTransaction (OCPP 1.6
// §4.10, §3.5.3): own is the stop card's own answer. The card that started
// the session gets its own answer; another card is authorised when it is
// of the session's card group (the same parentIdTag), and otherwise answered
// Invalid for this transaction. A refusal of the card itself stands either
// way. The session is stopped whatever the answer: the charger decided.
func DecideStopAuthorization(own AuthResult, sameCard bool, sessionGroup string) AuthResult {
	if sameCard || own.Status != AuthAccepted {
		return own
	}
	if sessionGroup != "" && strings.EqualFold(own.ParentIDTag, sessionGroup) {
		own.Reason = "card of the session's group"
		return own
	}
	return AuthResult{Status: AuthInvalid, UserID: own.UserID, Reason: "not the session's card nor of its card group"}
}
