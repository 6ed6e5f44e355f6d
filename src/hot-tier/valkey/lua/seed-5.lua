--[[
  seed: create a conversation's counters if absent and warm its recent ring, without touching
  the persist log (the messages are already in the warm store).

  KEYS[1] seq counter    <prefix>:{pN}:c:<conv>:seq
  KEYS[2] recent ring    <prefix>:{pN}:c:<conv>:ring
  KEYS[3] change cursor  <prefix>:{pN}:c:<conv>:cur
  KEYS[4] change ring    <prefix>:{pN}:c:<conv>:chg
  KEYS[5] restrictions   <prefix>:{pN}:c:<conv>:rules (hash, see ingest-10.lua)

  ARGV[1] last seq in the warm store (integer >= 0)
  ARGV[2] recent ring cap, entries (> 0)
  ARGV[3] last change cursor in the warm store (integer >= 0)
  ARGV[4] how many restriction fields follow (n, even: field, value pairs)
  ARGV[5..4+n] the conversation's restrictions from the warm store (field, value, …)
  ARGV[5+n..] pairs: seq, JSON of the latest messages from the warm store, ascending

  Returns {seq counter afterwards, 1 if this call created it else 0}. Each counter is created only when absent
  (another node may have seeded first; a deployment upgraded from before the change log has a
  seq counter and no cursor). The seq counter becomes max(ARGV[1], highest seq in ARGV,
  highest seq already in the ring): a ring that outlived its counter may hold messages the
  warm store has not yet persisted, so those are kept and seq never repeats. Ring entries at
  or below the highest seeded seq are replaced by the warm store's copies. The cursor becomes
  max(ARGV[3], highest cursor in the change ring), for the same reason.
  The restrictions hash is replaced by ARGV's only when this call creates the seq counter: a
  counter that exists is a conversation whose restrictions are current (change-8.lua keeps
  them), and no send can run between the counter's creation and its restrictions.
]]
local current = redis.call('GET', KEYS[1])
if not redis.call('GET', KEYS[3]) then
  local cursor = tonumber(ARGV[3])
  local top = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')
  if #top > 0 and tonumber(top[2]) > cursor then cursor = tonumber(top[2]) end
  redis.call('SET', KEYS[3], cursor)
end
if current then return {tonumber(current), 0} end

local n = tonumber(ARGV[4])
redis.call('DEL', KEYS[5])
if n > 0 then redis.call('HSET', KEYS[5], unpack(ARGV, 5, 4 + n)) end
local first = 5 + n
local counter = tonumber(ARGV[1])
local top = 0
for i = first, #ARGV, 2 do
  local s = tonumber(ARGV[i])
  if s > top then top = s end
end
if top > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', top) end
for i = first, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))

local highest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #highest > 0 and tonumber(highest[2]) > counter then counter = tonumber(highest[2]) end
if top > counter then counter = top end
redis.call('SET', KEYS[1], counter)
return {counter, 1}
