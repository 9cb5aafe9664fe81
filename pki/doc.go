// Package pki is the CSMS certificate authority of OCPP security profile 3
// (OCPP 1.6 security extension and 2.0.1 A02/A03): it checks a charger's
// certificate signing request against the identity of the connection it
// arrived on and signs a client certificate whose subject CN is that
// identity. The gateway reaches it through the Authority interface, so an
// external CA can replace the built-in one.
//
// A CSR is never signed on trust (LESSONS.md item 24): its own signature is
// verified, its subject may hold only CN (equal to the identity), O, OU and C,
// it may request no names (DNS, IP, e-mail, URI) and no extension other than
// key usage, extended key usage and basic constraints, and its key is RSA of
// at least 2048 bits or ECDSA on P-256 or P-384 (OCPP 2.0.1 Part 2 A00.FR.3xx
// key sizes). The certificate sent back carries the leaf and every CA above
// it (LESSONS.md item 27).
package pki
