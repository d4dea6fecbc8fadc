#!/bin/sh
# service.sh: the installed systemd unit and its documented settings file
# mean one thing: the unit's ExecStart line, run with a clean environment
# against contrib/solar-host.conf (the example of solar-host.conf(5)),
# serves on the port and with the key written there; the unit passes
# systemd-analyze verify.  A private network and mount namespace gives the
# example its port 8001 and its /var/log/solar-host without touching the
# machine's.
. "$(dirname "$0")/lib.sh"
UNIT=$top_builddir/contrib/solar-host.service
EXAMPLE=$top_srcdir/contrib/solar-host.conf
[ -f "$UNIT" ] || fail "no $UNIT (make builds it)"

# The manual's example is the shipped file, byte for byte.
sed -n '/^The settings file of the systemd unit/,/^\.Ed$/p' \
    "$top_srcdir/man/solar-host.conf.5" | sed '1,/^\.Bd -literal/d; $d' |
    sed 's/\\e/\\/g' >"$TMP/manual.conf"
cmp -s "$TMP/manual.conf" "$EXAMPLE" ||
    fail "solar-host.conf(5)'s example differs from contrib/solar-host.conf: $(diff "$TMP/manual.conf" "$EXAMPLE")"
grep -q '^EnvironmentFile' "$UNIT" && fail "the unit still has systemd read a settings file"

EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
# shellcheck disable=SC2086
set -- $EXEC
PROG=$1
shift
case $PROG in
/*/solar-host) ;;
*) fail "ExecStart runs $PROG, not the installed solar-host" ;;
esac
CONF=/etc/solar-host/solar-host.conf
case " $* " in
*" -f $CONF "*) ;;
*) fail "ExecStart does not pass -f $CONF: $EXEC" ;;
esac
# The same arguments, the build's program, the example where the unit
# expects its file.
ARGS=
for a in "$@"; do
	[ "$a" = "$CONF" ] && a=$TMP/solar-host.conf
	ARGS="$ARGS $a"
done
cp "$EXAMPLE" "$TMP/solar-host.conf"
KEYX=$(sed -n "s/^export API_KEY='\(.*\)'$/\1/p" "$EXAMPLE")
PORTX=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$EXAMPLE")
[ -n "$KEYX" ] && [ -n "$PORTX" ] || fail "the example has no key or port"

"$SOLAR_HOST" -n -f "$TMP/solar-host.conf" >"$TMP/n.out" 2>&1 ||
    fail "solar-host -n refuses the example: $(cat "$TMP/n.out")"

if ! unshare -n -m true 2>/dev/null; then
	echo "no network and mount namespaces here (not root?)"
	exit 77
fi
mkdir "$TMP/state"
cat >"$TMP/inside.sh" <<INSIDE
set -u
ip link set lo up || exit 90
mount --make-rprivate / && mount -t tmpfs tmpfs /var/log || exit 91
mkdir /var/log/solar-host
cd "$TMP/state" || exit 92
# systemd starts the service with a clean environment.
env -i PATH=/usr/bin:/bin SOLAR_HOST_APID="$SOLAR_HOST_APID" \
    SOLAR_HOST_SAMPLER="$SOLAR_HOST_SAMPLER" \
    \${SANDBOX:+SANDBOX=\$SANDBOX} \${ASAN_OPTIONS:+ASAN_OPTIONS=\$ASAN_OPTIONS} \
    "$SOLAR_HOST" $ARGS 2>"$TMP/stderr" &
pid=\$!
end=\$((\$(date +%s) + $DEADLINE))
until curl -sf -o /dev/null "http://127.0.0.1:$PORTX/health"; do
	[ "\$(date +%s)" -ge "\$end" ] && { kill -KILL \$pid; exit 93; }
	sleep 0.05
done
good=\$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: $KEYX' \
    "http://127.0.0.1:$PORTX/instances")
bad=\$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: wrong' \
    "http://127.0.0.1:$PORTX/instances")
logs=\$(ls -ld /var/log/solar-host >/dev/null && echo yes)
kill -TERM \$pid
wait \$pid
echo "\$good \$bad \$?"
INSIDE
OUT=$(unshare -n -m sh "$TMP/inside.sh")
RC=$?
[ "$RC" = 0 ] || fail "inside the namespaces: step $RC failed"
[ "$OUT" = "200 401 0" ] ||
    fail "the example's key and port: /instances $OUT (want 200 with its key, 401 without, exit 0)"
pass "ExecStart with the documented settings file: port $PORTX and its key"

if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|^ExecStart=$PROG|ExecStart=$SOLAR_HOST|" "$UNIT" \
	    >"$TMP/solar-host.service"
	V=$(systemd-analyze verify --man=no "$TMP/solar-host.service" 2>&1) ||
	    fail "systemd-analyze verify: $V"
	[ -z "$V" ] || fail "systemd-analyze verify warns: $V"
	pass "systemd-analyze verify"
fi
