package volt

import "time"

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

	// ActiveElsewhere is true when the idTag already has an active session
	// on another connector (OCPP 1.6 ConcurrentTx).
	ActiveElsewhere bool

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
//  4. an active session elsewhere with the same idTag: ConcurrentTx;
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
// ParentIDTag is the user id when it fits OCPP's CiString20, so a charger's
// local cache lets two cards of one user stop each other's sessions.
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
	case f.ActiveElsewhere:
		return AuthResult{Status: AuthConcurrentTx, UserID: f.UserID, Reason: "idTag has an active session elsewhere"}
	}
	res := AuthResult{Status: AuthAccepted, UserID: f.UserID, ExpiresAt: f.CardExpires}
	if len(f.UserID) <= 20 {
		res.ParentIDTag = f.UserID
	}
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
