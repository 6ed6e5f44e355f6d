--[[
  read-recent: a page of the recent ring, or nil when the ring cannot answer all of it.

  KEYS[1] seq counter   <prefix>:{pN}:c:<conv>:seq
  KEYS[2] recent ring   <prefix>:{pN}:c:<conv>:ring

  ARGV[1] before seq (exclusive), or "" for none
  ARGV[2] after seq (exclusive), or "" for none; wins over ARGV[1]
  ARGV[3] limit, messages (> 0)

  Returns {lastSeq, lowestSeq, json...} ascending by seq, where lowestSeq is the lowest seq
  the ring holds (lastSeq + 1 when empty); {lastSeq, lowestSeq} when the range lies beyond
  the conversation; nil when unseeded or when the ring misses part of the range.
  Same arithmetic as sliceRing() in memory-hot-tier.ts.
]]
local last = redis.call('GET', KEYS[1])
if not last then return nil end
last = tonumber(last)
local lowest = last + 1
local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #low > 0 then lowest = tonumber(low[2]) end

local limit = tonumber(ARGV[3])
local from, to
if ARGV[2] ~= '' then
  from = tonumber(ARGV[2]) + 1
  to = math.min(last, tonumber(ARGV[2]) + limit)
else
  local before = last + 1
  if ARGV[1] ~= '' then before = tonumber(ARGV[1]) end
  to = math.min(last, before - 1)
  from = math.max(1, to - limit + 1)
end
if from > to then return {last, lowest} end
if from < lowest then return nil end

local items = redis.call('ZRANGE', KEYS[2], from, to, 'BYSCORE')
-- Seqs are unique integers, so a full count means the range is contiguous.
if #items ~= to - from + 1 then return nil end
local out = {last, lowest}
for i = 1, #items do out[i + 2] = items[i] end
return out
