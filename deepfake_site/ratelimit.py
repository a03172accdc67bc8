"""The rate limits of the API, the upload form, sign-up and log-in, and the client they count.

A limit is "at most N in any W seconds", kept as a sliding log: a key holds the times of the requests
it let through in the last W seconds (a Redis sorted set), and a request passes only while fewer than
N are there. A counter per fixed window let twice the rate through across a window's edge (N at its
end, N more at the next one's start); a sliding log never lets more than N into any W seconds.

On Redis one Lua script checks every key a request counts against and records it in all of them, or
in none when one refuses (a refused request uses up nothing), atomically, on Redis's own clock, so
every web process agrees. Other caches (locmem: one process) do the same under a lock. When the cache
is unreachable the limit is not enforced and the outage is logged: a Redis outage must not turn every
request into a 500.

`client_address` is who an anonymous client is: not DRF's default, which (NUM_PROXIES unset) keys on
the whole X-Forwarded-For header, so a client could send a new one with every request and never be
limited.
"""

import ipaddress
import logging
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rule:
    """At most `limit` requests under `key` in any `window_s` seconds."""

    key: str
    limit: int
    window_s: float


@dataclass(frozen=True)
class Decision:
    allowed: bool
    wait_s: float = 0.0  # when refused: until the oldest request that counts leaves the window
    member: str = ""  # this request's entry in the logs, to give it back (`forget`)


def parse_rate(rate):
    """"120/minute", "20/hour", "5/10s", "3/15m" -> (requests, seconds)."""
    match = _RATE.match(rate or "")
    if match is None:
        raise ValueError(f"Not a rate: {rate!r} (write it as 120/minute, 20/hour or 5/10s)")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def rule(scope, ident, rate):
    """The Rule for a rate setting ("20/hour") of `scope`, counted for `ident` (a user, an address)."""
    limit, window_s = parse_rate(rate)
    return Rule(f"rl:{scope}:{ident}", limit, window_s)


def in_words(seconds):
    """A wait or a window for a sentence: "40 seconds", "1 minute", "2 hours"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = max(1, math.ceil(seconds))
    return f"{count} second{'s' if count != 1 else ''}"


def allow(*rules):
    """Count one request under every rule if all of them let it through. Fails open (logged)."""
    member = uuid.uuid4().hex
    try:
        client = _redis_client()
        if client is not None:
            return _allow_on_redis(client, rules, member)
        return _allow_in_process(rules, member)
    except Exception as error:
        log.warning("Rate limit %s not enforced: the cache is unreachable (%s)",
                    ", ".join(r.key for r in rules), error)
        return Decision(True)


def forget(rule_, member):
    """Take one counted request back out of a rule's log (a log-in that proved right)."""
    if not member:
        return
    try:
        client = _redis_client()
        if client is not None:
            client.zrem(cache.make_and_validate_key(rule_.key), member)
            return
        with _lock:
            entries = [e for e in cache.get(rule_.key) or [] if e[1] != member]
            cache.set(rule_.key, entries, timeout=rule_.window_s + 1)
    except Exception as error:
        log.warning("Rate log %s not updated: the cache is unreachable (%s)", rule_.key, error)


def clear(key):
    try:
        cache.delete(key)
    except Exception as error:
        log.warning("Rate log %s not cleared: the cache is unreachable (%s)", key, error)


# KEYS: the logs; ARGV: this request's member, then limit and window (ms) for each key in turn.
_SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if limit <= 0 then
    wait = math.max(wait, window)
  elseif count >= limit then
    local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(entry[2]) + window - now)
  end
end
if wait > 0 then return {0, wait} end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return {1, 0}
"""


def _redis_client():
    """The cache's redis-py client, or None when the cache is not Redis."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None


def _allow_on_redis(client, rules, member):
    keys = [cache.make_and_validate_key(r.key) for r in rules]
    args = [member]
    for r in rules:
        args += [r.limit, int(r.window_s * 1000)]
    allowed, wait_ms = client.eval(_SLIDING_LOG, len(keys), *keys, *args)
    return Decision(bool(allowed), wait_ms / 1000, member if allowed else "")


_lock = threading.Lock()  # a locmem cache lives in this process: a lock makes check-and-record atomic


def _allow_in_process(rules, member):
    now = time.time()
    with _lock:
        logs = [[e for e in cache.get(r.key) or [] if e[0] > now - r.window_s] for r in rules]
        wait = max([_wait(log_, r, now) for log_, r in zip(logs, rules)], default=0)
        if wait > 0:
            return Decision(False, wait)
        for log_, r in zip(logs, rules):
            cache.set(r.key, log_ + [(now, member)], timeout=r.window_s + 1)
    return Decision(True, 0.0, member)


def _wait(entries, rule_, now):
    if rule_.limit <= 0:
        return rule_.window_s
    if len(entries) < rule_.limit:
        return 0
    return entries[len(entries) - rule_.limit][0] + rule_.window_s - now


def client_address(request):
    """The client, as rate limits count it: REMOTE_ADDR, or with DEEPTRACE_PROXY_COUNT proxies in front
    (nginx), the address the outermost trusted proxy saw, from the right of X-Forwarded-For (the left
    is the client's to forge). An IPv6 address counts as its /64: one subscriber usually holds a
    whole /64 and could otherwise take a fresh address for every request."""
    proxies = settings.DEEPTRACE_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    address = forwarded[-proxies] if proxies and len(forwarded) >= proxies else request.META.get("REMOTE_ADDR", "")
    return _subscriber(address)


def _subscriber(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a proxy's "unknown"): counted as given
    if ip.version == 6:
        if ip.ipv4_mapped:  # ::ffff:a.b.c.d, an IPv4 client through a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
