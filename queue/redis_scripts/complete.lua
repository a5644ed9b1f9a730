-- Acknowledges a completed job that has an explicit id or a unique key.
-- ARGV: entry id, job id, unique key (''), now ms.
-- Returns 1, or 0 if the entry was no longer pending (already done).
local eid, id = ARGV[1], ARGV[2]
if redis.call('XACK', STREAM, GROUP, eid) == 0 then
	return 0
end
redis.call('XDEL', STREAM, eid)
redis.call('HINCRBY', STATS, 'processed', 1)
if redis.call('HGET', IDS, id) == eid then
	redis.call('HDEL', IDS, id)
end
release_unique(ARGV[3], id, tonumber(ARGV[4]))
return 1
