--[[
  read-changes: the changes after a cursor from the change ring, or nil when the ring cannot
  answer all of them.

  KEYS[1] change cursor  <prefix>:{pN}:c:<conv>:cur
  KEYS[2] change ring    <prefix>:{pN}:c:<conv>:chg

  ARGV[1] after cursor (exclusive, >= 0)
  ARGV[2] limit, changes (> 0)

  Returns {lastCursor, lowestCursor, json...} ascending by cursor (lowestCursor = the lowest
  the ring holds, lastCursor + 1 when empty); nil when unseeded or when the ring misses part
  of (after, min(after + limit, lastCursor)].
]]
local last = redis.call('GET', KEYS[1])
if not last then return nil end
last = tonumber(last)
local lowest = last + 1
local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #low > 0 then lowest = tonumber(low[2]) end

local from = tonumber(ARGV[1]) + 1
local to = math.min(last, tonumber(ARGV[1]) + tonumber(ARGV[2]))
if from > to then return {last, lowest} end
if from < lowest then return nil end
local items = redis.call('ZRANGE', KEYS[2], from, to, 'BYSCORE')
if #items ~= to - from + 1 then return nil end
local out = {last, lowest}
for i = 1, #items do out[i + 2] = items[i] end
return out
