-- Makes a dead job pending again, by the rules of admit: if a live job
-- holds its unique key it merges into that one, or becomes the follow-up
-- of the running holder.
-- ARGV: job id, record as read (compare-and-set), new record, explicit
-- id ('1' or '0'), unique key (''), now ms.
-- Returns 1, 0 if the dead job changed or went, -1 if a live job has its
-- id (it stays dead).
local id = ARGV[1]
if redis.call('HGET', DEADDATA, id) ~= ARGV[2] then
	return 0
end
local res = admit(id, ARGV[4] == '1', ARGV[5], '0', tonumber(ARGV[6]), ARGV[3])
if res[1] == 3 then
	return -1
end
redis.call('ZREM', DEAD, id)
redis.call('HDEL', DEADDATA, id)
return 1
