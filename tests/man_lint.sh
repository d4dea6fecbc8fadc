#!/bin/sh
# man_lint.sh: every manual page passes mandoc's lint at warning level, and
# the SYNOPSIS of solar-host.8 agrees with the usage line of the program.
# Automake test protocol: 0 pass, 77 skip, 1 fail.

usage_flags='[-dnVv] [-f file] [-s stop | status | reload] [-u user]'

if [ -z "${top_srcdir:-}" ]; then
	case $0 in
	*/*)	here=${0%/*} ;;
	*)	here=. ;;
	esac
	top_srcdir=$(cd "$here/.." && pwd) || exit 1
fi
: "${top_builddir:=$top_srcdir}"

if [ -n "${MANDOC:-}" ] && command -v "$MANDOC" >/dev/null 2>&1; then
	mandoc=$MANDOC
elif mandoc=$(command -v mandoc 2>/dev/null) && [ -n "$mandoc" ]; then
	:
else
	echo "mandoc not found: skipped"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/man_lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

fail=0
npages=0

for page in "$top_srcdir"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	npages=$((npages + 1))
	"$mandoc" -Tlint -W warning "$page" >"$tmp/lint" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/lint" ]; then
		echo "FAIL: mandoc -Tlint -W warning $page (exit $rc):"
		cat "$tmp/lint"
		fail=1
	else
		echo "ok: $page"
	fi
done

if [ "$npages" -eq 0 ]; then
	echo "FAIL: no manual pages found in $top_srcdir/man"
	exit 1
fi

# The SYNOPSIS as rendered, with runs of blanks squeezed to one space.
page=$top_srcdir/man/solar-host.8
if [ ! -f "$page" ]; then
	echo "FAIL: $page is missing"
	exit 1
fi
"$mandoc" -Tascii -O width=200 "$page" 2>/dev/null | col -bx |
    sed -n '/^SYNOPSIS/,/^[A-Z]/p' |
    sed 's/[[:space:]][[:space:]]*/ /g' >"$tmp/synopsis"
if grep -F "solar-host $usage_flags" "$tmp/synopsis" >/dev/null; then
	echo "ok: SYNOPSIS of solar-host.8 reads: solar-host $usage_flags"
else
	echo "FAIL: SYNOPSIS of solar-host.8 does not contain" \
	    "\"solar-host $usage_flags\"; it reads:"
	cat "$tmp/synopsis"
	fail=1
fi

# The usage line the program prints for an unknown flag.
prog=$top_builddir/supervisor/solar-host
if [ -x "$prog" ]; then
	"$prog" -Z </dev/null >/dev/null 2>"$tmp/usage"
	if grep -F "usage: solar-host $usage_flags" "$tmp/usage" >/dev/null
	then
		echo "ok: solar-host -Z prints the same usage line"
	else
		echo "FAIL: solar-host -Z did not print" \
		    "\"usage: solar-host $usage_flags\"; it printed:"
		cat "$tmp/usage"
		fail=1
	fi
else
	echo "note: $prog not built; usage line not compared"
fi

exit "$fail"
