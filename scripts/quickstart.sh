#!/usr/bin/env bash
# Get the programs, then run a one-minute soak of the bundled example workload:
# a client that leaks a little memory every iteration, fails now and then and
# sometimes hangs, which soak-run's timeout kills; then soak-report judges it.
# The programs come from the fastest place that has them:
#   1. SOAK_TOOLKIT=DIR: ready-made programs (an unpacked release archive's bin/,
#      or scripts/release-build.sh's OUTDIR/bin), used as they are, nothing built;
#   2. build-release/PLATFORM-out/bin when scripts/release-build.sh made it;
#   3. scripts/release-build.sh when its static libraries are already built
#      (build-release/deps-PLATFORM): the programs alone, nothing installed;
#   4. otherwise the development build: the build dependencies from apt-get or
#      Homebrew (install-deps.sh --build, not the test toolchain), then CMake.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "quickstart: $*" >&2; }
programs=(soak-run soak-report soak-bundle soak-canary soak-clean soak-example-leaky)
have_all() { # DIR: every program there and runnable
	local p
	for p in "${programs[@]}"; do
		[ -x "$1/$p" ] || return 1
	done
	"$1/soak-run" --version >/dev/null 2>&1
}

case "$(uname -sm)" in
"Linux x86_64") platform=linux-x64 ;;
"Linux aarch64") platform=linux-arm64 ;;
"Darwin arm64") platform=macos-arm64 ;;
"Darwin x86_64") platform=macos-x64 ;;
*) platform="" ;;
esac

start=$SECONDS
bin=""
if [ -n "${SOAK_TOOLKIT:-}" ]; then
	have_all "$SOAK_TOOLKIT" || {
		say "SOAK_TOOLKIT=$SOAK_TOOLKIT does not hold ${programs[*]}"
		exit 2
	}
	bin=$(cd "$SOAK_TOOLKIT" && pwd -P)
	say "using the programs in $bin"
elif [ -n "$platform" ] && have_all "build-release/$platform-out/bin"; then
	bin=$PWD/build-release/$platform-out/bin
	say "using the release programs in $bin"
elif [ -n "$platform" ] && [ -d "build-release/deps-$platform/lib" ]; then
	say "building the release programs with the static libraries in build-release/deps-$platform"
	scripts/release-build.sh "$platform" "build-release/$platform-out" >/dev/null
	bin=$PWD/build-release/$platform-out/bin
else
	# only what the build needs (the test toolchain is scripts/install-deps.sh without --build)
	scripts/install-deps.sh --build
	jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
	cmake -S . -B build >/dev/null
	say "building in build/"
	cmake --build build -j "$jobs" --target "${programs[@]}" >/dev/null
	bin=$PWD/build/bin
fi
say "programs ready in $((SECONDS - start)) s"

dir=${SOAK_DIR:-artifacts/soak}
rc=0
"$bin/soak-run" --dir "$dir" --force --duration 1m --timeout 5s --kill-after 1s \
	--heartbeat 250ms --sample-interval 250ms --max-failures 20 \
	-- "$bin/soak-example-leaky" --leak-kb 256 --fail-rate 0.05 --hang-rate 0.02 --work-ms 300 ||
	rc=$?
echo
# the one-screen summary: statistics, leak trends and a verdict, with reports in $dir/reports
"$bin/soak-report" --dir "$dir" || rc=$?
cat <<EOT

soak directory: $dir (run.json, metrics.jsonl, samples.jsonl, events.jsonl, logs/, reports/)
programs:       $bin (soak-run, soak-report, soak-bundle, soak-canary, soak-clean)
try next:
  open $dir/reports/report.html                  the charts and the gate table
  $bin/soak-report --dir $dir --gate 'rss:slope<1MB/h' --gate 'pass_rate>=0.9'
  $bin/soak-run --replay $dir/run.json --dir local-soak --iterations 10   the same soak, shorter
  $bin/soak-run --help                                   every setting (docs/soak-run.md)
EOT
exit "$rc"
