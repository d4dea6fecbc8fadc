#!/bin/sh
# run.sh: build the fuzz targets with clang and libFuzzer, and fuzz each.
# shellcheck disable=SC2046,SC2086 # flag lists are split on purpose
#
#   sh tests/fuzz/run.sh [-b builddir] [-o outdir] [seconds] [target ...]
#
# builddir is a configured build tree (for its config.h); the binaries,
# objects, logs and the corpus each run grows go to outdir, by default
# builddir/tests/fuzz/libfuzzer.  The seed corpus in the source tree is read,
# never written; crashes are written to tests/fuzz/crashes/<target>/ in the
# source tree, where replay.sh turns them into regression tests.
# Environment: CC (clang), FUZZ_FLAGS (more libFuzzer options).
set -eu

ALL="channel pyjson settings routes ws runtime headscan"

usage() {
	echo "usage: run.sh [-b builddir] [-o outdir] [seconds]" \
	    "[target ...]" >&2
	echo "targets: $ALL" >&2
	exit 2
}

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${top_builddir:-}
OUT=
while getopts b:o: opt; do
	case $opt in
	b) BUILD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

SECONDS_EACH=60
case ${1:-} in
'') ;;
*[!0-9]*) ;;
*) SECONDS_EACH=$1; shift ;;
esac
TARGETS=${*:-$ALL}
for t in $TARGETS; do
	case " $ALL " in
	*" $t "*) ;;
	*) echo "run.sh: unknown target $t" >&2; usage ;;
	esac
done

if [ -z "$BUILD" ]; then
	if [ -f ./config.h ]; then
		BUILD=.
	else
		echo "run.sh: no config.h here: name a configured build" \
		    "tree with -b" >&2
		exit 2
	fi
fi
BUILD=$(cd "$BUILD" && pwd)
[ -f "$BUILD/config.h" ] || {
	echo "run.sh: $BUILD/config.h is missing: run configure there" >&2
	exit 2
}

CC=${CC:-clang}
command -v "$CC" >/dev/null 2>&1 || {
	echo "run.sh: $CC not found: install clang (apt-get install clang)" >&2
	exit 2
}
PKGS="libevent_core libevent_extra jansson libsodium libbsd-overlay libmd"
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
PKG_LIBS=$(pkg-config --libs $PKGS)

OUT=${OUT:-$BUILD/tests/fuzz/libfuzzer}
mkdir -p "$OUT/obj"
OUT=$(cd "$OUT" && pwd)
# Every module is instrumented, so libFuzzer sees inside what it feeds.
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all"
CPPFLAGS="-D_GNU_SOURCE -DHAVE_CONFIG_H -I$BUILD -I$SRC/common -I$SRC/apid \
-I$SRC/tests/fuzz $PKG_CFLAGS"
SAN=address,undefined

# Take the whole libfuzzer directory as one build: objects are cheap.
echo "run.sh: building with $CC in $OUT"
objs=
for c in "$SRC"/common/*.c; do
	o=$OUT/obj/$(basename "$c" .c).o
	$CC $CFLAGS $CPPFLAGS -fsanitize=fuzzer-no-link,$SAN -c -o "$o" "$c"
	objs="$objs $o"
done

# The module under test besides common/, and the longest input worth making.
module() {
	case $1 in
	routes) echo "$SRC/apid/routes.c" ;;
	runtime) echo "$SRC/apid/runtime.c $SRC/apid/runtime_line.c" ;;
	headscan) echo "$SRC/apid/headscan.c" ;;
	esac
}
max_len() {
	case $1 in
	settings) echo 2048 ;;
	routes) echo 4608 ;;
	pyjson | runtime) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

for t in $TARGETS; do
	$CC $CFLAGS $CPPFLAGS -fsanitize=fuzzer,$SAN -o "$OUT/fuzz_$t" \
	    "$SRC/tests/fuzz/fuzz_$t.c" $(module "$t") $objs \
	    $PKG_LIBS -lwslay -lm
done

failed=
for t in $TARGETS; do
	mkdir -p "$OUT/corpus/$t" "$SRC/tests/fuzz/crashes/$t"
	dict=
	[ -f "$SRC/tests/fuzz/dict/$t.dict" ] &&
	    dict=-dict=$SRC/tests/fuzz/dict/$t.dict
	echo "run.sh: fuzzing $t for ${SECONDS_EACH}s (log: $OUT/$t.log)"
	rc=0
	# The first directory takes what libFuzzer finds; the seeds stay as
	# they are.
	"$OUT/fuzz_$t" -max_total_time="$SECONDS_EACH" \
	    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 \
	    -artifact_prefix="$SRC/tests/fuzz/crashes/$t/" \
	    $dict ${FUZZ_FLAGS:-} \
	    "$OUT/corpus/$t" "$SRC/tests/fuzz/corpus/$t" \
	    >"$OUT/$t.log" 2>&1 || rc=$?
	grep -E '^(stat::number_of_executed_units|stat::new_units_added)' \
	    "$OUT/$t.log" | sed "s/^/run.sh: $t: /" || true
	if [ "$rc" != 0 ]; then
		echo "run.sh: $t FAILED (exit $rc); see $OUT/$t.log" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix)' \
		    "$OUT/$t.log" >&2 || true
		failed="$failed $t"
	fi
done

if [ -n "$failed" ]; then
	echo "run.sh: crashes in:$failed; fix them, keep the inputs in" \
	    "tests/fuzz/crashes/<target>/, and run replay.sh" >&2
	exit 1
fi
echo "run.sh: no crash in $TARGETS"
