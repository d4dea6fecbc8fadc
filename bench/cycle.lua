-- cycle.lua: wrk script for the create+delete cycle of bench/run.sh.
-- Each wrk thread creates an instance, and deletes the one it created by
-- the id in the answer on its next request, so that requests alternate
-- POST /instances and DELETE /instances/{id}.  The key comes with -H.

local body = '{"config":{"model":"/m.gguf","alias":"cycle","api_key":"ik"}}'
local ids = {}

wrk.headers["Content-Type"] = "application/json"

request = function()
	local id = table.remove(ids)
	if id ~= nil then
		return wrk.format("DELETE", "/instances/" .. id, nil, nil)
	end
	return wrk.format("POST", "/instances", nil, body)
end

response = function(status, headers, text)
	if status == 200 and text:find("created successfully", 1, true) then
		local id = text:match('"id":"([0-9a-f-]+)"')
		if id ~= nil then
			ids[#ids + 1] = id
		end
	end
end
