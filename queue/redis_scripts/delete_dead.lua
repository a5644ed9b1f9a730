-- Deletes a dead job. ARGV: job id. Returns 1, or 0 if there is none.
if redis.call('ZREM', DEAD, ARGV[1]) == 0 then
	return 0
end
redis.call('HDEL', DEADDATA, ARGV[1])
return 1
