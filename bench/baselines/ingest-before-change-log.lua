-- BENCH-ONLY BASELINE, never loaded by Strata: the ingest script as it was before the change log
-- (src/hot-tier/valkey/lua/ingest-6.lua at 382f7a8, unchanged below this header). The bench
-- replays it beside ingest-8.lua on the same redis-server, same load shape, to show what the
-- change log (cursor INCR, change ring ZADD + trim, the change as log entry and live frame)
-- costs the message path.
--[[
  ingest: accept one message into the hot tier, atomically (one hash slot).
    dedup by client key -> refuse if unseeded -> refuse if backlogged -> seq = INCR ->
    ring ZADD + trim -> persist log XADD -> in-flight marker -> SPUBLISH the live frame.

  KEYS[1] seq counter    <prefix>:{pN}:c:<conv>:seq   (string, integer)
  KEYS[2] recent ring    <prefix>:{pN}:c:<conv>:ring  (zset, score = seq, member = JSON)
  KEYS[3] persist log    <prefix>:{pN}:log            (stream, field m = JSON)
  KEYS[4] dedup key      <prefix>:{pN}:c:<conv>:d:<client key>  (string = original JSON)
  KEYS[5] fan-out channel <prefix>:{pN}:c:<conv>:ch   (sharded pub/sub channel)
  KEYS[6] in-flight mark <prefix>:{pN}:m:<message id> (string "<conv> <seq>", expires): lets an
          edit of a message that is not in the warm store yet find it (HotTier.locateInFlight)

  ARGV[1] head: the message JSON before its seq
  ARGV[2] tail: the message JSON after its seq
  ARGV[3] "1" when the message has a client key (KEYS[4] is used), "0" otherwise
  ARGV[4] dedup TTL, milliseconds (> 0)
  ARGV[5] recent ring cap, entries (> 0)
  ARGV[6] max backlog: unacknowledged log entries at which ingest refuses
  ARGV[7] in-flight mark TTL, milliseconds (0: no mark; KEYS[6] is then a key never written)
  ARGV[8] conversation id (the mark's value, with the seq)

  Returns one of
    {"created", seq, json}
    {"duplicate", original json}   nothing written
    {"unseeded"}                   the counter is absent: seed, then retry
    {"backlogged", backlog}        XLEN of the log >= ARGV[6]; nothing written
  Errors: only Redis' own (WRONGTYPE if a key was clobbered).
  The backlog is XLEN because acknowledged entries are deleted (ack-1.lua).
]]
local hasClient = ARGV[3] == '1'
if hasClient then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {'duplicate', seen} end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unseeded'} end
local backlog = redis.call('XLEN', KEYS[3])
if backlog >= tonumber(ARGV[6]) then return {'backlogged', backlog} end

local seq = redis.call('INCR', KEYS[1])
local json = ARGV[1] .. string.format('%d', seq) .. ARGV[2]
redis.call('ZADD', KEYS[2], seq, json)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[5]) + 1))
if hasClient then redis.call('SET', KEYS[4], json, 'PX', ARGV[4]) end
redis.call('XADD', KEYS[3], '*', 'm', json)
if tonumber(ARGV[7]) > 0 then redis.call('SET', KEYS[6], ARGV[8] .. ' ' .. seq, 'PX', ARGV[7]) end
redis.call('SPUBLISH', KEYS[5], '{"type":"message","message":' .. json .. '}')
return {'created', seq, json}
