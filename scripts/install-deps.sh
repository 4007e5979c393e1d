#!/usr/bin/env bash
# Install what soak-action needs to build and test, on Debian/Ubuntu (apt-get) or
# macOS (Homebrew). Idempotent: when everything is there it only checks, quickly.
#   scripts/install-deps.sh          build and test dependencies
#   scripts/install-deps.sh --build  build dependencies only
set -euo pipefail

build_deb=(build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev libarchive-dev libssl-dev libzstd-dev)
test_deb=(jq procps git libarchive-tools unzip zstd python3 prometheus curl shellcheck
	prometheus-pushgateway chromium libxml2-utils nginx-light
	clang libclang-rt-dev valgrind e2fsprogs # fuzzing (libFuzzer), memcheck, chattr
	mingw-w64 wine wine64 dpkg-dev # the Windows cross build (scripts/win-deps.sh) and its tests
	musl-tools ninja-build) # the static release build (scripts/release-deps.sh, release-build.sh)
build_brew=(cmake pkg-config curl cjson libarchive openssl zstd)
test_brew=(jq zstd prometheus pushgateway nginx shellcheck)

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
	echo "install-deps: neither apt-get nor brew found; install by hand: cmake, pkg-config, libcurl, cJSON, libarchive, OpenSSL (and jq for the tests)" >&2
	exit 4
fi

# The npm tools of the test suite (tools/package.json: the action and workflow
# validators, an S3-compatible server), into tools/node_modules at the versions of
# tools/package-lock.json; skipped while the lockfile is the one last installed.
if [ "$want_tests" = 1 ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "install-deps: installing Node.js and npm" >&2
		if command -v apt-get >/dev/null 2>&1; then
			"${sudo_cmd[@]}" apt-get update -qq
			DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
		else
			brew install node
		fi
	fi
	tools=$(cd "$(dirname "$0")/../tools" && pwd)
	if ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.install-deps-lock.json"; then
		echo "install-deps: npm ci in $tools" >&2
		(cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
		cp "$tools/package-lock.json" "$tools/node_modules/.install-deps-lock.json"
	fi
fi
