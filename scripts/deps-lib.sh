# shellcheck shell=bash disable=SC2034,SC2154 # the callers set and read the shared variables
# Shared by scripts/win-deps.sh and scripts/release-deps.sh (sourced, not run):
# fetch Debian's source packages of soak-action's third-party libraries through
# a private apt configuration, check them against pinned hashes, unpack them
# with Debian's patches, and build them into a prefix, each library once per
# recipe (a stamp holds its version and the recipe's hash).
#
# The caller sets deps_tag (the name in messages), deps_target (the platform
# the .pc files name) and deps_pins (the entries of deps_all_pins it builds),
# defines build_NAME for each of them, then calls
#   deps_begin PREFIX FILE...   (FILE...: what else the recipe depends on)
#   deps_todo || exit 0         (nothing to do: every stamp is current)
#   deps_need PACKAGE...        (build tools, installed with apt-get if missing)
#   deps_fetch_all
#   deps_chains "a b c" "d e"   (chains built side by side, each in its order)

say() { echo "$deps_tag: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# The pins: Debian source package, exact Debian version (bookworm, as served
# now), the .orig tarball and its SHA-256. A pin that apt no longer serves
# fails the run; update it here (the new hash comes from the downloaded file).
# libzstd and zlib stay on the bookworm point-release versions: the archive
# lists newer +deb12u1 builds in bookworm-security, but their files are not
# served (404); their fixes concern the zstd program and minizip, which are
# not built here. OpenSSL (release-deps.sh, Linux and macOS only) likewise:
# 3.0.22-1~deb12u2 is listed, its .debian.tar.xz is not served.
#   name        source package  version               orig tarball                        sha256
deps_all_pins=(
	"zlib       zlib            1:1.2.13.dfsg-1       zlib_1.2.13.dfsg.orig.tar.bz2       71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1"
	"zstd       libzstd         1.5.4+dfsg2-5         libzstd_1.5.4+dfsg2.orig.tar.xz     8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953"
	"cjson      cjson           1.7.15-1+deb12u4      cjson_1.7.15.orig.tar.gz            5308fd4bd90cef7aa060558514de6a1a4a0819974a26e6ed13973c5f624c24b2"
	"libarchive libarchive      3.6.2-1+deb12u5       libarchive_3.6.2.orig.tar.xz        9e2c1b80d5fbe59b61308fdfab6c79b5021d7ff4ff2489fb12daf0a96a83551d"
	"curl       curl            7.88.1-10+deb12u15    curl_7.88.1.orig.tar.gz             cdb38b72e36bc5d33d5b8810f8018ece1baa29a8f215b4495e495ded82bbf3c7"
	"openssl    openssl         3.0.20-1~deb12u2      openssl_3.0.20.orig.tar.gz          c80a01dfc70ece4dc21168932c37739042d404d46ccc81a5986dd75314ecda6f"
)

deps_pin() { # name -> its entry of deps_all_pins
	local pin
	for pin in "${deps_all_pins[@]}"; do
		[ "${pin%% *}" = "$1" ] && echo "$pin" && return 0
	done
	die "no pin for $1"
}

# The file each library leaves behind: a stamp without it is stale.
product() {
	case $1 in
	zlib) echo lib/libz.a ;;
	zstd) echo lib/libzstd.a ;;
	cjson) echo lib/libcjson.a ;;
	libarchive) echo lib/libarchive.a ;;
	openssl) echo lib/libcrypto.a ;;
	curl) echo lib/libcurl.a ;;
	esac
}

deps_begin() { # PREFIX FILE...: the prefix, its work directory and lock, the recipe hash
	mkdir -p "$1"
	prefix=$(cd "$1" && pwd -P)
	shift
	work=$prefix/.$deps_tag
	mkdir -p "$work/stamps" "$work/logs" "$prefix/include" "$prefix/lib/pkgconfig"
	# One run at a time per prefix: a second one waits rather than building over the first.
	exec 9>"$work/lock"
	flock 9
	# A change to the calling script, to this file or to the others named rebuilds everything.
	recipe=$(cat "$0" "${BASH_SOURCE[0]}" "$@" | sha256sum | cut -c1-16)
	jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
}

deps_todo() { # fills todo with the pins whose stamp is stale; false when there is none
	local pin name version
	todo=()
	for pin in "${deps_pins[@]}"; do
		read -r name _ version _ _ <<<"$pin"
		if [ "$(cat "$work/stamps/$name" 2>/dev/null)" = "$version $recipe" ] &&
			[ -f "$prefix/$(product "$name")" ]; then
			say "$name $version: reused"
		else
			todo+=("$pin")
		fi
	done
	[ "${#todo[@]}" -gt 0 ]
}

deps_need() { # Debian packages: installed only when missing
	local p missing=() sudo_cmd=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -gt 0 ] || return 0
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# wait for another apt/dpkg run instead of failing on its lock
	"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
	"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# --- a private apt: deb-src lines for the machine's own Debian mirrors ---------
deps_apt_setup() {
	apt_dir=$work/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	local machine_sources=/etc/apt/sources.list.d/debian.sources s
	[ -f "$machine_sources" ] || die "$machine_sources not found: cannot tell which Debian mirror to use"
	# deb822 stanzas -> one-line deb-src entries, bookworm suites only, same keyring
	awk '
function flush(  n, m, i, j, uri, suite) {
	if (f["URIs"] != "" && f["Types"] ~ /(^| )deb( |$)/) {
		n = split(f["URIs"], uri, " "); m = split(f["Suites"], suite, " ")
		for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
			if (suite[j] ~ /^bookworm(-updates|-security)?$/)
				printf "deb-src%s %s %s %s\n", (f["Signed-By"] != "" ? " [signed-by=" f["Signed-By"] "]" : ""), uri[i], suite[j], f["Components"]
	}
	delete f
}
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
/^[A-Za-z-]+:/ { key = $1; sub(/:$/, "", key); $1 = ""; sub(/^[ \t]+/, ""); f[key] = $0 }
END { flush() }' "$machine_sources" >"$apt_dir/sources.list.new"
	for s in bookworm bookworm-updates bookworm-security; do
		grep -q " $s " "$apt_dir/sources.list.new" || die "no $s suite in $machine_sources"
	done
	mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
		# the files land in PREFIX, which apt's _apt download user may not reach
		-o APT::Sandbox::User=root)
}

# --- fetch, check and unpack one source package --------------------------------
updated=0
fetch() { # name srcpkg version orig sha256 -> unpacked tree at $work/src/name
	local name=$1 pkg=$2 version=$3 orig=$4 sum=$5 dl=$work/dl/$1 dsc
	dsc=${pkg}_${version#*:}.dsc
	mkdir -p "$dl"
	if ! { [ -f "$dl/$dsc" ] && [ -f "$dl/$orig" ] &&
		echo "$sum  $dl/$orig" | sha256sum -c --status; }; then
		if [ "$updated" = 0 ]; then
			apt-get "${apt_opts[@]}" update -qq >"$work/logs/apt-update.log" 2>&1 ||
				die "apt-get update of the private source lists failed: see $work/logs/apt-update.log"
			updated=1
		fi
		rm -rf "$dl" && mkdir -p "$dl"
		if ! (cd "$dl" && apt-get "${apt_opts[@]}" source --download-only -q "$pkg=$version") \
			>"$work/logs/$name-fetch.log" 2>&1; then
			tail -n 5 "$work/logs/$name-fetch.log" >&2
			die "cannot fetch $pkg=$version; versions served now: $(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null |
				sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')(update the pin in ${BASH_SOURCE[0]})"
		fi
	fi
	[ -f "$dl/$orig" ] || die "$pkg=$version: $orig was not downloaded (the pin names the wrong file?)"
	local got
	got=$(sha256sum "$dl/$orig" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || die "$orig: SHA-256 is $got, the script expects $sum: refusing to build it"
	# dpkg-source checks every file against the .dsc (which apt checked against the
	# signed Sources index) and applies Debian's patches, security fixes included
	rm -rf "$work/src/$name"
	mkdir -p "$work/src"
	dpkg-source -q -x "$dl/$dsc" "$work/src/$name" >"$work/logs/$name-unpack.log" 2>&1 ||
		die "dpkg-source -x $dsc failed: see $work/logs/$name-unpack.log"
}

# Fetch everything first (apt is quick and runs one at a time)
deps_fetch_all() {
	local pin name pkg version orig sum
	deps_apt_setup
	for pin in "${todo[@]}"; do
		read -r name pkg version orig sum <<<"$pin"
		rm -f "$work/stamps/$name" "$work/logs/$name.log"
		fetch "$name" "$pkg" "$version" "$orig" "$sum"
	done
}

run() { # log-name command...: quiet unless it fails
	local log=$work/logs/$1.log
	shift
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

# The installed .pc files name exactly what a static link needs: the prefix
# holds no shared libraries, so Libs carries what Libs.private would (the
# project's pkg_check_modules asks without --static).
write_pc() { # file name version description cflags libs
	cat >"$prefix/lib/pkgconfig/$1" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $2
Description: $4 (static, $deps_target)
Version: $3
Cflags: -I\${includedir}$5
Libs: -L\${libdir} $6
EOF
}

# The zstd library alone, multithreaded; the cmake_common array holds the
# platform's CMake settings.
build_zstd() {
	run zstd cmake -S "$work/src/zstd/build/cmake" -B "$work/build/zstd" "${cmake_common[@]}" \
		-DZSTD_BUILD_STATIC=ON -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_PROGRAMS=OFF \
		-DZSTD_BUILD_TESTS=OFF -DZSTD_BUILD_CONTRIB=OFF -DZSTD_MULTITHREAD_SUPPORT=ON \
		-DZSTD_LEGACY_SUPPORT=OFF
	run zstd cmake --build "$work/build/zstd" -j "$jobs"
	run zstd cmake --install "$work/build/zstd"
	write_pc libzstd.pc zstd "$(sed -n 's/^Version: //p' "$work/build/zstd/lib/libzstd.pc")" \
		"fast lossless compression algorithm library" "" "-lzstd"
}

build_cjson() {
	# CJSON_HIDE_SYMBOLS: no __declspec(dllexport) or default visibility on the
	# functions, in the library and in its users
	run cjson cmake -S "$work/src/cjson" -B "$work/build/cjson" "${cmake_common[@]}" \
		-DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=OFF \
		-DENABLE_PUBLIC_SYMBOLS=OFF -DENABLE_HIDDEN_SYMBOLS=ON -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
	run cjson cmake --build "$work/build/cjson" -j "$jobs"
	run cjson cmake --install "$work/build/cjson"
	write_pc libcjson.pc libcjson "$(sed -n 's/^Version: //p' "$work/build/cjson/libcjson.pc")" \
		"Ultralightweight JSON parser in ANSI C" " -I\${includedir}/cjson -DCJSON_HIDE_SYMBOLS" "-lcjson"
}

# libarchive's settings on every platform: only zlib (gzip filter, zip
# deflate) and zstd (zstd filter) among the compression libraries; no regex,
# no bsdtar/bsdcpio/bsdcat, no ACLs. The caller adds its platform's.
libarchive_common=(-DENABLE_ZLIB=ON -DENABLE_ZSTD=ON
	-DENABLE_MBEDTLS=OFF -DENABLE_NETTLE=OFF -DENABLE_LIBB2=OFF
	-DENABLE_LZ4=OFF -DENABLE_LZO=OFF -DENABLE_LZMA=OFF -DENABLE_BZip2=OFF
	-DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF -DENABLE_PCREPOSIX=OFF -DENABLE_LIBGCC=OFF
	-DENABLE_TAR=OFF -DENABLE_CPIO=OFF -DENABLE_CAT=OFF -DENABLE_ACL=OFF
	-DENABLE_TEST=OFF -DENABLE_WERROR=OFF -DENABLE_INSTALL=OFF -DPOSIX_REGEX_LIB=NONE)

# curl's settings on every platform: HTTP and HTTPS only; no zlib, brotli,
# zstd, nghttp2, libssh2, libpsl, IDN, LDAP; no curl program, manual or tests.
# The caller adds its TLS library's.
curl_common=(-DBUILD_CURL_EXE=OFF -DENABLE_MANUAL=OFF -DPICKY_COMPILER=OFF -DCURL_ENABLE_EXPORT_TARGET=ON
	-DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DENABLE_UNIX_SOCKETS=OFF
	-DCURL_USE_MBEDTLS=OFF -DCURL_USE_WOLFSSL=OFF -DCURL_USE_BEARSSL=OFF -DCURL_USE_NSS=OFF
	-DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF
	-DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF -DCURL_USE_LIBPSL=OFF
	-DUSE_LIBIDN2=OFF -DENABLE_ARES=OFF)

# The caller configures libarchive into $work/build/libarchive; this builds
# and installs the static library (it always builds a shared one too: the
# static target alone, installed by hand).
libarchive_install() { # cflags libs (of the .pc file)
	local s=$work/src/libarchive b=$work/build/libarchive
	run libarchive cmake --build "$b" -j "$jobs" --target archive_static
	install -D -m 644 "$(ls "$b"/libarchive/libarchive_static.a "$b"/libarchive/libarchive.a 2>/dev/null | head -n 1)" \
		"$prefix/lib/libarchive.a"
	install -m 644 "$s/libarchive/archive.h" "$s/libarchive/archive_entry.h" "$prefix/include/"
	write_pc libarchive.pc libarchive "$(sed -n 's/^Version: //p' "$b/build/pkgconfig/libarchive.pc")" \
		"library that can create and read several streaming archive formats" "$1" "$2"
}

curl_build() { # cflags libs (of the .pc file) cmake-option...: curl_common and the platform's TLS
	local cflags=$1 libs=$2
	shift 2
	run curl cmake -S "$work/src/curl" -B "$work/build/curl" "${cmake_common[@]}" "${curl_common[@]}" "$@"
	run curl cmake --build "$work/build/curl" -j "$jobs"
	run curl cmake --install "$work/build/curl"
	write_pc libcurl.pc libcurl "$(sed -n 's/^Version: //p' "$work/build/curl/libcurl.pc")" \
		"Library to transfer files over HTTP and HTTPS" "$cflags" "$libs"
}

build() { # name...: build those of them that are to do, in that order
	local name pin n version start
	for name in "$@"; do
		for pin in "${todo[@]}"; do
			read -r n _ version _ _ <<<"$pin"
			[ "$n" = "$name" ] || continue
			start=$SECONDS
			rm -rf "$work/build/$name"
			"build_$name"
			# sources and objects are not needed once installed
			rm -rf "$work/src/$name" "$work/build/$name"
			echo "$version $recipe" >"$work/stamps/$name"
			say "$name $version: built in $((SECONDS - start)) s"
		done
	done
}

# Build in chains side by side: a CMake configure step is a long run of
# one-core checks, so one chain's checks overlap another's compiling.
deps_chains() { # "name name..." ...
	local chain pids=() pid failed=0
	for chain in "$@"; do
		# shellcheck disable=SC2086
		build $chain &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=1
	done
	[ "$failed" = 0 ] || die "a library failed to build (see above); the others were kept"
}
