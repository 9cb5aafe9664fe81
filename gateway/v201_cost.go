package gateway

import (
	"context"
	"math"
	"strconv"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// Running and final cost on 2.x stations (OCPP 2.0.1 I02, I03): after each
// meter reading of a priced transaction Volt sends CostUpdated with the live
// cost, and the answer to TransactionEvent Ended carries the CDR's total.
// Both are the cost including VAT from the one pricing function, in major
// units of the session's currency: an exact decimal in Volt, a JSON number
// on the wire (the schema's type), written from the minor units.

// majorUnits returns a cost's total including VAT in major units, or false
// for no cost or an unknown currency.
func majorUnits(c *volt.Cost) (float64, bool) {
	if c == nil {
		return 0, false
	}
	exp := volt.CurrencyExponent(c.Currency)
	if exp < 0 {
		return 0, false
	}
	// FormatInt then ParseFloat of the shifted decimal: the float is the
	// one nearest the exact amount, so it marshals as that decimal.
	f, err := strconv.ParseFloat(shiftDecimal(strconv.FormatInt(c.InclVAT, 10), -exp), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// sendRunningCost queues a CostUpdated for the transaction once the answer
// to the event that priced it has gone out, when the cost is not zero and
// changed since the last one sent (a free session costs no CALL per event). A station that does not support
// it answers a CALLERROR, which is only logged.
func sendRunningCost(c *conn, s *volt.Session) {
	total, ok := majorUnits(s.LiveCost)
	if !ok || s.ChargerTransactionID == "" || !c.g.v2.costChanged(c.cpid, s.ChargerTransactionID, s.LiveCost.InclVAT) {
		return
	}
	req := &v201.CostUpdatedRequest{TotalCost: total, TransactionID: s.ChargerTransactionID}
	c.then(func() {
		c.g.goBackground(func() {
			ctx, cancel := context.WithTimeout(c.ctx, c.g.cfg.CallTimeout)
			defer cancel()
			payload, err := c.proto.validateRequest(v201.ActionCostUpdated, req)
			if err == nil {
				_, err = c.call(ctx, v201.ActionCostUpdated, payload)
			}
			if err != nil {
				c.g.log.Debug("gateway: CostUpdated not delivered", "cpid", c.cpid, "err", err)
			}
		})
	})
}

// finalCost is the totalCost of the answer to TransactionEvent Ended.
func finalCost(cdr *volt.CDR) *float64 {
	if cdr == nil {
		return nil
	}
	if f, ok := majorUnits(cdr.TotalCost); ok {
		return &f
	}
	return nil
}
