#!/usr/bin/env bash
# throughput.sh: surge's CPU per op against Aerospike. It serves a 3-node
# `surge target aerospike` on loopback in one process and runs
# throughput.yaml (the bbd-flash-sale-aerospike mix, open-loop at RATE ops/s
# for DURATION seconds) with `surge run` in another, under /usr/bin/time, and prints
# the ops surge completed per CPU-second of its own process: the ops/s one
# generator core sustains. The emulated server's CPU is not counted.
#
# Usage: drivers/aerospike/testdata/throughput.sh   (knobs: RATE, DURATION (seconds),
# CPUS, the GOMAXPROCS of the generator: default all)
set -euo pipefail

RATE=${RATE:-10000}
DURATION=${DURATION:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
server=
cleanup() {
	if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/surge" ./cmd/surge)

"$work/surge" target aerospike --listen 127.0.0.1:0 --nodes 3 >"$work/target.log" 2>&1 &
server=$!
hosts=
for ((tries = 0; tries < 100; tries++)); do # bounded wait for the three nodes
	hosts=$(grep -o 'listening on [^ ]*' "$work/target.log" | awk '{print $3}' | paste -sd, -) || true
	[[ $hosts == *,*,* ]] && break
	sleep 0.05
done
[[ -n $hosts ]] || { echo "throughput.sh: surge target did not start" >&2; cat "$work/target.log" >&2; exit 1; }

gen=("$work/surge")
if [[ -n ${CPUS:-} ]]; then gen=(env GOMAXPROCS="$CPUS" "$work/surge"); fi
/usr/bin/time -f '%e %U %S' -o "$work/time" "${gen[@]}" run "$here/throughput.yaml" --no-slo --out "$work/out" \
	--env SURGE_AEROSPIKE_HOSTS="$hosts" --env RATE="$RATE" --env DURATION="${DURATION}s" >"$work/run.log" 2>&1 ||
	{ cat "$work/run.log" >&2; exit 1; }
# The ops are the steady stage's; the populate's 10k writes are not
# counted, though their CPU is, so the figure errs low.
ops=$(awk '/^stage steady/ {found=1; next} found && NF == 0 {found=0} found && $3 ~ /^[0-9]+$/ {n += $3} END {print n}' "$work/run.log")
read -r wall user sys <"$work/time"
awk -v ops="$ops" -v wall="$wall" -v user="$user" -v sys="$sys" -v rate="$RATE" -v cpus="${CPUS:-$(nproc)}" 'BEGIN {
	cpu = user + sys
	printf "surge run, aerospike mix at %d ops/s against surge target aerospike (3 nodes), GOMAXPROCS=%s\n", rate, cpus
	printf "%d ops  wall %.2fs  cpu %.2fs (user %.2f sys %.2f)  %.0f ops per generator CPU-second\n", ops, wall, cpu, user, sys, ops / cpu
}'
sed -n '/^stage steady/,/^$/p; /^warnings/,/^$/p' "$work/run.log"
