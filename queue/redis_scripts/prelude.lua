-- Prepended to every script that works on a queue's jobs. KEYS are the
-- queue's keys, all under one hash tag, in the order redisKeys.all lists
-- them; a script may add its own after them.
local STREAM, SCHEDULED, RETRY, DATA, IDS, UNIQUE, FOLLOW, STATS, DEAD, DEADDATA, PAUSED =
	KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local GROUP = 'workers'

-- make_pending puts a job on the stream, or in the scheduled set when it
-- runs later, and returns where it is: its entry id, or 'z'.
local function make_pending(id, record, run_at, now)
	if run_at > now then
		redis.call('ZADD', SCHEDULED, run_at, id)
		redis.call('HSET', DATA, id, record)
		return 'z'
	end
	return redis.call('XADD', STREAM, '*', 'j', record)
end

-- A recorded follow-up is FOLLOW[key] = '<run-at ms>:<id length>:<id><record>'.
local function split_follow(f)
	local run_at, n, rest = string.match(f, '^(%d+):(%d+):(.*)$')
	n = tonumber(n)
	return tonumber(run_at), string.sub(rest, 1, n), string.sub(rest, n + 1)
end

-- admit stores a new (or requeued) job unless a live job makes it a
-- duplicate. Returns {0, id} when stored, {1, id of the job it duplicates}
-- for a live holder of its unique key (or that holder's follow-up), {2, id}
-- when recorded as the follow-up of the running holder, {3, id} when a
-- live job has its id.
local function admit(id, explicit, ukey, run_at_s, now, record)
	local live = redis.call('HEXISTS', IDS, id) == 1
	if ukey ~= '' then
		local holder = redis.call('HGET', UNIQUE, ukey)
		local loc = holder and redis.call('HGET', IDS, holder)
		if loc == 'z' then
			return {1, holder}
		end
		if loc and loc ~= 'f' then
			local p = redis.pcall('XPENDING', STREAM, GROUP, loc, loc, 1)
			if type(p) == 'table' and p[1] then
				-- The holder is running: record one follow-up run.
				local f = redis.call('HGET', FOLLOW, ukey)
				if f then
					local _, fid = split_follow(f)
					return {1, fid}
				end
				if live and id ~= holder then
					return {3, id}
				end
				redis.call('HSET', FOLLOW, ukey, run_at_s .. ':' .. #id .. ':' .. id .. record)
				if id ~= holder then
					redis.call('HSET', IDS, id, 'f')
				end
				return {2, id}
			end
			if redis.call('XRANGE', STREAM, loc, loc)[1] then
				return {1, holder}
			end
		end
		-- No holder, or a stale one: this job takes the key.
	end
	if live then
		return {3, id}
	end
	local where = make_pending(id, record, tonumber(run_at_s), now)
	if explicit or ukey ~= '' then
		redis.call('HSET', IDS, id, where)
	end
	if ukey ~= '' then
		redis.call('HSET', UNIQUE, ukey, id)
	end
	return {0, id}
end

-- release_unique is called when job id has finished for good (completed
-- or dead, after its IDS entry is gone): if it holds unique key ukey, the
-- key passes to the follow-up recorded while it ran, which becomes
-- pending, or the key is freed.
local function release_unique(ukey, id, now)
	if ukey == '' or redis.call('HGET', UNIQUE, ukey) ~= id then
		return
	end
	local f = redis.call('HGET', FOLLOW, ukey)
	if not f then
		redis.call('HDEL', UNIQUE, ukey)
		return
	end
	redis.call('HDEL', FOLLOW, ukey)
	local run_at, fid, record = split_follow(f)
	redis.call('HSET', IDS, fid, make_pending(fid, record, run_at, now))
	redis.call('HSET', UNIQUE, ukey, fid)
end
