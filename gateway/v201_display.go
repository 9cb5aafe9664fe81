package gateway

import (
	"context"
	"hash/fnv"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// The driver's price on the station's display (issue #13; AFIR asks for
// the ad hoc price to be shown): when a 2.x transaction starts with a
// tariff, Volt sends SetDisplayMessage (OCPP 2.0.1 O01) with the price,
// tied to the transaction, to a station whose device model says it has a
// display (DisplayMessageCtrlr Available or Enabled, not false). A station
// that refuses or does not answer is only logged.

// showPrice queues the SetDisplayMessage of a started session's price.
func showPrice(c *conn, s *volt.Session) {
	if s == nil || len(s.TariffSnapshot) == 0 || s.ChargerTransactionID == "" {
		return
	}
	snap, err := volt.ParseTariffSnapshot(s.TariffSnapshot)
	if err != nil {
		return
	}
	text := priceText(&snap.Tariff)
	c.then(func() {
		c.g.goBackground(func() {
			ctx, cancel := context.WithTimeout(c.ctx, c.g.cfg.CallTimeout)
			defer cancel()
			if !hasDisplay(ctx, c) {
				return
			}
			h := fnv.New32a()
			h.Write([]byte(s.ChargerTransactionID))
			req := &v201.SetDisplayMessageRequest{Message: v201.MessageInfo{ID: int(h.Sum32() & 0x7fffffff),
				Priority: v201.MessagePriorityEnumNormalCycle, TransactionID: s.ChargerTransactionID,
				Message: v201.MessageContent{Format: v201.MessageFormatEnumUTF8, Content: text}}}
			payload, err := c.proto.validateRequest(v201.ActionSetDisplayMessage, req)
			if err == nil {
				_, err = c.call(ctx, v201.ActionSetDisplayMessage, payload)
			}
			if err != nil {
				c.g.log.Debug("gateway: price not displayed", "cpid", c.cpid, "err", err)
			}
		})
	})
}

// hasDisplay reads the station's device model: DisplayMessageCtrlr
// reported and not switched off.
func hasDisplay(ctx context.Context, c *conn) bool {
	dm, ok := c.g.cfg.Charging.(volt.DeviceModelService)
	if !ok {
		return false
	}
	vars, err := dm.FindDeviceModel(ctx, c.cpid)
	if err != nil {
		return false
	}
	found := false
	for _, v := range vars {
		if v.Component != "DisplayMessageCtrlr" || v.AttributeType != "Actual" || (v.Variable != "Available" && v.Variable != "Enabled") {
			continue
		}
		if v.Value != nil && strings.EqualFold(*v.Value, "false") {
			return false
		}
		found = true
	}
	return found
}

// priceText is a tariff's price for a display, as drivers see it (prices
// include VAT): "Price: 0.45 GBP/kWh + 0.30 GBP per session".
func priceText(t *volt.Tariff) string {
	if t.FreeVend {
		return "Price: free"
	}
	amount := func(d volt.Decimal) string {
		s := d.StringFixed(4)
		if i := strings.IndexByte(s, '.'); i >= 0 {
			exp := max(volt.CurrencyExponent(t.Currency), 0)
			for len(s) > i+1+exp && s[len(s)-1] == '0' {
				s = s[:len(s)-1]
			}
			s = strings.TrimSuffix(s, ".")
		}
		return s + " " + t.Currency
	}
	var parts []string
	if !t.EnergyPricePerKWh.IsZero() {
		parts = append(parts, amount(t.EnergyPricePerKWh)+"/kWh")
	}
	if !t.TimePricePerHour.IsZero() {
		parts = append(parts, amount(t.TimePricePerHour)+"/h")
	}
	if !t.SessionFee.IsZero() {
		parts = append(parts, amount(t.SessionFee)+" per session")
	}
	if !t.IdleFeePerMinute.IsZero() {
		parts = append(parts, amount(t.IdleFeePerMinute)+"/min idle")
	}
	if len(parts) == 0 {
		return "Price: free"
	}
	return "Price: " + strings.Join(parts, " + ")
}
