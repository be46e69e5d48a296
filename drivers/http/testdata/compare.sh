#!/usr/bin/env bash
# compare.sh: requests per generator CPU-second, surge's HTTP client
# (drivers/http on fasthttp, through internal/httpload) against wrk and
# vegeta, closed loop, GETs of one path over the same number of
# connections to one loopback server (internal/static, fasthttp serving a
# 64-byte body, a process of its own). Each generator runs under
# /usr/bin/time; its CPU is user+sys of that process alone.
#
# With two CPUs or more, the server is pinned to the last CPU and each
# generator to the first (taskset), so that the server does not take the
# generator's CPU: each generator then has one CPU (GOMAXPROCS follows the
# affinity; wrk runs one thread).
#
# Usage: drivers/http/testdata/compare.sh   (from anywhere; installs wrk
# with apt when missing, sudo only when not root, and vegeta with go
# install into a temporary GOBIN)
# Knobs: C (connections), N (surge's requests per round), DURATION (wrk's
# and vegeta's rounds), RUNS (rounds of the three).
set -euo pipefail

C=${C:-50}
N=${N:-400000}
DURATION=${DURATION:-10s}
RUNS=${RUNS:-3}
VEGETA=github.com/tsenart/vegeta/v12@v12.13.0

root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
server=
cleanup() {
	if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

[[ -x /usr/bin/time ]] || { echo "compare.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
	sudo=
	if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null; then sudo=sudo; fi
	$sudo apt-get update >/dev/null
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null
fi
(cd "$root" && go build -o "$work/static" ./drivers/http/internal/static &&
	go build -o "$work/httpload" ./drivers/http/internal/httpload &&
	GOBIN="$work" go install "$VEGETA")

cpus=$(nproc)
gen=() srv=()
if ((cpus >= 2)); then
	gen=(taskset -c 0) srv=(taskset -c $((cpus - 1)))
fi

"${srv[@]}" "$work/static" >"$work/addr" 2>"$work/static.log" &
server=$!
for ((tries = 0; ; tries++)); do # bounded readiness poll: static prints its address once listening
	[[ -s $work/addr ]] && break
	((tries < 100)) || { echo "compare.sh: static not ready" >&2; cat "$work/static.log" >&2; exit 1; }
	sleep 0.05
done
url="http://$(cat "$work/addr")"

# timed NAME CMD...: runs CMD under /usr/bin/time (its stdout to
# $work/out) and sets wall and cpu (user+sys) in seconds.
timed() {
	local name=$1 user sys
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err" ||
		{ echo "compare.sh: $name failed" >&2; cat "$work/out" "$work/err" >&2; exit 1; }
	read -r wall user sys <"$work/time"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
}

# row NAME REQUESTS: records the last timed run.
row() { echo "$1 $2 $wall $cpu" >>"$work/results"; }

: >"$work/results"
echo "GET $url/" >"$work/targets"
for ((run = 1; run <= RUNS; run++)); do
	timed surge "${gen[@]}" "$work/httpload" -url "$url" -path / -c "$C" -n "$N"
	row surge "$N"

	timed wrk "${gen[@]}" wrk -t1 -c "$C" -d "$DURATION" "$url/"
	if grep -q 'Non-2xx\|Socket errors' "$work/out"; then cat "$work/out" >&2; exit 1; fi
	row wrk "$(awk '/requests in/ { print $1 }' "$work/out")"

	timed vegeta "${gen[@]}" "$work/vegeta" attack -targets "$work/targets" -rate=0 -workers="$C" -max-workers="$C" \
		-max-connections="$C" -duration="$DURATION" -output "$work/vegeta.bin"
	report=$("$work/vegeta" report -type=json "$work/vegeta.bin")
	n=$(grep -o '"requests":[0-9]*' <<<"$report" | cut -d: -f2)
	grep -q "\"status_codes\":{\"200\":$n}" <<<"$report" || { echo "compare.sh: vegeta: $report" >&2; exit 1; }
	row vegeta "$n"
done

cat <<EOF
GETs of a 64-byte body over $C connections on loopback, closed loop, $RUNS rounds; $cpus CPUs,
generator on ${gen[*]:-any CPU}, server on ${srv[*]:-any CPU}.
  surge:  internal/httpload -c $C -n $N (drivers/http: fasthttp, $C connections)
  wrk:    wrk -t1 -c $C -d $DURATION
  vegeta: vegeta attack -rate=0 -workers=$C -max-workers=$C -max-connections=$C -duration=$DURATION
req/cpu-s is requests per CPU-second (user+sys) of the generator process.
EOF
awk '
{
	n = $2; wall = $3; cpu = $4
	printf "%-7s %8d req  wall %6.2fs  %7.0f req/s  cpu %6.2fs  %7.0f req/cpu-s\n", $1, n, wall, n / wall, cpu, n / cpu
	reqs[$1] += n; cpus[$1] += cpu
}
END {
	for (g in reqs) rate[g] = reqs[g] / cpus[g]
	printf "all rounds: surge %.0f, wrk %.0f, vegeta %.0f req/cpu-s\n", rate["surge"], rate["wrk"], rate["vegeta"]
	printf "surge/vegeta %.2fx (goal >= 2), surge/wrk %.2fx (goal >= 0.6)\n", rate["surge"] / rate["vegeta"], rate["surge"] / rate["wrk"]
}' "$work/results"
