// Package lms is Volt's load management (issue 15): sharing a site's grid
// connection among its chargers, static, dynamic (the measured building
// load is taken first) or double dynamic (what a car leaves unused is
// re-shared).
//
// The allocation (Allocate, alloc.go and problem.go) is a pure function of
// the site's limits, circuits, outlets, sessions, measured loads and the
// previous allocation's state: no clock, no I/O, so it is checked by a
// property test over random sites. It lives here rather than in the domain
// package because only this package uses it and it is large; the model
// it is configured from (volt.LoadManagement) is the domain's, shared with
// the store and the API. BuildInput (input.go) turns what the loop read of
// a site into the allocation's input, also pure.
//
// The loop (Manager, loop.go) reads the site through the domain services,
// allocates and applies what changed through an Applier: cuts before
// raises, raises at most once per MinInterval per outlet. OCPP16 is the 1.6
// Applier (SetChargingProfile); another version adds its own Applier.
// Charger state comes from volt.EventBus events, so the loop runs on any
// node.
//
// Measurements: per-phase Current.Import of an outlet's MeterValues
// (Manager.AfterMeterReport) gives a car's draw and shows a 1-phase car on
// a 3-phase outlet, then counted on its one phase; a site's building load
// comes from the API, a Modbus TCP meter (MeterPoller) or a charger's
// connector 0 (GridMeter). A charger measured over its limit once the
// limit has settled is counted at its draw (LESSONS 29: accepted is not
// applied).
//
// Windows of the model (peak hours) limit the chargers' total at times of
// day (Input.ChargersA).
//
// Limits reach a charger through the Applier of its OCPP version
// (ByVersion: OCPP16, OCPP201), which can read each transaction limit back
// with GetCompositeSchedule (Verify); a station whose composite schedule
// is above the limit counts as refusing.
//
// V2X (v2x.go): a dynamic site allowed to export shaves its peak by asking
// paused bidirectional outlets of OCPP 2.1 stations to give power back.
// The energy given back is credited in the live cost at every reading and
// in the CDR (see volt.PriceSession, "Export credit").
//
// Charging needs (needs.go): what 2.x cars report in NotifyEVChargingNeeds
// (departure, energy, discharge limit) makes a car that must charge now to
// leave on time go first within its priority, and bounds its discharge.
//
// Many nodes: a site steps only on the node Config.Leads names (one leader
// per site, cmd/voltd wires natsbus.Node.Lead).
//
// Profiles Volt does not own (foreign.go, LESSONS 30): a charger that
// boots has them found and cleared before its failsafe is sent
// (ForeignClearer: GetChargingProfiles on 2.x, a clear of all on 1.6).
//
// The per-phase currents a node measures reach the other nodes' loops on
// the bus (EventOutletCurrents, measure.go).
//
// Roaming eMSPs' charging profiles (OCPI ChargingProfiles, Config.Profiles)
// cap their sessions as a smart-charging hold does: a session gets the
// lower of its share and its profile's limit now, a limit below the
// minimum pauses it, so the site's limits always win.
//
// TODO(issue 15): discharging beyond
// peak shaving (price-driven), tariff-driven
// off-peak charging (cheapest hours first), phase switching of 1/3-phase
// cars.
package lms
