#!/usr/bin/env bash
# Install what soak-action needs to build and test, on Debian/Ubuntu (apt-get) or
# macOS (Homebrew). Idempotent: when everything is there it only checks, quickly.
#   scripts/install-deps.sh          build and test dependencies
#   scripts/install-deps.sh --build  build dependencies only
set -euo pipefail

build_deb=(build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev libarchive-dev)
test_deb=(jq procps)
build_brew=(cmake pkg-config curl cjson libarchive)
test_brew=(jq)

want_tests=1
[ "${1:-}" = "--build" ] && want_tests=0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	sudo_cmd=(sudo)
fi

if command -v apt-get >/dev/null 2>&1; then
	pkgs=("${build_deb[@]}")
	[ "$want_tests" = 1 ] && pkgs+=("${test_deb[@]}")
	missing=()
	for p in "${pkgs[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "install-deps: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		"${sudo_cmd[@]}" apt-get update -qq
		"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
elif command -v brew >/dev/null 2>&1; then
	pkgs=("${build_brew[@]}")
	[ "$want_tests" = 1 ] && pkgs+=("${test_brew[@]}")
	for p in "${pkgs[@]}"; do
		brew list --versions "$p" >/dev/null 2>&1 || brew install "$p"
	done
else
	echo "install-deps: neither apt-get nor brew found; install by hand: cmake, pkg-config, libcurl, cJSON, libarchive (and jq for the tests)" >&2
	exit 4
fi
