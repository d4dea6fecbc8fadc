#!/bin/sh
# groupcommit.sh: changes that wait at the same time share one write of
# config.json, and every one of them is in it when it is answered.
. "$(dirname "$0")/lib.sh"
start_daemon -v
N=24
i=0
PIDS=
while [ $i -lt $N ]; do
	curl -s -o "$TMP/c$i" -X POST -H "X-API-Key: $KEY" \
	    -H "Content-Type: application/json" \
	    --data-binary '{"config":{"model":"/m.gguf","alias":"g'$i'","api_key":"k"}}' \
	    "http://127.0.0.1:$PORT/instances" &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
# Not a bare wait: the daemon is a child of this shell too.
for p in $PIDS; do wait "$p"; done
i=0
while [ $i -lt $N ]; do
	id=$(jq -r .instance.id "$TMP/c$i")
	grep -q "\"id\": \"$id\"" config.json || fail "created $id is not in config.json"
	i=$((i + 1))
done
SAVES=$(grep -c "config.json saved" "$TMP/stderr")
echo "$N creates, $SAVES writes of config.json"
[ "$SAVES" -lt "$N" ] || fail "$N creates took $SAVES writes"
grep -Eq "config.json saved for [2-9][0-9]* waiting|config.json saved for [1-9][0-9]+ waiting" "$TMP/stderr" ||
    fail "no write served more than one change"
pass "one write for changes waiting together"
