// Package redis is the [drivers.Target] adapter for Redis, a single server
// or a Redis Cluster. The engine calls [Client.Do] from its worker pool for
// every op of the mix that the scenario routes to a Redis target; Do turns
// the op into one command (GET, SET, DEL, INCRBY, MGET, HGET, HSET, HINCRBY,
// PEXPIRE), waits for the reply, and returns nil or an error that
// [drivers.ClassOf] maps to a class. In the DESIGN.md data flow it is one of
// the targets at the end of the engine, beside drivers/sim and
// drivers/aerospike; cmd/surge builds its [Config] and [OpConfig]s from the
// scenario's redis target.
//
// # Why rueidis
//
// The client is github.com/redis/rueidis, chosen for generator throughput.
// Its README ("Auto Pipelining") says that all concurrent non-blocking
// commands such as GET and SET "are automatically pipelined by default,
// which reduces the overall round trips and system calls": commands issued
// from many goroutines at once are queued on a ring per connection and
// written in batches by one writer goroutine, and replies are read back in
// order by one reader, over a few multiplexed connections per node
// (ClientOption.PipelineMultiplex: 2^n connections, by default
// min(log2 GOMAXPROCS, 2) for a single server and 1 per node for a
// cluster). A million ops/s from hundreds of workers thus costs far fewer
// syscalls than one connection per in-flight request would, and the
// generator, not the target, stops being the bottleneck. Commands are
// built from pooled slices, so a request allocates little.
//
// [Config.Pipeline] 1 turns this off for targets that must be measured with
// strict request/response: rueidis's DisableAutoPipelining serves each
// command on a connection taken from a pool of [Config.Connections]
// dedicated connections, written and read on the calling goroutine, one
// command at a time.
//
// Retries (rueidis retries read-only commands after a network error) and
// client-side caching are off: a load generator must report each failure
// and send each op to the server.
package redis
