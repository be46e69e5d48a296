#!/usr/bin/env bash
# compare.sh: requests per generator CPU-second, surge's Redis client
# (drivers/redis, through internal/redisload) against redis-benchmark, on one
# loopback redis-server, GET and SET of 3-byte values, 50 clients, with
# pipelining off and on (redis-benchmark -P against surge's
# auto-pipelining). Each generator runs under /usr/bin/time; its CPU is
# user+sys of that process alone (the server is a separate process).
#
# Usage: drivers/redis/testdata/compare.sh   (from anywhere; needs redis-server,
# redis-benchmark and /usr/bin/time: `make test` installs the first two)
# Knobs: N (requests per unpipelined run), NP (per pipelined run), R (keys),
# PORT (first port to try).
set -euo pipefail

N=${N:-300000}
NP=${NP:-2000000}
R=${R:-100000}
PORT=${PORT:-16379}
CLIENTS=50
DEPTH=16 # redis-benchmark -P; surge gets CLIENTS*DEPTH goroutines in flight

root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
server=
cleanup() {
	if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

for tool in redis-server redis-benchmark redis-cli /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (run make test)" >&2; exit 1; }
done

(cd "$root" && go build -o "$work/redisload" ./drivers/redis/internal/redisload)

for ((tries = 0; tries < 20; tries++)); do # a port nothing answers on
	redis-cli -p "$PORT" ping >/dev/null 2>&1 || break
	PORT=$((PORT + 1))
done
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
server=$!
for ((tries = 0; ; tries++)); do # bounded readiness poll
	redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
	((tries < 100)) || { echo "compare.sh: redis-server not ready" >&2; cat "$work/redis.log" >&2; exit 1; }
	sleep 0.05
done

# timed NAME CMD...: runs CMD under /usr/bin/time and appends
# "NAME wall user sys" to $work/results.
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
	echo "$name $(cat "$work/time")" >>"$work/results"
}

# The two generators, less the op, the request count and the mode.
rb=(redis-benchmark -p "$PORT" -r "$R" -d 3 --csv)
sl=("$work/redisload" -addr "127.0.0.1:$PORT" -r "$R" -d 3)
one=(env GOMAXPROCS=1) # a one-CPU pod; redis-benchmark is one thread
inflight=$((CLIENTS * DEPTH))

# Each row is "NAME REQUESTS [BASE]": a surge row is compared with the
# redis-benchmark row named BASE. SETs run first: they fill each
# generator's keyspace for its GETs.
: >"$work/results"
for op in set get; do
	plain="rb/$op/c$CLIENTS" piped="rb/$op/c$CLIENTS-P$DEPTH" deep="rb/$op/c1-P$inflight"
	timed "$plain $N" "${rb[@]}" -c "$CLIENTS" -t "$op" -n "$N"
	timed "surge/$op/c$CLIENTS $N $plain" "${sl[@]}" -op "$op" -n "$N" -c "$CLIENTS" -pipeline 1 -connections "$CLIENTS"
	timed "surge/$op/c$CLIENTS/1cpu $N $plain" "${one[@]}" "${sl[@]}" -op "$op" -n "$N" -c "$CLIENTS" -pipeline 1 -connections "$CLIENTS"
	timed "$piped $NP" "${rb[@]}" -c "$CLIENTS" -P "$DEPTH" -t "$op" -n "$NP"
	timed "surge/$op/auto $NP $piped" "${sl[@]}" -op "$op" -n "$NP" -c "$inflight"
	timed "surge/$op/c1-flush50us $NP $piped" "${sl[@]}" -op "$op" -n "$NP" -c "$inflight" -connections 1 -flush-delay 50us
	timed "surge/$op/c1-flush50us/1cpu $NP $piped" "${one[@]}" "${sl[@]}" -op "$op" -n "$NP" -c "$inflight" -connections 1 -flush-delay 50us
	timed "$deep $NP" "${rb[@]}" -c 1 -P "$inflight" -t "$op" -n "$NP"
	timed "surge/$op/c1-flush50us/1cpu $NP $deep" "${one[@]}" "${sl[@]}" -op "$op" -n "$NP" -c "$inflight" -connections 1 -flush-delay 50us
done

cat <<EOF
rb/OP/cC: redis-benchmark on C connections, one request in flight on each; rb/OP/cC-PD: D pipelined
on each. surge/OP/cC: C goroutines on a pool of C connections (Pipeline 1). surge/OP/auto: $inflight
goroutines, auto-pipelined on the default connections; c1-flush50us: on one connection with
FlushDelay 50us. /1cpu: GOMAXPROCS=1. 3-byte values, $R keys, $(nproc) CPUs.
EOF
awk '
{
	n = $2; wall = $(NF-2); cpu = $(NF-1) + $NF; rate = n / cpu
	if (NF == 5) base[$1] = rate
	printf "%-28s %8d req  wall %6.2fs  %8.0f req/s  cpu %6.2fs  %8.0f req/cpu-s", $1, n, wall, n / wall, cpu, rate
	if (NF == 6) printf "  %.2fx %s", rate / base[$3], $3
	print ""
}' "$work/results"
