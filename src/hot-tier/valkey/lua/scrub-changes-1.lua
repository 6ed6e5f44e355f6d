--[[
  scrub-changes: GDPR erase (docs/gdpr.md) — replace change-ring entries in place, by cursor,
  where the ring holds them; atomic against appends and trims of the ring (change-8.lua,
  ingest-10.lua), so the ring never holds a cursor twice nor one it had trimmed.

  KEYS[1] change ring  <prefix>:{pN}:c:<conv>:chg  (zset, score = cursor, member = change JSON)

  ARGV pairs: [2i-1] cursor, [2i] the change JSON to hold at that cursor instead

  Returns the number of entries replaced (an entry already holding that JSON counts too).
]]
local n = 0
for i = 1, #ARGV, 2 do
  local cur = ARGV[i]
  local held = redis.call('ZRANGE', KEYS[1], cur, cur, 'BYSCORE')
  if #held > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], cur, cur)
    redis.call('ZADD', KEYS[1], cur, ARGV[i + 1])
    n = n + 1
  end
end
return n
