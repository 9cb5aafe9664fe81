package app

import (
	"net/http"

	"github.com/volt-ev/volt"
)

// ContractLabel names the token a driver's Plug & Charge contract id
// (eMAID) is kept as: chargers send the eMAID as the idToken of a Plug &
// Charge session (OCPP 2.0.1 C07), so the session is the driver's and is
// billed to them like a card's (issue 18).
const ContractLabel = "Plug & Charge"

// contractAdd registers the driver's eMAID, as printed by their eMSP or
// carmaker ("GB-VOL-C12345678-9"), stored without separators.
func (a *App) contractAdd(w http.ResponseWriter, r *http.Request, q *req) {
	emaid, ok := volt.NormalizeEMAID(r.PostFormValue("emaid"))
	if !ok {
		a.renderAccount(w, r, q, http.StatusBadRequest, "", "That is not a contract id (eMAID): 2 letters of country, 3 of provider, 9 characters and an optional check character, e.g. GB-VOL-C12345678-9.")
		return
	}
	c := &volt.RFIDCard{UID: emaid, UserID: q.User.ID, CPOID: q.User.CPOID, Label: ContractLabel}
	if err := a.cfg.Users.CreateRFIDCard(q.ctx, c); err != nil {
		msg := volt.ErrorMessage(err)
		if volt.IsCode(err, volt.ECONFLICT) {
			msg = "This contract id is already registered. If it is yours, call the helpline."
		}
		a.renderAccount(w, r, q, http.StatusBadRequest, "", msg)
		return
	}
	http.Redirect(w, r, "/app/account?done=contract", http.StatusSeeOther)
}
