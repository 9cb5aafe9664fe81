// Package v201 holds the OCPP 2.0.1 messages of every functional block (A
// Security to P DataTransfer) and their ocpp.Registry.
//
// The types are generated from the OCA's JSON schemas by ocpp/internal/gen
// (go generate; the output is checked in): one file per action with its
// request, its response and the classes only it uses, types_gen.go with the
// classes several actions share. A schema class FooType is the Go type Foo;
// required members are values, optional numbers, booleans, date-times and
// objects pointers, optional strings and lists omitempty. Names follow the
// Go initialisms for Id and Url (EvseID, IDToken).
//
// Decode received payloads with ocpp.DecodeRequest and ocpp.DecodeResponse
// on Registry(); they check the `ocpp` struct tags (see ocpp.Decode).
package v201

//go:generate go run ../internal/gen -schemas ../../../shared/ocpp-schemas/2.0.1 -version 2.0.1 -pkg v201 -out .
