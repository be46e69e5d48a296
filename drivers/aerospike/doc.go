// Package aerospike is the [drivers.Target] for Aerospike clusters, built on
// the official Go client (github.com/aerospike/aerospike-client-go/v7).
//
// In the DESIGN.md data flow it sits at the far end of the engine: the
// engine's workers call [Client.Do] with an op index, a key index and a
// value size, and the adapter turns them into one client call (Get, PutBins,
// Delete, Touch, Exists, AddBins, Operate or BatchGet) with policies,
// keys and bins compiled once in [New]. Every failure comes back as a
// [*drivers.Error] classified by its Aerospike result code,
// so a report can tell a hot key (KEY_BUSY) from a saturated device
// (DEVICE_OVERLOAD), a client timeout or a broken cluster.
//
// Tests run the real client against drivers/aerospike/astest on loopback.
package aerospike
