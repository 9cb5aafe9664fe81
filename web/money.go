package web

import "net/http"

// moneyTODO stands in for the money pages until they are built on the
// TariffService.
// TODO(web): tariffs with a live price preview, the tariff assignment matrix
// and income reports, on volt.TariffService and volt.PriceSession.
func (a *Admin) moneyTODO(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderStatus(w, r, s, http.StatusOK, "money_todo", "Money", errorView{
		Message: "Tariffs, tariff assignment and income reports are coming to the portal soon. Until then, manage tariffs through the REST API (/api/v1/tariffs)."})
}
