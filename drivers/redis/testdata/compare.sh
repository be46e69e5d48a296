#!/usr/bin/env bash
# compare.sh: requests per generator CPU-second, surge's Redis client
# (drivers/redis, through internal/redisload) against redis-benchmark, on one
# loopback redis-server, GET and SET of 3-byte values, 50 clients, with
# pipelining off and on. Each generator runs under /usr/bin/time; its CPU is
# user+sys of that process alone (the server is a separate process).
#
# Usage: drivers/redis/testdata/compare.sh   (from anywhere; needs redis-server,
# redis-benchmark and /usr/bin/time: `make test` installs the first two)
# Knobs: N (requests per unpipelined run), NP (per pipelined run), R (keys),
# PORT (first port to try).
set -euo pipefail

N=${N:-400000}
NP=${NP:-3000000}
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
rb=(redis-benchmark -p "$PORT" -c "$CLIENTS" -r "$R" -d 3 --csv)
sl=("$work/redisload" -addr "127.0.0.1:$PORT" -r "$R" -d 3)
pipelined=$((CLIENTS * DEPTH))

: >"$work/results"
# SET runs first: they fill each generator's keyspace for its GETs.
timed "rb/set/nopipe $N" "${rb[@]}" -t set -n "$N"
timed "surge/set/nopipe $N" "${sl[@]}" -op set -n "$N" -c "$CLIENTS" -pipeline 1 -connections "$CLIENTS"
timed "rb/get/nopipe $N" "${rb[@]}" -t get -n "$N"
timed "surge/get/nopipe $N" "${sl[@]}" -op get -n "$N" -c "$CLIENTS" -pipeline 1 -connections "$CLIENTS"
timed "rb/set/pipe $NP" "${rb[@]}" -t set -n "$NP" -P "$DEPTH"
timed "surge/set/pipe $NP" "${sl[@]}" -op set -n "$NP" -c "$pipelined"
timed "surge/set/pipe64x16 $NP" "${sl[@]}" -op set -n "$NP" -c "$pipelined" -connections 64 -pipeline "$DEPTH"
timed "rb/get/pipe $NP" "${rb[@]}" -t get -n "$NP" -P "$DEPTH"
timed "surge/get/pipe $NP" "${sl[@]}" -op get -n "$NP" -c "$pipelined"
timed "surge/get/pipe64x16 $NP" "${sl[@]}" -op get -n "$NP" -c "$pipelined" -connections 64 -pipeline "$DEPTH"

echo "redis-benchmark: $CLIENTS connections, -P 1 or -P $DEPTH; surge nopipe: $CLIENTS goroutines on a pool of"
echo "$CLIENTS connections (Pipeline 1); surge pipe: $((CLIENTS * DEPTH)) goroutines, auto-pipelined on the default"
echo "connections; pipe64x16: Connections 64, Pipeline $DEPTH. 3-byte values, $R keys, GOMAXPROCS=$(nproc)."
awk '
{
	split($1, k, "/"); tool = k[1]; test = k[2] "/" k[3]; n = $2; wall = $3; cpu = $4 + $5
	rate = n / cpu
	printf "%-24s %9d req  wall %6.2fs  %8.0f req/s  cpu %6.2fs  %8.0f req/cpu-s", $1, n, wall, n / wall, cpu, rate
	if (tool == "rb") { base[k[2] "/" (k[3] ~ /^pipe/ ? "pipe" : "nopipe")] = rate; print "" }
	else { printf "  surge/rb %.2f\n", rate / base[k[2] "/" (k[3] ~ /^pipe/ ? "pipe" : "nopipe")] }
}' "$work/results"
