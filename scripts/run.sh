#!/usr/bin/env bash
# Runs the swarm locally: `swarm up --demo-timers` — the API on 127.0.0.1:7071 on the Durable Task Azure Storage
# backend with Azurite (state kept in $SWARM_HOME, default ~/.swarm), the in-process bus, the Aspire dashboard,
# Prometheus and Alertmanager; Ctrl+C stops it all. With arguments, runs that `swarm` command instead
# (scripts/run.sh demo, scripts/run.sh work list).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
if [ $# -eq 0 ]; then
  set -- up --demo-timers
fi
exec dotnet run --project src/Swarm.Cli -c Release -- "$@"
