#!/usr/bin/env bash
# Runs the swarm locally on its embedded default (in-memory Durable backend, in-process bus).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh
dotnet run --project src/Swarm.Cli -c Release -- "${@:-demo}"
