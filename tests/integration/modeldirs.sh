#!/bin/sh
# modeldirs.sh: with MODEL_DIRS set, model and chat_template_file must
# resolve inside it: 422 at create and update (config.json untouched),
# a failed start naming the path when a link was swapped since.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/models"
MODEL_DIRS="$TMP/models:$TMP/not-yet" start_daemon
wait_until test -f config.json || fail "no config.json"
cp config.json "$TMP/config.saved"

# outside MODEL ...: a create with that model is refused, naming it.
outside() {
	api POST /instances '{"config":{"model":"'"$1"'","alias":"a","api_key":"k"}}'
	expect_code 422 "create with model $1"
	expect_body '{"detail":[{"type":"value_error","loc":["body","config","model"],"msg":"Value error, '"$2"'","input":"'"$1"'","ctx":{"error":"'"$2"'"}}]}' "create with model $1"
}

outside /etc/passwd "/etc/passwd is outside MODEL_DIRS"
outside "$TMP/models/../x.gguf" "$TMP/models/../x.gguf resolves to $TMP/x.gguf, outside MODEL_DIRS"
outside "$TMP/models/new/../../x.gguf" "$TMP/models/new/../../x.gguf resolves to $TMP/x.gguf, outside MODEL_DIRS"
outside "$TMP/models2/m.gguf" "$TMP/models2/m.gguf is outside MODEL_DIRS"
ln -s /etc/passwd "$TMP/models/link.gguf"
outside "$TMP/models/link.gguf" "$TMP/models/link.gguf resolves to /etc/passwd, outside MODEL_DIRS"
outside ../../etc/passwd "../../etc/passwd resolves to /etc/passwd, outside MODEL_DIRS"
api POST /instances '{"config":{"model":"'"$TMP"'/models/m.gguf","alias":"a","api_key":"k","chat_template_file":"/etc/passwd"}}'
expect_code 422 "chat_template_file outside"
[ "$(jqb '.detail[0].loc | join(",")')" = "body,config,chat_template_file" ] &&
    [ "$(jqb '.detail[0].input')" = /etc/passwd ] ||
    fail "chat_template_file outside: $BODY"
cmp -s config.json "$TMP/config.saved" || fail "config.json changed by refused creates"

# Inside: files that exist, files not there yet, relative paths (against
# the supervisor's working directory), a directory that does not exist.
: >"$TMP/models/m.gguf"
for m in "$TMP/models/m.gguf" "$TMP/models/later.gguf" models/rel.gguf \
    "$TMP/not-yet/m.gguf" "$TMP/models/sub/../m.gguf"; do
	api POST /instances '{"config":{"model":"'"$m"'","alias":"a","api_key":"k"}}'
	expect_code 200 "create with model $m"
done
UPD=$(jqb .instance.id)

# An update is checked the same way.
cp config.json "$TMP/config.saved"
api PUT "/instances/$UPD" '{"config":{"model":"/etc/passwd","alias":"a","api_key":"k"}}'
expect_code 422 "update with model outside"
[ "$(jqb '.detail[0].msg')" = "Value error, /etc/passwd is outside MODEL_DIRS" ] ||
    fail "update outside: $BODY"
cmp -s config.json "$TMP/config.saved" || fail "config.json changed by a refused update"

# At start the whole path is resolved again: a link swapped since the
# create fails the start, naming the path, and is not retried.
fake_model
ln -s "$MODEL" "$TMP/models/current.gguf"
MODEL=$TMP/models/current.gguf
create swapped
MODEL=
api POST "/instances/$ID/start"
expect_code 200 "start through a link inside"
[ "$(jqb .instance.status)" = running ] || fail "start through a link: $BODY"
# The child was handed the resolved path, not the link.
tr '\0' ' ' <"/proc/$(jqb .instance.pid)/cmdline" | grep -q -- "--model $TMP/models/fake1.gguf " ||
    fail "child's command line: $(tr '\0' ' ' <"/proc/$(jqb .instance.pid)/cmdline")"
api POST "/instances/$ID/stop"
expect_code 200 "stop"
ln -sfn /etc/passwd "$TMP/models/current.gguf"
api POST "/instances/$ID/start"
expect_code 500 "start through a swapped link"
WANT="model $TMP/models/current.gguf resolves to /etc/passwd, outside MODEL_DIRS"
expect_body '{"detail":"Failed to start instance: '"$WANT"'"}' "start through a swapped link"
[ "$(field "$ID" .error_message)" = "$WANT" ] || fail "error_message: $(field "$ID" .)"
[ "$(field "$ID" .retry_count)/$(field "$ID" .status)" = 1/failed ] ||
    fail "a refused start was retried: $(field "$ID" .)"
rm "$TMP/models/current.gguf"
api POST "/instances/$ID/start"
expect_code 500 "start of a model that is gone"
expect_body '{"detail":"Failed to start instance: model '"$TMP"'/models/current.gguf cannot be resolved: No such file or directory"}' "start of a model that is gone"
grep -q "$ID" config.json || fail "the instance left the store"
pass "MODEL_DIRS at create, update and start"
