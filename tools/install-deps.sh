#!/usr/bin/env bash
# Install the Debian packages cordon needs to build, test or demo, if missing.
# Usage: tools/install-deps.sh PACKAGE...
set -euo pipefail
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]}" >&2
	echo "run as root (sudo make ...) or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# On a fresh machine the package lists may be empty or stale: update first
# when a package is unknown, and retry once after an update if install fails.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -qq
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
