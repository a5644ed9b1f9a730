-- Deletes a consumer that holds no jobs (a worker gone for good).
-- KEYS: stream. ARGV: consumer. Returns 1 if deleted, 0 if not.
local p = redis.pcall('XPENDING', KEYS[1], 'workers', '-', '+', 1, ARGV[1])
if type(p) ~= 'table' or p.err or p[1] then
	return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], 'workers', ARGV[1])
return 1
