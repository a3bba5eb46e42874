#!/usr/bin/env bash
# The whole test suite from a clean clone: installs what it needs, builds, runs every test project,
# and ends with one line of totals computed from the TRX results.
set -uo pipefail
cd "$(dirname "$0")/.."

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

scripts/install-prereqs.sh || { echo "installing prerequisites failed" >&2; exit 1; }

dotnet restore Swarm.Functions.sln || exit 1
dotnet build Swarm.Functions.sln --no-restore -c Release || exit 1

dotnet test Swarm.Functions.sln --no-build -c Release \
  --logger "trx" --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=1500000
test_exit=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

if [ "$files" -eq 0 ]; then
  echo "no test results were written" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$failed" -ne 0 ] || [ "$test_exit" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
