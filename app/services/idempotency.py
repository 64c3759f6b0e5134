"""Idempotency keys: the first answer to a write, kept to replay it.

A key is scoped to the user, the method and the path. It is claimed inside the
write's own transaction: on PostgreSQL with a transaction-scoped advisory lock
(a duplicate that cannot take it is still in flight: 409), on SQLite by the
immediate transaction every writer begins with (duplicates queue, then replay).
The answer is stored in that same transaction, so a write that rolls back
leaves no key behind.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.errors import ConflictError, InvalidInputError
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord

KEY_MAX = 255


@dataclass(frozen=True)
class KeyedRequest:
    user_id: int
    method: str
    path: str
    key: str
    fingerprint: str

    @property
    def lookup(self) -> str:
        scope = f"{self.user_id}\n{self.method}\n{self.path}\n{self.key}"
        return hashlib.sha256(scope.encode()).hexdigest()

    @property
    def lock_id(self) -> int:
        """A signed 64-bit number for pg_try_advisory_xact_lock."""
        return int.from_bytes(bytes.fromhex(self.lookup)[:8], "big", signed=True)


def fingerprint(query: bytes, body: bytes) -> str:
    return hashlib.sha256(query + b"\n" + body).hexdigest()


def check_key(key: str) -> None:
    """A key is 1 to 255 visible ASCII characters (a UUID is a good one)."""
    if not 0 < len(key) <= KEY_MAX or not all("!" <= char <= "~" for char in key):
        raise InvalidInputError(
            f"Idempotency-Key must be 1 to {KEY_MAX} visible ASCII characters.",
            field="Idempotency-Key",
            location="header",
            error_code="idempotency_key_invalid",
        )


async def claim(
    session: AsyncSession, request: KeyedRequest
) -> IdempotencyRecord | None:
    """Take the key for this transaction; returns the stored answer to replay,
    if there is one. Raises 409 for a duplicate in flight, 422 for another body."""
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(
            select(func.pg_try_advisory_xact_lock(request.lock_id))
        )
        if not locked:
            raise ConflictError(
                "A request with this Idempotency-Key is still in progress; "
                "retry once it has answered.",
                headers={"Retry-After": "1"},
            )
    record = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.lookup == request.lookup)
    )
    if record is not None and record.expires_at <= utcnow():
        await session.delete(record)
        await session.flush()
        return None
    if record is not None and record.fingerprint != request.fingerprint:
        raise InvalidInputError(
            "This Idempotency-Key was used with another request body; "
            "use a new key for a new request.",
            field="Idempotency-Key",
            location="header",
            error_code="idempotency_key_reused",
        )
    return record


def store(
    session: AsyncSession,
    request: KeyedRequest,
    *,
    status_code: int,
    headers: dict[str, Any],
    body: bytes,
    lifetime: timedelta,
) -> None:
    """Keep the answer in the caller's transaction, to replay for ``lifetime``."""
    now = utcnow()
    session.add(
        IdempotencyRecord(
            lookup=request.lookup,
            user_id=request.user_id,
            method=request.method,
            path=request.path[:2000],
            key=request.key,
            fingerprint=request.fingerprint,
            status_code=status_code,
            headers=headers,
            body=body,
            created_at=now,
            expires_at=now + lifetime,
        )
    )


async def purge_expired(session: AsyncSession) -> int:
    """Delete the keys past their lifetime; returns how many went."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired_keys(settings: Settings) -> int:
    """``decide purge-idempotency-keys``: purge on a database of its own."""
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            return await purge_expired(session)
    finally:
        await engine.dispose()
