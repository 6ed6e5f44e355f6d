--[[
  presence-disconnect: this node holds no socket of a user any more.

  KEYS[1] the user's node set   <prefix>:{u:<user>}:pr    (zset, member = node id, score = expiry ms)
  KEYS[2] the user's last seen  <prefix>:{u:<user>}:seen  (string, ISO-8601)

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch
  ARGV[3] now, ISO-8601 (stored as last seen)

  Both keys carry the user's hash tag {u:<user>}. Returns 1 when the user is now offline on
  every node (last seen recorded), else 0.
]]
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
return 1
