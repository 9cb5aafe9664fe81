package volt

import "testing"

func TestConnectorApply(t *testing.T) {
	p := func(n int) *int { return &n }
	typ := func(t ConnectorType) *ConnectorType { return &t }
	pow := func(p PowerType) *PowerType { return &p }
	cases := []struct {
		name      string
		from      Connector
		u         ConnectorUpdate
		field     string // "" valid
		power     PowerType
		format    ConnectorFormat
		standard  string
		typeLabel string
	}{
		{"type 2 socket defaults to AC 3-phase", Connector{}, ConnectorUpdate{Type: typ(ConnectorType2Socket)}, "", PowerAC3Phase, FormatSocket, "IEC_62196_T2", "Type 2"},
		{"tethered type 2 is a cable", Connector{}, ConnectorUpdate{Type: typ(ConnectorType2Tethered), PowerType: pow(PowerAC1Phase)}, "", PowerAC1Phase, FormatCable, "IEC_62196_T2", "Type 2 (cable)"},
		{"CCS is DC", Connector{PowerType: PowerAC3Phase}, ConnectorUpdate{Type: typ(ConnectorCCS2)}, "", PowerDC, FormatCable, "IEC_62196_T2_COMBO", "CCS"},
		{"CHAdeMO", Connector{}, ConnectorUpdate{Type: typ(ConnectorCHAdeMO)}, "", PowerDC, FormatCable, "CHADEMO", "CHAdeMO"},
		{"3-pin is single phase", Connector{PowerType: PowerAC3Phase}, ConnectorUpdate{Type: typ(ConnectorThreePin)}, "", PowerAC1Phase, FormatSocket, "DOMESTIC_G", "3-pin"},
		{"3-pin on 3 phases", Connector{}, ConnectorUpdate{Type: typ(ConnectorThreePin), PowerType: pow(PowerAC3Phase)}, "powerType", "", "", "", ""},
		{"CHAdeMO on AC", Connector{}, ConnectorUpdate{Type: typ(ConnectorCHAdeMO), PowerType: pow(PowerAC1Phase)}, "powerType", "", "", "", ""},
		{"unknown type", Connector{}, ConnectorUpdate{Type: typ("type1")}, "type", "", "", "", ""},
		{"unknown power type", Connector{}, ConnectorUpdate{PowerType: pow("AC")}, "powerType", "", "", "", ""},
		{"22 kW at 32 A 230 V 3-phase", Connector{Type: ConnectorType2Socket, PowerType: PowerAC3Phase}, ConnectorUpdate{MaxPowerW: p(22_000), MaxCurrentA: p(32), MaxVoltageV: p(230)}, "", PowerAC3Phase, FormatSocket, "IEC_62196_T2", "Type 2"},
		{"22 kW at 32 A 230 V 1-phase", Connector{Type: ConnectorType2Socket, PowerType: PowerAC1Phase}, ConnectorUpdate{MaxPowerW: p(22_000), MaxCurrentA: p(32), MaxVoltageV: p(230)}, "maxPowerW", "", "", "", ""},
		{"too much power", Connector{}, ConnectorUpdate{MaxPowerW: p(MaxConnectorPowerW + 1)}, "maxPowerW", "", "", "", ""},
		{"negative current", Connector{}, ConnectorUpdate{MaxCurrentA: p(-1)}, "maxCurrentA", "", "", "", ""},
		{"too much voltage", Connector{}, ConnectorUpdate{MaxVoltageV: p(2000)}, "maxVoltageV", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := c.from
			err := k.Apply(c.u)
			if c.field != "" {
				if e, ok := err.(*Error); !ok || e.Field != c.field {
					t.Fatalf("error %v, want one on %s", err, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.PowerType != c.power || k.Format != c.format || k.Type.Standard() != c.standard || k.Type.Label() != c.typeLabel {
				t.Errorf("got %+v (standard %q, label %q)", k, k.Type.Standard(), k.Type.Label())
			}
		})
	}
}

func TestCPOValidateLegal(t *testing.T) {
	c := &CPO{Name: "Spark", LegalName: "  Spark Ltd ", LegalAddress: "1 Quay St\r\nBristol", VATNumber: "gb 123 456 789"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.LegalName != "Spark Ltd" || c.LegalAddress != "1 Quay St\nBristol" || c.VATNumber != "GB123456789" {
		t.Errorf("tidied %q %q %q", c.LegalName, c.LegalAddress, c.VATNumber)
	}
	for _, bad := range []string{"123456789", "GB", "GB12-34", "G1234"} {
		c.VATNumber = bad
		if e, ok := c.Validate().(*Error); !ok || e.Field != "vatNumber" {
			t.Errorf("VAT number %q accepted", bad)
		}
	}
}
