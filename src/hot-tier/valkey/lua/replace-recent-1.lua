--[[
  replace-recent: replace the ring's copy of one message (edit / delete tombstone).

  KEYS[1] recent ring   <prefix>:{pN}:c:<conv>:ring

  ARGV[1] seq of the message
  ARGV[2] its new JSON

  Returns 1 when the ring held the seq and it was replaced, 0 when it did not (no-op).
]]
local old = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[1], 'BYSCORE')
if #old == 0 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
