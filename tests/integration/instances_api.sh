#!/bin/sh
# instances_api.sh: create, read, update, delete; validation answers and
# their exact bodies; a refused request changes nothing.
. "$(dirname "$0")/lib.sh"
ALLOW_EXTRA_ARGS=true start_daemon

api GET /instances
expect_code 200 "empty list"
expect_body '[]' "empty list"
[ "$(cat config.json)" = '{
  "instances": []
}' ] || fail "config.json on first start: $(cat config.json)"
# It will hold every instance's key.
[ "$(stat -c %a config.json)" = 600 ] || fail "config.json mode $(stat -c %a config.json)"

# The README's workflow config.
api POST /instances '{"config":{"model":"/m.gguf","alias":"my-model:8b","threads":4,"n_gpu_layers":999,"temp":0.7,"top_p":0.9,"top_k":40,"min_p":0.05,"ctx_size":8192,"host":"0.0.0.0","api_key":"instance-key"}}'
expect_code 200 "create"
ID=$(jqb .instance.id)
echo "$ID" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ||
    fail "id $ID is not a UUID v4"
[ "$(jqb .message)" = "Instance $ID created successfully" ] || fail "message: $BODY"
CREATED=$(jqb .instance.created_at)
echo "$CREATED" | grep -Eq '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z$' ||
    fail "created_at $CREATED"
WANT='{"id":"'$ID'","config":{"model":"/m.gguf","alias":"my-model:8b","threads":4,"n_gpu_layers":999,"temp":0.7,"top_p":0.9,"top_k":40,"min_p":0.05,"ctx_size":8192,"chat_template_file":null,"host":"0.0.0.0","port":null,"api_key":"instance-key","special":false},"status":"stopped","port":null,"pid":null,"created_at":"'$CREATED'","started_at":null,"error_message":null,"retry_count":0}'
[ "$BODY" = '{"instance":'"$WANT"',"message":"Instance '"$ID"' created successfully"}' ] ||
    fail "create body: $BODY"
grep -q "\"id\": \"$ID\"" config.json || fail "the new instance is not in config.json"

api GET "/instances/$ID"
expect_code 200 "get"
expect_body "$WANT" "get"
api GET /instances
expect_body "[$WANT]" "list"

# Defaults, floats, non-ASCII as is over HTTP and escaped in config.json.
create "défaut" '"special":"yes","temp":1,"extra_args":["--mlock"],"env":{"OMP_NUM_THREADS":"2"}'
ID2=$ID
api GET "/instances/$ID2"
[ "$(jqb .config.alias)" = "défaut" ] || fail "alias: $BODY"
echo "$BODY" | grep -q '"alias":"défaut"' || fail "non-ASCII escaped over HTTP: $BODY"
echo "$BODY" | grep -q '"temp":1.0,' || fail "temp not printed as 1.0: $BODY"
echo "$BODY" | grep -q '"min_p":0.0,' || fail "min_p not printed as 0.0: $BODY"
echo "$BODY" | grep -q '"special":true,"extra_args":\["--mlock"\],"env":{"OMP_NUM_THREADS":"2"}}' ||
    fail "special/extra_args/env: $BODY"
grep -q '"alias": "d\\u00e9faut"' config.json || fail "config.json does not escape non-ASCII"

# Update: the whole config.
api PUT "/instances/$ID2" '{"config":{"model":"/n.gguf","alias":"renamed","api_key":"k2"}}'
expect_code 200 "update"
[ "$(jqb .message)" = "Instance $ID2 updated successfully" ] || fail "update message: $BODY"
[ "$(jqb .instance.config.alias)" = renamed ] || fail "update alias: $BODY"
[ "$(jqb '.instance.config.extra_args')" = null ] || fail "extra_args kept after a whole-config update"
grep -q '"alias": "renamed"' config.json || fail "update not saved"

# Refusals change nothing.
SUM=$(md5sum config.json)
unchanged() { [ "$(md5sum config.json)" = "$SUM" ] || fail "config.json changed after: $1"; }

api POST /instances '{"config":{"model":"/m.gguf"}}'
expect_code 422 "missing fields"
expect_body '{"detail":[{"type":"missing","loc":["body","config","alias"],"msg":"Field required","input":{"model":"/m.gguf"}},{"type":"missing","loc":["body","config","api_key"],"msg":"Field required","input":{"model":"/m.gguf"}}]}' "missing fields"
unchanged "missing fields"

api POST /instances '{"model":"/m.gguf"}'
expect_code 422 "no config wrapper"
expect_body '{"detail":[{"type":"missing","loc":["body","config"],"msg":"Field required","input":{"model":"/m.gguf"}}]}' "no config wrapper"

req POST /instances -H "X-API-Key: $KEY"
expect_code 422 "empty body"
expect_body '{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}' "empty body"

api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","threads":"many","temp":"hot"}}'
expect_code 422 "two bad fields"
[ "$(jqb '[.detail[].type] | join(",")')" = "int_parsing,float_parsing" ] || fail "two bad fields: $BODY"
[ "$(jqb '[.detail[].input] | join(",")')" = "many,hot" ] || fail "two bad fields input: $BODY"

api POST /instances '{"config":'
expect_code 422 "truncated JSON"
expect_body '{"detail":[{"type":"json_invalid","loc":["body",10],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}' "truncated JSON"

api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","temp":2.5}}'
expect_code 422 "temp 2.5"
expect_body '{"detail":[{"type":"less_than_equal","loc":["body","config","temp"],"msg":"Input should be less than or equal to 2","input":2.5,"ctx":{"le":2.0}}]}' "temp 2.5"

api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","env":{"LD_PRELOAD":"/x.so"}}}'
expect_code 422 "forbidden env"
[ "$(jqb '.detail[0].loc | join(",")')" = "body,config,env,LD_PRELOAD" ] || fail "forbidden env: $BODY"
# env names come from an allowlist; these ran code or set flags before.
for n in PYTHONPATH GGML_BACKEND_PATH LLAMA_ARG_HOST; do
	api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","env":{"TZ":"UTC","'$n'":"x"}}}'
	expect_code 422 "env $n"
	expect_body '{"detail":[{"type":"value_error","loc":["body","config","env","'$n'"],"msg":"Value error, environment variable not allowed","input":"x","ctx":{"error":"environment variable not allowed"}}]}' "env $n"
done
# extra_args may not override what was validated, nor name a file.
api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","extra_args":["--api-key",""]}}'
expect_code 422 "extra_args --api-key"
expect_body '{"detail":[{"type":"value_error","loc":["body","config","extra_args",0],"msg":"Value error, flag --api-key is managed by solar-host","input":"--api-key","ctx":{"error":"flag --api-key is managed by solar-host"}}]}' "extra_args --api-key"
api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","extra_args":["--mlock","-m","/etc/shadow"]}}'
expect_code 422 "extra_args -m"
[ "$(jqb '.detail | length')" = 1 ] && [ "$(jqb '.detail[0].loc | join(",")')" = "body,config,extra_args,1" ] &&
    [ "$(jqb '.detail[0].msg')" = "Value error, flag -m is managed by solar-host" ] ||
    fail "extra_args -m: $BODY"
api PUT "/instances/$ID2" '{"config":{"model":"m","alias":"a","api_key":"k","extra_args":["--log-file=/etc/x"]}}'
expect_code 422 "update with extra_args --log-file="
[ "$(jqb '.detail[0].msg')" = "Value error, flag --log-file is not allowed: it names a file" ] &&
    [ "$(jqb '.detail[0].input')" = "--log-file=/etc/x" ] ||
    fail "extra_args --log-file=: $BODY"

printf '{"config":{"model":"\377","alias":"a","api_key":"k"}}' >"$TMP/bad"
req POST /instances -H "X-API-Key: $KEY" -H "Content-Type: application/json" --data-binary @"$TMP/bad"
expect_code 400 "not UTF-8"
expect_body '{"detail":"There was an error parsing the body"}' "not UTF-8"

DEEP=$(head -c 70 /dev/zero | tr '\0' '[')
api POST /instances "$DEEP"
expect_code 400 "deep nesting"

api PUT "/instances/$ID2" '{"config":{"model":"m"}}'
expect_code 422 "update with a bad body"
api PUT /instances/00000000-0000-4000-8000-000000000000 '{"config":{"model":"m","alias":"a","api_key":"k"}}'
expect_code 404 "update of an unknown id"
expect_body '{"detail":"Instance not found"}' "update of an unknown id"
for op in start stop restart; do
	api POST /instances/nope/$op
	expect_code 404 "$op of an unknown id"
done
api GET /instances/nope
expect_code 404 "get of an unknown id"
expect_body '{"detail":"Instance not found"}' "get of an unknown id"
api DELETE /instances/nope
expect_code 404 "delete of an unknown id"
unchanged "refused requests"

# Delete answers with the deleted instance.
api DELETE "/instances/$ID2"
expect_code 200 "delete"
[ "$(jqb .message)" = "Instance $ID2 deleted successfully" ] || fail "delete message: $BODY"
[ "$(jqb .instance.id)" = "$ID2" ] || fail "delete body: $BODY"
api GET "/instances/$ID2"
expect_code 404 "get after delete"
grep -q "$ID2" config.json && fail "deleted instance still in config.json"

# ALLOW_EXTRA_ARGS=false, the default, refuses extra_args and env.
stop_daemon TERM
PORT=
start_daemon
api POST /instances '{"config":{"model":"m","alias":"a","api_key":"k","extra_args":["--x"]}}'
expect_code 422 "extra_args when not allowed"
[ "$(jqb '.detail[0].loc | join(",")')" = "body,config,extra_args" ] || fail "extra_args refusal: $BODY"
api GET /instances
[ "$(jqb length)" = 1 ] || fail "instances after a restart of the daemon: $BODY"

# An instance already in config.json with what is now refused stays in
# the store, config.json as it was, and its start fails saying why.
stop_daemon TERM
PORT=
ALLOW_EXTRA_ARGS=true start_daemon
create flag '"extra_args":["--mlock"]'
FLAG_ID=$ID
create env '"env":{"OMP_NUM_THREADS":"2"}'
ENV_ID=$ID
stop_daemon TERM
sed 's/"--mlock"/"--port"/; s/"OMP_NUM_THREADS"/"PYTHONPATH"/' config.json >"$TMP/old.json"
cp "$TMP/old.json" config.json
jq -e '(.instances[1].config.extra_args == ["--port"]) and (.instances[2].config.env.PYTHONPATH == "2")' config.json >/dev/null ||
    fail "bad test data: $(cat config.json)"
PORT=
ALLOW_EXTRA_ARGS=true start_daemon
cmp -s config.json "$TMP/old.json" || fail "config.json rewritten at load: $(diff "$TMP/old.json" config.json)"
api GET /instances
[ "$(jqb length)" = 3 ] || fail "stored instances with refused fields: $BODY"
api POST "/instances/$FLAG_ID/start"
expect_code 500 "start of a stored instance with a refused flag"
expect_body '{"detail":"Failed to start instance: extra_args[0] flag --port is managed by solar-host"}' "start with a stored --port"
[ "$(field "$FLAG_ID" .status)/$(field "$FLAG_ID" .retry_count)" = failed/1 ] ||
    fail "refused start retried: $(field "$FLAG_ID" .)"
api POST "/instances/$ENV_ID/start"
expect_code 500 "start of a stored instance with a refused env"
expect_body '{"detail":"Failed to start instance: env.PYTHONPATH is not an allowed variable name"}' "start with a stored PYTHONPATH"
api PUT "/instances/$ENV_ID" "{\"config\":$(jq -c '.instances[2].config' "$TMP/old.json")}"
expect_code 422 "update keeping PYTHONPATH"
[ "$(jqb '.detail[0].loc | join(",")')" = "body,config,env,PYTHONPATH" ] || fail "update keeping PYTHONPATH: $BODY"

# MAX_INSTANCES: a create beyond it is a conflict, and changes nothing.
stop_daemon TERM
rm -f config.json
PORT=
MAX_INSTANCES=3 start_daemon
for a in one two three; do
	create "$a"
done
SUM=$(md5sum config.json)
api POST /instances '{"config":{"model":"/m.gguf","alias":"four","api_key":"k"}}'
expect_code 409 "a create beyond MAX_INSTANCES"
expect_body '{"detail":"Too many instances: this host keeps at most 3 (MAX_INSTANCES); delete one first"}' "MAX_INSTANCES"
unchanged "a create beyond MAX_INSTANCES"
api GET /instances
[ "$(jqb length)" = 3 ] || fail "instances after a refused create: $BODY"
api DELETE "/instances/$ID"
expect_code 200 "delete under MAX_INSTANCES"
create four
pass "create, read, update, delete, validation, MAX_INSTANCES"
