#!/bin/sh
# quickstart.sh — from a fresh clone on Debian 12 to a running heed, or to a
# full test run, in one command.
#
#   ./quickstart.sh run [HEED ARGS...]   install what is missing, build, start heed
#   ./quickstart.sh build                install what is missing, build build/heed
#   ./quickstart.sh check                install, build, test: normal build,
#                                        sanitizer build, ThreadSanitizer build
#                                        (threaded tests only), make distcheck,
#                                        then every fuzz target for a while
#   ./quickstart.sh help
#
# Builds happen out of tree (build/ and build-asan/), so the two builds and
# distcheck never get in each other's way.  Works without a terminal and
# with CI=true: nothing asks a question.
set -eu

SRC=$(cd "$(dirname "$0")" && pwd)
BUILD=$SRC/build
BUILD_ASAN=$SRC/build-asan
BUILD_TSAN=$SRC/build-tsan
JOBS=$(nproc 2>/dev/null || echo 2)

PACKAGES="build-essential autoconf automake pkg-config libncurses-dev libuv1-dev
libopenblas-dev libutf8proc-dev libjansson-dev libcmocka-dev tmux valgrind
groff-base python3 python3-numpy clang libclang-rt-14-dev
libzip-dev libpcre2-dev libprotobuf-c-dev protobuf-c-compiler libxxhash-dev
libxml2-utils librsvg2-bin parallel"

say() { printf 'quickstart: [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
	sed -n '2,/quickstart.sh help$/s/^# \{0,1\}//p' "$0"
}

# Install the Debian packages that are not installed yet; nothing is asked
# when all are there.
install_packages() {
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		    missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	command -v apt-get >/dev/null 2>&1 ||
	    die "missing packages:$missing (and no apt-get to install them)"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		die "missing packages:$missing; run as root or install sudo"
	fi
	say "installing:$missing"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}

# An in-tree configure makes every VPATH configure refuse to run.
refuse_in_tree_build() {
	[ -f "$SRC/config.status" ] || return 0
	die "$SRC was configured in the source tree; run 'make distclean' there first"
}

bootstrap() {
	[ -x "$SRC/configure" ] && return 0
	say "bootstrapping (autoreconf -fi)"
	(cd "$SRC" && autoreconf -fi)
}

# configure_in DIR [CONFIGURE ARGS...]: configure once; later runs let make
# re-run configure itself when configure.ac or a Makefile.am changes.
configure_in() {
	dir=$1
	shift
	mkdir -p "$dir"
	[ -f "$dir/config.status" ] && return 0
	say "configuring $dir $*"
	(cd "$dir" && "$SRC/configure" -q "$@")
}

build_in() {
	say "building in $1"
	make -C "$1" -s -j"$JOBS"
}

# check_in DIR [MAKE TARGET]: on failure print the logs of the failed tests,
# so a CI log alone says what broke.
check_in() {
	say "testing in $1 (${2:-check})"
	if make -C "$1" -j"$JOBS" "${2:-check}" VERBOSE=1; then
		return 0
	fi
	say "FAILED: make ${2:-check} in $1"
	exit 1
}

# ---- fuzz step (owned by the robustness work; see tests/fuzz/) ----
# fuzz_in DIR: every libFuzzer target for HEED_FUZZ_SECONDS (default 30)
# each; any finding fails.  make fuzz itself skips, saying why, where clang
# or its libFuzzer runtime is missing.
fuzz_in() {
	say "fuzzing in $1 (${HEED_FUZZ_SECONDS:-30}s per target)"
	make -C "$1" -s fuzz FUZZ_SECONDS="${HEED_FUZZ_SECONDS:-30}" ||
	    die "FAILED: make fuzz in $1 (inputs in $1/fuzz-build/artifacts/)"
}
# ---- end of fuzz step ----

prepare() {
	install_packages
	refuse_in_tree_build
	bootstrap
}

cmd_build() {
	prepare
	configure_in "$BUILD"
	build_in "$BUILD"
}

cmd_run() {
	cmd_build
	exec "$BUILD/heed" "$@"
}

cmd_check() {
	# Leaks are errors; undefined behaviour stops the test with a stack.
	ASAN_OPTIONS=detect_leaks=1
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS UBSAN_OPTIONS
	prepare
	configure_in "$BUILD" --enable-werror
	build_in "$BUILD"
	check_in "$BUILD"
	configure_in "$BUILD_ASAN" --enable-sanitizers
	build_in "$BUILD_ASAN"
	check_in "$BUILD_ASAN"
	# ThreadSanitizer: only the tests where threads meet (queue, worker),
	# and only what they need is built
	configure_in "$BUILD_TSAN" --enable-tsan
	say "building the threaded tests in $BUILD_TSAN"
	make -C "$BUILD_TSAN" -s -j"$JOBS" tests/unit/test_ui_queue tests/unit/test_ui_worker
	check_in "$BUILD_TSAN" check-tsan
	check_in "$BUILD" distcheck
	fuzz_in "$BUILD"
	say "all checks passed"
}

case ${1:-help} in
run)
	shift
	cmd_run "$@" ;;
build)
	cmd_build ;;
check)
	cmd_check ;;
help | -h | --help)
	usage ;;
*)
	usage >&2
	exit 1 ;;
esac
