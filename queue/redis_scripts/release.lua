-- Hands a job back unrun: a new entry at the end of the stream, with the
-- same record (the attempt does not count).
-- ARGV: entry id, job id, record.
-- Returns 1, or 0 if the entry was no longer pending.
local eid, id = ARGV[1], ARGV[2]
if redis.call('XACK', STREAM, GROUP, eid) == 0 then
	return 0
end
redis.call('XDEL', STREAM, eid)
local neid = redis.call('XADD', STREAM, '*', 'j', ARGV[3])
if redis.call('HGET', IDS, id) == eid then
	redis.call('HSET', IDS, id, neid)
end
return 1
