"""Rate limits on the moving-window limiter of ``limits``, in Redis or in memory."""

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.errors import RateLimitedError


def create_storage(redis_url: str | None) -> Storage:
    if redis_url:
        uri = redis_url.replace("redis://", "async+redis://", 1)
        return RedisStorage(uri, implementation="redispy")
    return MemoryStorage()


class RateLimiter:
    def __init__(self, storage: Storage, namespace: str = "decide") -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._namespace = namespace

    async def hit(self, rule: str, *identifiers: str) -> None:
        """Count one request against ``rule`` for ``identifiers``, or raise 429."""
        item: RateLimitItem = parse(rule)
        key = (self._namespace, *identifiers)
        if await self._limiter.hit(item, *key):
            return
        stats = await self._limiter.get_window_stats(item, *key)
        retry_after = math.ceil(stats.reset_time - time.time())
        raise RateLimitedError(
            "Too many attempts; wait before trying again.", retry_after=retry_after
        )

    async def reset(self) -> None:
        await self._limiter.storage.reset()
