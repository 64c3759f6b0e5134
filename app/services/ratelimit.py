"""Rate limits on the moving-window limiter of ``limits``, in Redis or in memory."""

import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.errors import RateLimitedError

log = structlog.get_logger()

_REDIS_TIMEOUT_SECONDS = 1.0


def create_storage(redis_url: str | None) -> Storage:
    if redis_url:
        uri = redis_url.replace("redis://", "async+redis://", 1)
        return RedisStorage(
            uri,
            implementation="redispy",
            wrap_exceptions=True,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
        )
    return MemoryStorage()


class RateLimiter:
    """Counts in ``storage``; while it fails, counts in this process instead.

    A Redis outage then weakens the limits (each process counts alone) rather
    than turning every sign-in into an error or lifting the limits altogether.
    """

    def __init__(self, storage: Storage, namespace: str = "decide") -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._namespace = namespace

    async def hit(self, rule: str, *identifiers: str) -> None:
        """Count one request against ``rule`` for ``identifiers``, or raise 429."""
        item: RateLimitItem = parse(rule)
        key = (self._namespace, *identifiers)
        try:
            await self._hit(self._limiter, item, key)
        except StorageError as exc:
            log.warning(
                "ratelimit.storage_failed", error=type(exc.storage_error).__name__
            )
            await self._hit(self._fallback, item, key)

    async def _hit(
        self,
        limiter: MovingWindowRateLimiter,
        item: RateLimitItem,
        key: tuple[str, ...],
    ) -> None:
        if await limiter.hit(item, *key):
            return
        stats = await limiter.get_window_stats(item, *key)
        retry_after = math.ceil(stats.reset_time - time.time())
        raise RateLimitedError(
            "Too many attempts; wait before trying again.", retry_after=retry_after
        )

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def strategy(self) -> MovingWindowRateLimiter:
        return self._limiter

    @property
    def fallback(self) -> MovingWindowRateLimiter:
        return self._fallback

    async def reset(self) -> None:
        await self._limiter.storage.reset()
        await self._fallback.storage.reset()


@dataclass(frozen=True, slots=True)
class Window:
    """Where one identity stands against one rule, for ``RateLimit-*`` headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


async def take(limiter: RateLimiter, rule: str, *identifiers: str) -> Window:
    """Count one request and say where the identity stands, without raising."""
    item: RateLimitItem = parse(rule)
    key = (limiter.namespace, *identifiers)
    try:
        return await _take(limiter.strategy, item, key)
    except StorageError as exc:
        log.warning("ratelimit.storage_failed", error=type(exc.storage_error).__name__)
        return await _take(limiter.fallback, item, key)


async def _take(
    strategy: MovingWindowRateLimiter, item: RateLimitItem, key: tuple[str, ...]
) -> Window:
    allowed = await strategy.hit(item, *key)
    stats = await strategy.get_window_stats(item, *key)
    reset = max(0, math.ceil(stats.reset_time - time.time()))
    return Window(allowed, item.amount, stats.remaining, reset)
