// Package v16 holds the OCPP 1.6 messages of every feature profile (Core,
// FirmwareManagement, LocalAuthListManagement, Reservation, SmartCharging,
// RemoteTrigger) and of the 1.6 security extension, and their ocpp.Registry.
//
// One file per action holds its request, its response and the enumerations
// only it uses; types.go holds the shared types (OCPP 1.6 §7). Field lists,
// lengths and enumerations follow the OCA JSON schemas. Required fields are
// values and always marshalled; optional numbers, booleans, date-times and
// objects are pointers; optional strings and lists use omitempty (the empty
// string means absent), except where empty and absent differ
// (KeyValue.Value). Names follow Go initialisms (ConnectorID) except the
// spec's IdTag family (IdTag, IdTagInfo, ParentIdTag).
//
// Decode received payloads with ocpp.DecodeRequest and ocpp.DecodeResponse
// on Registry(); they check the `ocpp` struct tags (see ocpp.Decode).
package v16
