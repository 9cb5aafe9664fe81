// Package v21 holds the OCPP 2.1 messages and their ocpp.Registry.
//
// Like v201 the types are generated from the OCA's JSON schemas by
// ocpp/internal/gen. A type whose declaration is unchanged from OCPP 2.0.1,
// down to every type it uses, is an alias of the v201 type, so code written
// for 2.0.1 handles it as is; the others (TransactionEvent, for one, which
// 2.1 extends) are types of their own.
//
// OCPP 2.1's SEND (NotifyPeriodicEventStream) is not a registry action: it
// is read by ocpp.ParseFrame as an ocpp.Send and decoded by DecodeSend
// (send.go).
package v21

//go:generate go run ../internal/gen -schemas ../../../shared/ocpp-schemas/2.1 -version 2.1 -pkg v21 -out . -base ../../../shared/ocpp-schemas/2.0.1 -baseimport github.com/volt-ev/volt/ocpp/v201
