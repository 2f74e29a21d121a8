#!/usr/bin/env bash
# Installs what hive-resilience needs to run and to test, on a fresh Debian machine with Node 20.
# Used by the README's commands, by `npm test` and by .ci/run (one setup, no private copies).
#   bash scripts/setup.sh            install npm packages (npm ci) when missing or stale, and Debian packages
#   bash scripts/setup.sh --quiet    the same, printing only what it does
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

# Debian packages the tests use (none are needed to run the gateway itself): redis-server for the
# shared-state tests, chromium for the dashboard tests (driven by playwright-core).
APT_PACKAGES=(redis-server chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install the Debian packages: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm packages: reinstall when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci; better-sqlite3 may build from source, ~90 s)"
  npm ci --no-audit --no-fund >/dev/null
fi
say "ready"
