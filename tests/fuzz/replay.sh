#!/bin/sh
# replay.sh: every seed and saved crash through its target's replay binary.
#
# Run by `make check` (automake's protocol: 0 pass, 77 skip, 1 fail), or by
# hand: sh tests/fuzz/replay.sh [builddir].  Each binary is a fuzz target
# linked with replay.c instead of libFuzzer, so this is deterministic and
# needs no clang; under --enable-sanitizers it runs with ASan and UBSan.
set -u

ALL="channel pyjson settings routes ws runtime headscan"

SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${1:-${top_builddir:-.}}
DIR=$SRC/tests/fuzz

missing=
found=0
for t in $ALL; do
	if [ -x "$BUILD/tests/fuzz/fuzz_$t" ]; then
		found=$((found + 1))
	else
		missing="$missing $t"
	fi
done
if [ "$found" = 0 ]; then
	echo "replay.sh: no replay binary in $BUILD/tests/fuzz: skipped" >&2
	exit 77
fi
if [ -n "$missing" ]; then
	echo "replay.sh: replay binaries missing for:$missing" >&2
	exit 1
fi

# A sanitizer's report follows the "replay: FILE" line of its input.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

rv=0
for t in $ALL; do
	set -- "$DIR/corpus/$t"
	[ -d "$DIR/crashes/$t" ] && set -- "$@" "$DIR/crashes/$t"
	log=$BUILD/tests/fuzz/replay_$t.log
	if "$BUILD/tests/fuzz/fuzz_$t" "$@" 2>"$log"; then
		echo "replay.sh: $t: $(tail -n 1 "$log")"
	else
		echo "replay.sh: $t FAILED on the input last named:" >&2
		tail -n 40 "$log" >&2
		rv=1
	fi
done
exit $rv
