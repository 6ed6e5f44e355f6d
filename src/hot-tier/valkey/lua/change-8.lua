--[[
  change: accept one change of a conversation (edit, delete, reaction, member, conversation
  update, pin, mute, settings) into the hot tier, atomically (one hash slot): refuse if
  unseeded -> refuse if the actor is banned (or muted, for a reaction or an edit) -> refuse if
  backlogged -> (for a message change) refuse if the ring's copy moved on -> cursor = INCR ->
  replace the ring's copy of the message -> change ring ZADD + trim -> persist log XADD ->
  write the restriction the change records (ban, mute, slow mode, kind) -> SPUBLISH the change,
  which is its own live frame. A send (ingest-10.lua) judged after this call sees the
  restriction; one judged before it got a lower cursor.

  KEYS[1] change cursor  <prefix>:{pN}:c:<conv>:cur   (string, integer)
  KEYS[2] change ring    <prefix>:{pN}:c:<conv>:chg   (zset, score = cursor, member = change JSON)
  KEYS[3] persist log    <prefix>:{pN}:log            (stream, field m = change JSON)
  KEYS[4] fan-out channel <prefix>:{pN}:c:<conv>:ch
  KEYS[5] recent ring    <prefix>:{pN}:c:<conv>:ring  (zset, score = seq, member = message JSON)
  KEYS[6] last message change <prefix>:{pN}:c:<conv>:mut (string: the cursor of the latest edit or
          delete; a history page served from the warm store or the archive waits for it)
  KEYS[7] message versions <prefix>:{pN}:c:<conv>:ver (hash: message id -> the version of its
          latest edit/delete, expiring an hour after the last write): the version check of a
          message the ring no longer holds, while the warm store may still lag behind
  KEYS[8] restrictions   <prefix>:{pN}:c:<conv>:rules (hash, see ingest-10.lua)

  ARGV[1] type: edit | delete | reaction | member | conversation | pin
  ARGV[2] the message's seq for edit/delete, "" otherwise
  ARGV[3] the message version the change was built on, "" for no check
  ARGV[4] with a seq: the message JSON up to its version (ends with "version":); else the
          change JSON after its cursor (starts with a comma, ends with the closing brace)
  ARGV[5] with a seq: the message JSON after its version; else ""
  ARGV[6] change ring cap, entries (> 0)
  ARGV[7] max backlog: unacknowledged log entries at which the change is refused
  ARGV[8] with a seq: the message's id (the version hash's field); else ""
  ARGV[9] the actor whose ban or mute refuses the change ("" : not checked)
  ARGV[10..] pairs: a restrictions field to write with the change (kind | slow | b:<user> |
           m:<user>) and its value ("" : HDEL the field); none for most changes

  change = {"type":"<type>","cursor":C,"message":<head C tail>}   with a seq
         = {"type":"<type>","cursor":C<ARGV[4]>                    without
  Returns one of
    {"changed", cursor, change JSON}
    {"unseeded"}                   the cursor counter is absent: seed, then retry
    {"backlogged", backlog}        nothing written
    {"banned"}                     the actor is banned; nothing written
    {"muted", until ms}            the actor is muted (reaction, edit); nothing written
    {"conflict", version}          the ring (or, for a message it no longer holds, the version
                                   hash) has the message at another version than ARGV[3]:
                                   another change came first; nothing written (reload, retry)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unseeded'} end
if ARGV[9] ~= '' then
  local r = redis.call('HMGET', KEYS[8], 'b:' .. ARGV[9], 'm:' .. ARGV[9])
  if r[1] then return {'banned'} end
  if r[2] and (ARGV[1] == 'reaction' or ARGV[1] == 'edit') then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    if tonumber(r[2]) > now then return {'muted', tonumber(r[2])} end
  end
end
local backlog = redis.call('XLEN', KEYS[3])
if backlog >= tonumber(ARGV[7]) then return {'backlogged', backlog} end

local held
if ARGV[2] ~= '' then
  held = redis.call('ZRANGE', KEYS[5], ARGV[2], ARGV[2], 'BYSCORE')
  if ARGV[3] ~= '' then
    local v
    if #held > 0 then
      -- the key comes before any text, and a quote inside a value is escaped: the first match is it
      v = string.match(held[1], ',"version":(%d+),')
    else
      v = redis.call('HGET', KEYS[7], ARGV[8])
    end
    if v and v ~= ARGV[3] then return {'conflict', tonumber(v)} end
  end
end

local cursor = redis.call('INCR', KEYS[1])
local c = string.format('%d', cursor)
local change
if ARGV[2] ~= '' then
  local json = ARGV[4] .. c .. ARGV[5]
  change = '{"type":"' .. ARGV[1] .. '","cursor":' .. c .. ',"message":' .. json .. '}'
  if #held > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[5], ARGV[2], ARGV[2])
    redis.call('ZADD', KEYS[5], ARGV[2], json)
  end
  redis.call('SET', KEYS[6], cursor)
  redis.call('HSET', KEYS[7], ARGV[8], cursor)
  redis.call('PEXPIRE', KEYS[7], 3600000)
else
  change = '{"type":"' .. ARGV[1] .. '","cursor":' .. c .. ARGV[4]
end
redis.call('ZADD', KEYS[2], cursor, change)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[6]) + 1))
redis.call('XADD', KEYS[3], '*', 'm', change)
for i = 10, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[8], ARGV[i]) else redis.call('HSET', KEYS[8], ARGV[i], ARGV[i + 1]) end
end
redis.call('SPUBLISH', KEYS[4], change)
return {'changed', cursor, change}
