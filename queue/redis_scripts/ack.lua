-- Acknowledges and deletes completed jobs that have no id or unique key to
-- look after, a batch at a time.
-- KEYS: stream, stats. ARGV: entry ids.
local n = redis.call('XACK', KEYS[1], 'workers', unpack(ARGV))
redis.call('XDEL', KEYS[1], unpack(ARGV))
if n > 0 then
	redis.call('HINCRBY', KEYS[2], 'processed', n)
end
return n
