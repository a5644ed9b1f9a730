-- Records a failed run: the job waits in the retry set until next, or
-- (next = 0) goes to the dead-letter set.
-- ARGV: entry id, job id, unique key (''), now ms, next ms, updated record.
-- Returns 1 (retry), 2 (dead), or 0 if the entry was no longer pending.
local eid, id, now, next_at = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('XACK', STREAM, GROUP, eid) == 0 then
	return 0
end
redis.call('XDEL', STREAM, eid)
redis.call('HINCRBY', STATS, 'failed', 1)
local tracked = redis.call('HGET', IDS, id) == eid
if next_at > 0 then
	redis.call('ZADD', RETRY, next_at, id)
	redis.call('HSET', DATA, id, ARGV[6])
	if tracked then
		redis.call('HSET', IDS, id, 'z')
	end
	return 1
end
redis.call('ZADD', DEAD, now, id)
redis.call('HSET', DEADDATA, id, ARGV[6])
if tracked then
	redis.call('HDEL', IDS, id)
end
release_unique(ARGV[3], id, now)
return 2
