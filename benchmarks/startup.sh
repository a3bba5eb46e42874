#!/usr/bin/env bash
# Times `swarm up --demo-timers` (Azurite, the Aspire dashboard, Prometheus and Alertmanager) from launch until
# GET /api/health answers 200 with status "healthy": first with a new SWARM_HOME ("cold": Azurite creates its data
# and the task hub is created), then again on the same home ("warm"), each start stopped with SIGINT to its process
# group as a terminal's Ctrl+C would. Prints "figure:" lines: the median and the range of each, in seconds, and the
# "ready in" the command itself printed.
#
#   benchmarks/startup.sh [rounds]      (default 3; needs a Release build, e.g. after scripts/test.sh)
#
# The machine should be otherwise idle; every start is on a free 127.0.0.1 port and its home is deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
swarm=src/Swarm.Cli/bin/Release/net10.0/swarm
if [ ! -x "$swarm" ]; then
  echo "startup.sh: $swarm not found: build first (dotnet build Swarm.Functions.sln -c Release)" >&2
  exit 2
fi

scratch=$(mktemp -d -t swarm-startup-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -INT -- "-$pid" 2>/dev/null || true; sleep 5; kill -KILL -- "-$pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
now_ms() { date +%s%3N; }
health() { { curl -s --max-time 2 "http://127.0.0.1:$1/api/health" || true; } | node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{try{console.log(JSON.parse(d).status)}catch{console.log("none")}})'; }

# One start: sets took (seconds to healthy) and ready (its "ready in" as printed), then stops it and waits for it.
start_once() {
  local home=$1 port log t0 status elapsed
  port=$(free_port)
  log="$scratch/up-$(now_ms).log"
  t0=$(now_ms)
  SWARM_HOME="$home" setsid env --default-signal=INT "$swarm" up --demo-timers --port "$port" \
    --dashboard-port 0 --otlp-port 0 --otlp-http-port 0 > "$log" 2>&1 &
  pid=$!
  status=none
  while [ $(( $(now_ms) - t0 )) -lt 180000 ]; do
    status=$(health "$port")
    [ "$status" = healthy ] && break
    if ! kill -0 "$pid" 2>/dev/null; then echo "startup.sh: swarm up exited early; its output:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.1
  done
  elapsed=$(( $(now_ms) - t0 ))
  if [ "$status" != healthy ]; then echo "startup.sh: not healthy within 180 s (last: $status)" >&2; cat "$log" >&2; exit 1; fi
  ready=$(grep -o 'ready in [0-9.]* s' "$log" | head -1 | grep -o '[0-9.]*' || echo '?')
  kill -INT -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "startup.sh: swarm up did not stop within 60 s of SIGINT" >&2; exit 1; fi
  pid=
  took=$(awk "BEGIN{printf \"%.1f\", $elapsed/1000}")
}

summary() { # name, then values: prints the median and the range
  local name=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v n="$name" '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "figure: %s = %.1f s (%.1f-%.1f, %d rounds)\n", n, m, v[1], v[NR], NR}'
}

cold=() warm=() cold_ready=() warm_ready=()
for round in $(seq 1 "$rounds"); do
  home="$scratch/home-$round"
  start_once "$home"; c=$took; cr=$ready
  start_once "$home"; w=$took; wr=$ready
  echo "round $round: cold ${c} s to healthy (ready in ${cr} s), warm ${w} s (ready in ${wr} s)"
  cold+=("$c"); warm+=("$w"); cold_ready+=("$cr"); warm_ready+=("$wr")
  rm -rf "$home"
done

summary "swarm up cold start to healthy" "${cold[@]}"
summary "swarm up warm start to healthy" "${warm[@]}"
summary "swarm up cold start, ready in as printed" "${cold_ready[@]}"
summary "swarm up warm start, ready in as printed" "${warm_ready[@]}"
