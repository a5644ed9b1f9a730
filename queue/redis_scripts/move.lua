-- Moves scheduled and retry jobs that are due onto the stream.
-- ARGV: now ms, most jobs to move.
-- Returns {paused (0 or 1), earliest remaining due ms or -1, jobs moved}.
local limit = tonumber(ARGV[2])
local moved = 0
for _, z in ipairs({SCHEDULED, RETRY}) do
	local due = redis.call('ZRANGE', z, '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, limit)
	for _, id in ipairs(due) do
		local blob = redis.call('HGET', DATA, id)
		if blob then
			local eid = redis.call('XADD', STREAM, '*', 'j', blob)
			redis.call('HDEL', DATA, id)
			if redis.call('HGET', IDS, id) == 'z' then
				redis.call('HSET', IDS, id, eid)
			end
			moved = moved + 1
		end
		redis.call('ZREM', z, id)
	end
end
local next_due = -1
for _, z in ipairs({SCHEDULED, RETRY}) do
	local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
	if first[2] then
		local s = tonumber(first[2])
		if next_due < 0 or s < next_due then
			next_due = s
		end
	end
end
return {redis.call('EXISTS', PAUSED), next_due, moved}
