package volt

// Money is an exact amount in minor units (pence for GBP) of a currency.
// Never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Cost is the price of a session: totals excluding and including VAT, and a
// line per tariff component. It is produced only by the pricing function, for
// live cost and CDR alike.
type Cost struct {
	Currency   string     `json:"currency"`
	ExclVAT    int64      `json:"exclVat"` // minor units
	InclVAT    int64      `json:"inclVat"` // minor units
	VATRate    string     `json:"vatRate"` // decimal string, "0.20"
	Components []CostLine `json:"components"`
	// ExportPayout is the export credit (V2X) beyond what the session
	// cost, VAT included, in minor units: paid into the driver's wallet
	// when the CDR settles, outside the total (which is never negative).
	ExportPayout int64 `json:"exportPayout,omitempty"`
}

// CostLine is one tariff component of a Cost.
type CostLine struct {
	Component string `json:"component"` // energy, time, idle, session_fee, minimum, maximum, export_credit
	Quantity  string `json:"quantity"`  // decimal string in Unit
	Unit      string `json:"unit"`      // kWh, h, min, session
	InclVAT   int64  `json:"inclVat"`
	ExclVAT   int64  `json:"exclVat"`
}
