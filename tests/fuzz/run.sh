#!/bin/sh
# run.sh — build heed's libFuzzer targets with clang and run each for a
# while; `make fuzz` calls this with the build's flags.  Any crash, leak,
# sanitizer report, timeout or out-of-memory is a failure: the input lands
# in $FUZZ_DIR/artifacts/ and the script exits 1, naming it, so it can be
# copied into tests/regress/TARGET/ (where `make check` replays it).
#
# Environment (set by tests/fuzz/local.mk):
#   FUZZ_CC FUZZ_SECONDS FUZZ_TARGETS FUZZ_DIR  srcdir  CPPFLAGS  LIBS
#   LIB_SOURCES (libheed's .c files, relative to srcdir)
#   GEN_SOURCES builddir (libheed's generated .c files, relative to builddir)
# Exit status 77 (skipped) when clang cannot build a libFuzzer binary.
set -eu

: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=60}" "${FUZZ_DIR:=fuzz-build}"
: "${FUZZ_TARGETS:=st config vocab tok calib modes pickle zip tokjson merges spm folder lesson}"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer $SAN"

say() { printf 'fuzz: %s\n' "$*" >&2; }

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	say "SKIP: $FUZZ_CC not found (install clang and libclang-rt-14-dev)"
	exit 77
fi
mkdir -p "$FUZZ_DIR/obj" "$FUZZ_DIR/artifacts"
probe=$FUZZ_DIR/probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$probe.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer,address "$probe.c" -o "$probe" 2>"$probe.log"; then
	say "SKIP: $FUZZ_CC cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
	cat "$probe.log" >&2
	exit 77
fi

# Library objects carry coverage instrumentation but no main(); each is
# rebuilt when its source or any header is newer than it.
newest_header=$(ls -t "$srcdir"/include/heed/*.h "$srcdir"/src/*/*.h 2>/dev/null | head -1)
objs=
for src in $LIB_SOURCES; do
	case $src in *.c) ;; *) continue ;; esac
	obj=$FUZZ_DIR/obj/$(printf '%s' "$src" | tr / _ | sed 's/\.c$/.o/')
	if ! [ "$obj" -nt "$srcdir/$src" ] || ! [ "$obj" -nt "$newest_header" ]; then
		# shellcheck disable=SC2086
		"$FUZZ_CC" $CFLAGS -fsanitize=fuzzer-no-link $CPPFLAGS -c "$srcdir/$src" -o "$obj"
	fi
	objs="$objs $obj"
done
for src in ${GEN_SOURCES:-}; do
	case $src in *.c) ;; *) continue ;; esac
	obj=$FUZZ_DIR/obj/gen_$(printf '%s' "$src" | tr / _ | sed 's/\.c$/.o/')
	if ! [ "$obj" -nt "$builddir/$src" ]; then
		# shellcheck disable=SC2086
		"$FUZZ_CC" $CFLAGS -fsanitize=fuzzer-no-link $CPPFLAGS -c "$builddir/$src" -o "$obj"
	fi
	objs="$objs $obj"
done

failed=
for t in $FUZZ_TARGETS; do
	bin=$FUZZ_DIR/fuzz_$t
	# shellcheck disable=SC2086
	"$FUZZ_CC" $CFLAGS -fsanitize=fuzzer $CPPFLAGS -I"$srcdir/tests/fuzz" \
	    "$srcdir/tests/fuzz/fuzz_$t.c" $objs $LIBS -o "$bin"
	# The seeds are copied: libFuzzer adds what it finds to its first
	# corpus directory, and the source tree stays untouched.
	work=$FUZZ_DIR/corpus/$t
	mkdir -p "$work"
	cp "$srcdir/tests/fuzz/corpus/$t/"* "$work/"
	dict=
	case $t in
	st) dict=st ;; config) dict=config ;; vocab | tok) dict=tok ;;
	calib) dict=calib ;; modes) dict=modes ;; pickle) dict=pickle ;; zip) dict=zip ;;
	tokjson) dict=tokjson ;; merges | spm) dict=tok ;;
	folder) dict=st ;; lesson) dict=lesson ;; scan) dict=scan ;;
	esac
	say "running $t for ${FUZZ_SECONDS}s"
	if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -print_final_stats=1 ${dict:+-dict="$srcdir/tests/fuzz/$dict.dict"} \
	    -artifact_prefix="$FUZZ_DIR/artifacts/$t-" "$work" \
	    >"$FUZZ_DIR/$t.log" 2>&1; then
		failed="$failed $t"
		say "FINDING in $t:"
		tail -60 "$FUZZ_DIR/$t.log" >&2
	else
		grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$FUZZ_DIR/$t.log" | tail -1 | sed "s/^/fuzz: $t: /" >&2
	fi
done
if [ -n "$failed" ]; then
	say "findings in:$failed; inputs in $FUZZ_DIR/artifacts/ — add each to tests/regress/TARGET/"
	exit 1
fi
say "no findings in: $FUZZ_TARGETS"
