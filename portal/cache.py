"""A Redis cache that degrades instead of failing.

The cache holds rate-limit counters and cached counts, nothing that is only there. When Redis is
down or slow, reads miss, writes are dropped and `incr` reports a missing key (so portal.ratelimit
allows the request), each with a warning in the log: the portal serves on, unthrottled for the
while, rather than answering 500 to every sign-in.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(default=None, *, missing_key: bool = False):
    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                logger.warning("cache unavailable (%s): %s", method.__name__, error)
                if missing_key:
                    raise ValueError("cache unavailable") from error
                return default

        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
    add = _degrade(False)(RedisCache.add)
    set = _degrade(None)(RedisCache.set)
    touch = _degrade(False)(RedisCache.touch)
    delete = _degrade(False)(RedisCache.delete)
    get_many = _degrade({})(RedisCache.get_many)
    has_key = _degrade(False)(RedisCache.has_key)
    incr = _degrade(missing_key=True)(RedisCache.incr)
    set_many = _degrade([])(RedisCache.set_many)
    delete_many = _degrade(None)(RedisCache.delete_many)
    clear = _degrade(False)(RedisCache.clear)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            logger.warning("cache unavailable (get): %s", error)
            return default

    def get_or_set(self, key, default, timeout=None, version=None):
        """Computes the value when Redis is away (base get_or_set would call `default` twice)."""
        value = self.get(key, version=version)
        if value is None:
            value = default() if callable(default) else default
            if value is not None:
                self.add(key, value, timeout=timeout, version=version)
        return value
