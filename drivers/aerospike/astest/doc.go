// Package astest is an Aerospike server for tests and demos, in the manner
// of net/http/httptest: it speaks enough of the Aerospike wire protocol
// (info commands for seeding and tending, single-record reads and writes,
// batch reads, login and session tokens, optionally over TLS) that the
// official Go client v7 connects to it on loopback and runs its commands
// against an in-memory store. A [Cluster] spreads the partitions over
// several nodes; [Faults] and a drivers/sim capacity model make nodes slow,
// overloaded or failing on purpose.
//
// In the DESIGN.md data flow it stands where an Aerospike cluster would:
// behind drivers/aerospike, so surge's real client path runs end to end in
// tests without a server, and `surge target aerospike` serves it for demos.
// Only the wire protocol is emulated; there is no replication, persistence
// or eviction.
package astest
