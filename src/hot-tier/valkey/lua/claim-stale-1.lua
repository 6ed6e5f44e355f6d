--[[
  claim-stale: hand entries pending too long on any consumer to this consumer, with their
  delivery counts (XAUTOCLAIM does not return them; XPENDING does).

  KEYS[1] persist log   <prefix>:{pN}:log  (stream)

  ARGV[1] consumer group
  ARGV[2] consumer taking the entries
  ARGV[3] min idle time, milliseconds
  ARGV[4] max entries to claim

  Returns a flat array {id, payload, deliveries, ...}. Entries whose payload is gone (deleted
  while pending) are skipped; Redis 7 drops them from the pending list itself.
  Errors: NOGROUP when the group does not exist (the adapter creates it and retries).
]]
local want = tonumber(ARGV[4])
local out = {}
local cursor = '0-0'
local n = 0
repeat
  local res = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', want - n)
  cursor = res[1]
  for _, e in ipairs(res[2]) do
    local id, fields = e[1], e[2]
    if fields then
      local payload
      for i = 1, #fields, 2 do
        if fields[i] == 'm' then payload = fields[i + 1] end
      end
      local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
      local deliveries = 1
      if #p > 0 then deliveries = p[1][4] end
      out[#out + 1] = id
      out[#out + 1] = payload or ''
      out[#out + 1] = deliveries
      n = n + 1
    end
  end
until n >= want or cursor == '0-0'
return out
