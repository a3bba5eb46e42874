#!/usr/bin/env bash
# Idempotent installs of what the build, the tests and the local stack need beyond the .NET SDK:
# Prometheus and Alertmanager (Debian packages) for the alert loop, Chromium (Debian package) for the browser check
# of the dashboard. Installing twice changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing ${missing[*]} and no apt-get to install them with" >&2
    exit 1
  fi
  echo "installing ${missing[*]} (Debian packages)"
  sudo_if_needed apt-get update -qq
  # The packages' services are not started here: the tests start their own instances on free loopback ports
  # (and run chromium headless against the dashboard of a `swarm up` they start).
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Azurite (npm), the local Azure Storage emulator `swarm up` runs the Durable backend on: installed into
# local/azurite/node_modules at the version local/azurite/package.json pins (3.35.0, the last whose declared engines include Node 20).
if ! command -v npm >/dev/null 2>&1; then
  echo "npm (Node.js) is required to install Azurite" >&2
  exit 1
fi
wanted=$(node -p "require('./local/azurite/package.json').dependencies.azurite")
installed=$(node -p "try { require('./local/azurite/node_modules/azurite/package.json').version } catch { '' }")
if [ "$installed" != "$wanted" ] || [ ! -x local/azurite/node_modules/.bin/azurite ]; then
  echo "installing azurite $wanted (npm)"
  npm install --prefix local/azurite --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
fi
