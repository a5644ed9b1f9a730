package ratelimit

import (
	"crypto/sha1"
	"encoding/hex"
)

// gcraScript decides one request against every limit of a decision, all
// or nothing, on Redis's clock.
//
//	KEYS[i]       the TAT of limit i: integer microseconds of Redis TIME,
//	              expiring when it is reached (then the limit is full)
//	ARGV[1]       the cost n
//	ARGV[2i]      limit i's emission interval T, in µs
//	ARGV[2i+1]    limit i's tolerance, Burst × T, in µs
//
// It replies with integers only: {1, debt_1, ..., debt_k} when it
// admitted and charged every limit (debts after charging), {0, debt_1,
// ..., debt_k} when it charged none (debts before). A debt is
// max(TAT, now) - now; the client derives remaining, retry and reset from
// it and the limits it already knows. Every number stays an exact integer
// in a Lua double (now ≈ 2^51 µs, tolerances < 2^50 µs).
const gcraScript = `
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local cost = tonumber(ARGV[1])
local reply = {1}
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]))
  local debt = 0
  if tat and tat > now then debt = tat - now end
  if debt + cost * ARGV[2 * i] > tonumber(ARGV[2 * i + 1]) then reply[1] = 0 end
  reply[i + 1] = debt
end
if reply[1] == 1 and cost > 0 then
  for i = 1, #KEYS do
    local debt = reply[i + 1] + cost * ARGV[2 * i]
    redis.call('SET', KEYS[i], now + debt, 'PX', math.ceil(debt / 1000))
    reply[i + 1] = debt
  end
end
return reply
`

// gcraSHA is gcraScript's SHA-1, the name EVALSHA runs it by.
var gcraSHA = scriptSHA(gcraScript)

func scriptSHA(script string) string {
	sum := sha1.Sum([]byte(script))
	return hex.EncodeToString(sum[:])
}
