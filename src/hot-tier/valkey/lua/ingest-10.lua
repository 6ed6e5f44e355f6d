--[[
  ingest: accept one message into the hot tier, atomically (one hash slot).
    dedup by client key -> refuse if unseeded -> refuse by the conversation's restrictions
    (banned, muted, announcement, slow mode) -> refuse if backlogged -> seq = INCR and
    cursor = INCR (the message's creation is a change of the conversation) -> ring ZADD + trim
    -> change ring ZADD + trim -> persist log XADD (the change) -> in-flight marker -> SPUBLISH
    the live frame, which is the change itself: {"type":"message","cursor":C,"message":M} ->
    under slow mode, the sender's cooldown key.
    The restrictions are written by change-8.lua in the call that records the moderation change
    (its cursor), so a send judged here after that call is refused and one judged before it has
    a lower cursor: the ordering guarantee of docs/moderation.md.

  KEYS[1] seq counter    <prefix>:{pN}:c:<conv>:seq   (string, integer)
  KEYS[2] recent ring    <prefix>:{pN}:c:<conv>:ring  (zset, score = seq, member = JSON)
  KEYS[3] persist log    <prefix>:{pN}:log            (stream, field m = JSON)
  KEYS[4] dedup key      <prefix>:{pN}:c:<conv>:d:<client key>  (string = original JSON)
  KEYS[5] fan-out channel <prefix>:{pN}:c:<conv>:ch   (sharded pub/sub channel)
  KEYS[6] in-flight mark <prefix>:{pN}:m:<message id> (string "<conv> <seq>", expires): lets an
          edit of a message that is not in the warm store yet find it (HotTier.locateInFlight)
  KEYS[7] change cursor  <prefix>:{pN}:c:<conv>:cur   (string, integer)
  KEYS[8] change ring    <prefix>:{pN}:c:<conv>:chg   (zset, score = cursor, member = change JSON)
  KEYS[9] restrictions   <prefix>:{pN}:c:<conv>:rules (hash: kind -> direct|group|announcement,
          slow -> cooldown seconds, b:<user> -> "1" banned, m:<user> -> mute end, epoch ms)
  KEYS[10] cooldown      <prefix>:{pN}:c:<conv>:sl:<sender> (string "1", expires after the
          slow-mode seconds; with no sender, a key of the same slot never written)

  ARGV[1] head: the message JSON before its seq
  ARGV[2] tail: the message JSON after its version (message = head seq ,"version": cursor tail)
  ARGV[3] "1" when the message has a client key (KEYS[4] is used), "0" otherwise
  ARGV[4] dedup TTL, milliseconds (> 0)
  ARGV[5] recent ring cap, entries (> 0)
  ARGV[6] max backlog: unacknowledged log entries at which ingest refuses
  ARGV[7] in-flight mark TTL, milliseconds (0: no mark; KEYS[6] is then a key never written)
  ARGV[8] conversation id (the mark's value, with the seq)
  ARGV[9] change ring cap, entries (> 0)
  ARGV[10] sender user id ("" : no restriction is checked)
  ARGV[11] the sender's role as the caller's membership check saw it: owner | admin | member
           (owners and admins are exempt from announcement-only and slow mode)

  Returns one of
    {"created", seq, json, cursor}
    {"duplicate", original json}   nothing written
    {"unseeded"}                   a counter (seq or cursor) is absent: seed, then retry
    {"backlogged", backlog}        XLEN of the log >= ARGV[6]; nothing written
    {"banned"}                     the sender is banned from the conversation; nothing written
    {"muted", until ms}            the sender is muted until then (server TIME); nothing written
    {"announcement"}               announcement kind and the sender is a plain member
    {"slow", retry after ms}       the sender's cooldown key lives for that long; nothing written
  Errors: only Redis' own (WRONGTYPE if a key was clobbered).
  The backlog is XLEN because acknowledged entries are deleted (ack-1.lua).
]]
local hasClient = ARGV[3] == '1'
if hasClient then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {'duplicate', seen} end
end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[7]) == 0 then return {'unseeded'} end
local sender = ARGV[10]
local slow = 0
if sender ~= '' then
  local r = redis.call('HMGET', KEYS[9], 'b:' .. sender, 'm:' .. sender, 'kind', 'slow')
  if r[1] then return {'banned'} end
  if r[2] then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    if tonumber(r[2]) > now then return {'muted', tonumber(r[2])} end
  end
  local exempt = ARGV[11] == 'owner' or ARGV[11] == 'admin'
  if not exempt then
    if r[3] == 'announcement' then return {'announcement'} end
    if r[4] then slow = tonumber(r[4]) end
    if slow > 0 then
      local left = redis.call('PTTL', KEYS[10])
      if left > 0 then return {'slow', left} end
    end
  end
end
local backlog = redis.call('XLEN', KEYS[3])
if backlog >= tonumber(ARGV[6]) then return {'backlogged', backlog} end

local seq = redis.call('INCR', KEYS[1])
local cursor = redis.call('INCR', KEYS[7])
local c = string.format('%d', cursor)
local json = ARGV[1] .. string.format('%d', seq) .. ',"version":' .. c .. ARGV[2]
local change = '{"type":"message","cursor":' .. c .. ',"message":' .. json .. '}'
redis.call('ZADD', KEYS[2], seq, json)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[5]) + 1))
redis.call('ZADD', KEYS[8], cursor, change)
redis.call('ZREMRANGEBYRANK', KEYS[8], 0, -(tonumber(ARGV[9]) + 1))
if hasClient then redis.call('SET', KEYS[4], json, 'PX', ARGV[4]) end
redis.call('XADD', KEYS[3], '*', 'm', change)
if tonumber(ARGV[7]) > 0 then redis.call('SET', KEYS[6], ARGV[8] .. ' ' .. seq, 'PX', ARGV[7]) end
redis.call('SPUBLISH', KEYS[5], change)
if slow > 0 then redis.call('SET', KEYS[10], '1', 'PX', slow * 1000) end
return {'created', seq, json, cursor}
