package volt

import "strings"

// How a session was authorised, as reports name it.
const (
	AuthMethodRFID     = "rfid"     // a card swiped at the charger
	AuthMethodApp      = "app"      // started from the Driver Web App (account or guest)
	AuthMethodTerminal = "terminal" // a contactless bank card at the charger's terminal
)

// AuthMethodOf says how a session was authorised from its idTag and payment
// method: the app's own tokens start with "APP", guests and PAYG drivers
// start from the app, contactless from the terminal; anything else is a card
// swiped at the charger.
func AuthMethodOf(idTag, paymentMethod string) string {
	switch {
	case paymentMethod == "contactless":
		return AuthMethodTerminal
	case paymentMethod == "guest" || paymentMethod == "payg" || strings.HasPrefix(NormalizeIDTag(idTag), "APP"):
		return AuthMethodApp
	}
	return AuthMethodRFID
}
