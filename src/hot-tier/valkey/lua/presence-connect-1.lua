--[[
  presence-connect: this node now holds a socket of a user.

  KEYS[1] the user's node set  <prefix>:{u:<user>}:pr  (zset, member = node id, score = expiry ms)

  ARGV[1] node id
  ARGV[2] now, milliseconds since the epoch
  ARGV[3] ttl, milliseconds (> 0): the entry lives this long unless refreshed

  Drops expired entries first. Returns the number of live entries before this one was added:
  0 means the user was offline on every node.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return before
