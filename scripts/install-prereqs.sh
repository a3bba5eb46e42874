#!/usr/bin/env bash
# Idempotent installs of what the build, the tests and the local stack need beyond the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
