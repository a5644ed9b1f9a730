-- Adds a job that needs more than an XADD: an explicit id, a unique key,
-- a run-at time or a periodic once-key (KEYS[12]).
-- ARGV: id, explicit ('1' or '0'), unique key (''), run-at ms ('0': now),
-- now ms, record, once-key ttl ms.
-- Returns admit's reply; a once-key seen within its ttl makes it
-- {1, id of the job enqueued with it}.
if KEYS[12] then
	local prev = redis.call('GET', KEYS[12])
	if prev then
		return {1, prev}
	end
end
local res = admit(ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6])
if KEYS[12] then
	redis.call('SET', KEYS[12], res[2], 'PX', ARGV[7])
end
return res
