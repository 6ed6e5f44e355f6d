--[[
  advance: raise a conversation's counters to at least the given values (never lower them):
  after the hot tier came back behind the warm store (a lagging replica promoted), so that no
  seq or cursor the warm store already holds is handed out again.

  KEYS[1] seq counter    <prefix>:{pN}:c:<conv>:seq
  KEYS[2] change cursor  <prefix>:{pN}:c:<conv>:cur

  ARGV[1] lowest acceptable seq counter (integer >= 0)
  ARGV[2] lowest acceptable cursor (integer >= 0)

  Returns {seq, cursor} afterwards; an absent counter stays absent (reported as -1): the next
  call that needs it seeds it from the warm store.
]]
local out = {}
for i = 1, 2 do
  local v = redis.call('GET', KEYS[i])
  if v then
    v = tonumber(v)
    if v < tonumber(ARGV[i]) then
      v = tonumber(ARGV[i])
      redis.call('SET', KEYS[i], v)
    end
    out[i] = v
  else
    out[i] = -1
  end
end
return out
