--[[
  ack: acknowledge persisted entries and delete them from the log, so that the log only
  holds unpersisted entries (XLEN is the backlog) and is never trimmed past them.

  KEYS[1] persist log   <prefix>:{pN}:log  (stream)

  ARGV[1] consumer group
  ARGV[2..] entry ids

  Returns the number of entries deleted.
]]
local deleted = 0
local batch = {}
for i = 2, #ARGV do
  batch[#batch + 1] = ARGV[i]
  -- bounded batches: unpack() of thousands of ids would overflow Lua's C stack
  if #batch == 500 or i == #ARGV then
    redis.call('XACK', KEYS[1], ARGV[1], unpack(batch))
    deleted = deleted + redis.call('XDEL', KEYS[1], unpack(batch))
    batch = {}
  end
end
return deleted
