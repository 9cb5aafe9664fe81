package volt

import "fmt"

// ConnectorType is the plug a connector offers a car. Each maps to an OCPI
// 2.2.1 ConnectorType (§8.4.5) and ConnectorFormat (§8.4.4): Standard and
// Format say which, so the OCPI module maps them without a table of its own.
type ConnectorType string

// Connector types. "" is not yet set by the operator.
const (
	ConnectorType2Socket   ConnectorType = "type2Socket"   // IEC_62196_T2, SOCKET: bring your own cable
	ConnectorType2Tethered ConnectorType = "type2Tethered" // IEC_62196_T2, CABLE
	ConnectorCCS2          ConnectorType = "ccs2"          // IEC_62196_T2_COMBO, CABLE
	ConnectorCHAdeMO       ConnectorType = "chademo"       // CHADEMO, CABLE
	ConnectorThreePin      ConnectorType = "threePin"      // DOMESTIC_G (BS 1363), SOCKET
)

// ConnectorTypes lists the connector types in the order drivers see them.
var ConnectorTypes = []ConnectorType{ConnectorType2Socket, ConnectorType2Tethered, ConnectorCCS2, ConnectorCHAdeMO, ConnectorThreePin}

// PowerType is how a connector delivers power (OCPI 2.2.1 PowerType §8.4.19).
type PowerType string

// Power types.
const (
	PowerAC1Phase PowerType = "AC_1_PHASE"
	PowerAC3Phase PowerType = "AC_3_PHASE"
	PowerDC       PowerType = "DC"
)

// ConnectorFormat is whether the car plugs its own cable into a socket or
// the charger's cable into the car (OCPI 2.2.1 ConnectorFormat §8.4.4).
type ConnectorFormat string

// Connector formats.
const (
	FormatSocket ConnectorFormat = "SOCKET"
	FormatCable  ConnectorFormat = "CABLE"
)

// Standard returns the OCPI ConnectorType of t ("" when t is not set).
func (t ConnectorType) Standard() string {
	switch t {
	case ConnectorType2Socket, ConnectorType2Tethered:
		return "IEC_62196_T2"
	case ConnectorCCS2:
		return "IEC_62196_T2_COMBO"
	case ConnectorCHAdeMO:
		return "CHADEMO"
	case ConnectorThreePin:
		return "DOMESTIC_G"
	}
	return ""
}

// Format returns whether t is a socket or a tethered cable ("" when unset).
func (t ConnectorType) Format() ConnectorFormat {
	switch t {
	case ConnectorType2Socket, ConnectorThreePin:
		return FormatSocket
	case ConnectorType2Tethered, ConnectorCCS2, ConnectorCHAdeMO:
		return FormatCable
	}
	return ""
}

// Label is the name drivers know the plug by.
func (t ConnectorType) Label() string {
	switch t {
	case ConnectorType2Socket:
		return "Type 2"
	case ConnectorType2Tethered:
		return "Type 2 (cable)"
	case ConnectorCCS2:
		return "CCS"
	case ConnectorCHAdeMO:
		return "CHAdeMO"
	case ConnectorThreePin:
		return "3-pin"
	}
	return ""
}

// Family groups the types a driver filters by: both Type 2 variants fit
// the same car.
func (t ConnectorType) Family() string {
	switch t {
	case ConnectorType2Socket, ConnectorType2Tethered:
		return "type2"
	}
	return string(t)
}

// DC reports whether the plug carries direct current.
func (t ConnectorType) DC() bool { return t == ConnectorCCS2 || t == ConnectorCHAdeMO }

// Valid reports whether t is one of the known types.
func (t ConnectorType) Valid() bool { return t.Standard() != "" }

// Valid reports whether p is one of the known power types.
func (p PowerType) Valid() bool { return p == PowerAC1Phase || p == PowerAC3Phase || p == PowerDC }

// Label says the power type in a driver's words: "AC" or "DC".
func (p PowerType) Label() string {
	switch p {
	case PowerAC1Phase, PowerAC3Phase:
		return "AC"
	case PowerDC:
		return "DC"
	}
	return ""
}

// Limits of connector ratings: the largest DC chargers deliver about
// 1 MW at 1,000 V; nothing here is beyond these.
const (
	MaxConnectorPowerW   = 1_000_000
	MaxConnectorCurrentA = 3_000
	MaxConnectorVoltageV = 1_500
)

// ConnectorUpdate is an operator's change of a connector's facts; nil
// fields stay as they are.
type ConnectorUpdate struct {
	Type        *ConnectorType
	PowerType   *PowerType
	MaxPowerW   *int
	MaxCurrentA *int
	MaxVoltageV *int
}

// Apply changes c by u and checks the result (Validate). A type set without
// a power type brings the usual one for it (Type 2: AC 3-phase, 3-pin: AC
// 1-phase, CCS and CHAdeMO: DC), and the format always follows the type.
func (c *Connector) Apply(u ConnectorUpdate) error {
	if u.Type != nil {
		c.Type = *u.Type
		if u.PowerType == nil && c.Type.Valid() && (c.PowerType == "" || (c.PowerType == PowerDC) != c.Type.DC() ||
			c.Type == ConnectorThreePin && c.PowerType == PowerAC3Phase) {
			c.PowerType = defaultPowerType(c.Type)
		}
	}
	if u.PowerType != nil {
		c.PowerType = *u.PowerType
	}
	if u.MaxPowerW != nil {
		c.MaxPowerW = *u.MaxPowerW
	}
	if u.MaxCurrentA != nil {
		c.MaxCurrentA = *u.MaxCurrentA
	}
	if u.MaxVoltageV != nil {
		c.MaxVoltageV = *u.MaxVoltageV
	}
	c.Format = c.Type.Format()
	return c.Validate()
}

func defaultPowerType(t ConnectorType) PowerType {
	switch {
	case t.DC():
		return PowerDC
	case t == ConnectorThreePin:
		return PowerAC1Phase
	}
	return PowerAC3Phase
}

// Validate checks a connector's facts: known type and power type that fit
// each other, ratings within bounds, and a power the voltage and current
// can deliver (per phase, line to neutral, as OCPI gives max_voltage).
func (c *Connector) Validate() error {
	if c.Type != "" && !c.Type.Valid() {
		return FieldError("type", "Connector type must be one of %v, got %q.", ConnectorTypes, c.Type)
	}
	if c.PowerType != "" && !c.PowerType.Valid() {
		return FieldError("powerType", "Power type must be AC_1_PHASE, AC_3_PHASE or DC, got %q.", c.PowerType)
	}
	if c.Type.Valid() && c.PowerType != "" && (c.PowerType == PowerDC) != c.Type.DC() {
		return FieldError("powerType", "A %s connector cannot be %s.", c.Type.Label(), c.PowerType)
	}
	if c.Type == ConnectorThreePin && c.PowerType == PowerAC3Phase {
		return FieldError("powerType", "A 3-pin socket is single phase.")
	}
	for _, r := range []struct {
		field  string
		v, max int
	}{{"maxPowerW", c.MaxPowerW, MaxConnectorPowerW}, {"maxCurrentA", c.MaxCurrentA, MaxConnectorCurrentA}, {"maxVoltageV", c.MaxVoltageV, MaxConnectorVoltageV}} {
		if r.v < 0 || r.v > r.max {
			return FieldError(r.field, "%s must be from 0 to %d, got %d.", r.field, r.max, r.v)
		}
	}
	if c.MaxPowerW > 0 && c.MaxCurrentA > 0 && c.MaxVoltageV > 0 {
		phases := 1
		if c.PowerType == PowerAC3Phase {
			phases = 3
		}
		if most := phases * c.MaxCurrentA * c.MaxVoltageV; c.MaxPowerW > most+most/50 {
			return FieldError("maxPowerW", "%d W is more than %d A at %d V can deliver (%s).", c.MaxPowerW, c.MaxCurrentA, c.MaxVoltageV, kw(most))
		}
	}
	return nil
}

func kw(w int) string { return fmt.Sprintf("%d.%d kW", w/1000, w%1000/100) }
