--[[
  rate-hit: count one send in a user's fixed window.

  KEYS[1] window counter  <prefix>:{u:<user>}:rl  (string, integer, expires with the window)

  ARGV[1] limit, sends per window (> 0)
  ARGV[2] window length, milliseconds (> 0)

  Returns 0 when the send is allowed (and counted), else the milliseconds until the window
  resets (>= 1); a refused send is not counted.
]]
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    -- a counter without expiry (cannot happen through this script): start its window now
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  if ttl < 1 then ttl = 1 end
  return ttl
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
