-- Describes the queue. Returns {entries, active (delivered, not
-- acknowledged), scheduled (recorded follow-ups included), retry, dead,
-- processed, failed, paused, entry id of the oldest undelivered entry or
-- '', server time s, server time us}.
local entries = redis.call('XLEN', STREAM)
local active, last = 0, '0-0'
local groups = redis.pcall('XINFO', 'GROUPS', STREAM)
if type(groups) == 'table' and not groups.err then
	for _, g in ipairs(groups) do
		local f = {}
		for i = 1, #g, 2 do
			f[g[i]] = g[i + 1]
		end
		if f['name'] == GROUP then
			active, last = f['pending'], f['last-delivered-id']
		end
	end
end
local oldest = ''
if entries > active then
	local first = redis.call('XRANGE', STREAM, '(' .. last, '+', 'COUNT', 1)[1]
	if first then
		oldest = first[1]
	end
end
local c = redis.call('HMGET', STATS, 'processed', 'failed')
local t = redis.call('TIME')
return {entries, active, redis.call('ZCARD', SCHEDULED) + redis.call('HLEN', FOLLOW), redis.call('ZCARD', RETRY),
	redis.call('ZCARD', DEAD), tonumber(c[1] or 0), tonumber(c[2] or 0),
	redis.call('EXISTS', PAUSED), oldest, t[1], t[2]}
