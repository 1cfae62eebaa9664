"""The Lua script that makes ``RedisState.admit`` one atomic round trip.

KEYS: the bucket keys in check order, then the quota key (if any), then the usage key (if any).
ARGV: 1 now, 2 bucket count, 3 has quota ("1"/"0"), 4 quota limit, 5 period key,
6 quota expires_at, 7 has usage ("1"/"0"), 8 usage TTL (s), 9 bucket idle margin (s),
then rate and burst of each bucket.
Returns {allowed, reason (0 none, 1 throttled, 2 quota exceeded), has remaining, remaining}.

Buckets are hashes {t: tokens, s: stamp}, written with 17 significant digits so that a
float read back is the float written (Lua's default of 14 digits would drift). The quota is
a hash {p: period key, u: used, e: expires_at}. ``now`` comes from the caller, never from
Redis TIME, so the arithmetic is exactly MemoryState's.
"""

ADMIT_LUA = """
local now = tonumber(ARGV[1])
local nb = tonumber(ARGV[2])
local has_quota = ARGV[3] == '1'
local usage_ttl = tonumber(ARGV[8])
local margin = tonumber(ARGV[9])

local levels = {}
for i = 1, nb do
  local rate = tonumber(ARGV[8 + 2 * i])
  local burst = tonumber(ARGV[9 + 2 * i])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  local tokens, stamp = tonumber(state[1]), tonumber(state[2])
  if tokens == nil or stamp == nil then
    tokens, stamp = burst, now
  elseif now > stamp then
    tokens, stamp = math.min(burst, tokens + (now - stamp) * rate), now
  else
    tokens = math.min(burst, tokens)
  end
  if tokens < 1 then return {0, 1, 0, 0} end
  levels[i] = {tokens, stamp, rate, burst}
end

local used = 0
local limit = tonumber(ARGV[4])
local qkey = KEYS[nb + 1]
if has_quota then
  local q = redis.call('HMGET', qkey, 'p', 'u', 'e')
  local expires = tonumber(q[3])
  if q[2] and (expires == nil or now < expires) and ((not q[1]) or q[1] == ARGV[5]) then
    used = tonumber(q[2])
  end
  if used >= limit then return {0, 2, 1, math.max(0, limit - used)} end
end

for i = 1, nb do
  local level = levels[i]
  local left = level[1] - 1
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', left), 's', string.format('%.17g', level[2]))
  local ttl = usage_ttl
  if level[3] > 0 then ttl = math.ceil((level[4] - left) / level[3]) + margin end
  redis.call('EXPIRE', KEYS[i], ttl)
end

local has_remaining, remaining = 0, 0
if has_quota then
  local expires = tonumber(ARGV[6])
  redis.call('HSET', qkey, 'p', ARGV[5], 'u', used + 1, 'e', ARGV[6])
  redis.call('PEXPIRE', qkey, math.max(1, math.ceil((expires - now) * 1000)))
  has_remaining, remaining = 1, limit - used - 1
end

if ARGV[7] == '1' then
  local ukey = KEYS[#KEYS]
  if redis.call('INCR', ukey) == 1 then redis.call('EXPIRE', ukey, usage_ttl) end
end
return {1, 0, has_remaining, remaining}
"""
