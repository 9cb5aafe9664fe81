// Package gateway holds the OCPP-J charger connections of the central system:
// the websocket listener at /ocpp/{identity}, HTTP Basic authentication before
// the upgrade, one reader and one writer per connection, the pending-CALL
// table for commands sent to chargers, and the mapping of charger messages
// onto volt.ChargingService.
//
// # Versions
//
// The websocket subprotocol decides the OCPP version (OCPP-J 1.6 §3.1.2). The
// gateway keeps a table from subprotocol to a protocol value (registry of the
// codec, table of charger-originated handlers, command table); OCPP 2.0.1 and
// 2.1 are two more entries served by the same listener and transport
// (v201*.go). The server picks the client's first offered subprotocol that
// it speaks: the charger's order of preference.
// A client offering none gets a handshake without Sec-WebSocket-Protocol and
// an immediate close with code 1002 (OCPP-J §3.1.2; OCTT TC_088).
//
// # Authentication and rate limiting
//
// HTTP Basic auth (security profile 1) is checked before the upgrade through
// ChargingService.AuthenticateCharger; the user name must equal the identity
// in the URL (percent-decoded, at most 48 characters). Failures answer 401
// with WWW-Authenticate. Failed attempts are counted in fixed windows:
//
//   - per (identity, remote address) pair: PairFailures per window, then 429
//     for that pair only. A misconfigured charger throttles itself, nobody else.
//   - per remote address, over all identities: AddressFailures, then 429 for
//     the address (one host guessing many identities).
//   - per identity, over all addresses: IdentityFailures; past it, only pairs
//     that have failed at least once in the window get 429. An attacker
//     spraying wrong passwords from many addresses thus gets one guess per
//     address per window, while the real charger, whose address has not
//     failed, still connects: the identity-wide count can never lock out the
//     real charger. A success clears its pair.
//
// # Duplicate connections
//
// The newest AUTHENTICATED connection for a charger wins (SteVe #357,
// CitrineOS #190). When a charger connects while an older connection of the
// same CPID is registered, the old one is closed with the reason "replaced by
// a newer connection" (close code 1000), its pending and queued calls fail with an error
// matching ErrConnectionReplaced (code ECHARGEROFFLINE), and it does not
// record the charger offline. Unauthenticated peers are refused before the
// upgrade and never reach the registry, so they cannot displace anything.
//
// # Connections
//
// Per connection: one reader goroutine (parses frames, resolves answers to our
// CALLs, queues the charger's CALLs); a handler goroutine started only while
// charger CALLs are queued, which processes them one at a time in arrival
// order (so a second CALL sent before our answer is processed too, and
// transaction messages keep their order); a writer goroutine started only
// while the outbox is non-empty, the only goroutine writing data frames, with
// a write deadline. Enqueueing never blocks: a full outbox closes the
// connection as a slow consumer. A timer sends a websocket ping only when
// nothing was received for PingInterval, and closes the connection when
// nothing (frame or pong) was received for StaleAfter. Idle connections thus
// hold one goroutine (the reader).
//
// # Lock order
//
// presence (per CPID, serialises RecordConnection and its events) before
// Gateway.mu before conn.mu. No lock is held during socket I/O; presence is
// held during the store call that records the connection state so that an
// old connection's "offline" can never land after a new one's "online".
//
// # Boot (OCPP 1.6)
//
// A 1.6 charger sends BootNotification after a reboot, not after a mere
// reconnect, so messages before a BootNotification on a connection are
// served. An authenticated charger's boot is Accepted; if recording the boot
// fails the answer is Pending with a short interval (the charger retries), and
// until an Accepted boot other CALLs on that connection get SecurityError (as
// OCPP 2.0.1 B02 requires; 1.6 lets the central system refuse them).
//
// # CALL discipline
//
// One outstanding CALL per direction (OCPP-J §4.1.1). Call queues behind the
// outstanding one (FIFO); its context and CallTimeout bound the whole wait;
// a timeout always frees the slot, so a lost answer never blocks later calls.
// An answer is matched by unique id; an answer for no pending call is logged
// and dropped. A disconnect fails pending and queued calls with
// ECHARGEROFFLINE.
package gateway
