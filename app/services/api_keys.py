"""API keys for integrators: created by organisation admins, shown once.

A key is ``dk_`` and 43 random characters; only its SHA-256 is stored. It acts
as the account it was issued for, within its scope: a read key may only use
safe methods.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from app.models.api_keys import ApiKey, ApiKeyScope
from app.models.base import utcnow
from app.models.users import User
from app.services import action_log
from app.services.permissions import Action, ensure_allowed

KEY_PREFIX = "dk_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LAST_USE_PRECISION = timedelta(minutes=1)
"""Last use is recorded at most this often, so reads do not all write."""


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(
    session: AsyncSession,
    admin: User,
    *,
    name: str,
    scope: ApiKeyScope,
    user_id: int | None,
) -> tuple[ApiKey, str]:
    """A new key acting as ``user_id`` (the admin by default); the key is returned
    once and never again."""
    ensure_allowed(admin, Action.MANAGE_USERS)
    acting = admin if user_id is None else await session.get(User, user_id)
    if acting is None or acting.deleted_at is not None:
        raise NotFoundError(f"There is no user {user_id}.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    created = ApiKey(
        name=name,
        prefix=key[:10],
        key_hash=_hash(key),
        scope=scope,
        user_id=acting.id,
        created_by_id=admin.id,
    )
    session.add(created)
    await session.flush()
    action_log.record(
        session, admin, "api_key.created", object_type="api_key", object_id=created.id
    )
    return created, key


async def list_keys(session: AsyncSession, admin: User) -> list[ApiKey]:
    ensure_allowed(admin, Action.MANAGE_USERS)
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


async def revoke_key(session: AsyncSession, admin: User, key_id: int) -> None:
    """Revoke a key for good; idempotent."""
    ensure_allowed(admin, Action.MANAGE_USERS)
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError(f"There is no API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        action_log.record(
            session, admin, "api_key.revoked", object_type="api_key", object_id=key.id
        )
        await session.flush()


async def authenticate(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    key: str,
    method: str,
) -> tuple[ApiKey, User]:
    """The key and the account it acts as; 401 for an unknown or revoked key,
    403 for a read key used to write."""
    found = await session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if found is None or found.revoked_at is not None:
        raise AuthenticationError("The API key is unknown or revoked.")
    if found.scope == ApiKeyScope.READ and method not in SAFE_METHODS:
        raise PermissionDeniedError(
            "This API key may only read.", reason="insufficient_scope"
        )
    user = await session.get(User, found.user_id)
    if user is None or user.deleted_at is not None:
        raise AuthenticationError("The API key's account no longer exists.")
    await _record_use(sessionmaker, found.id)
    return found, user


async def _record_use(
    sessionmaker: async_sessionmaker[AsyncSession], key_id: int
) -> None:
    """Record the use in a transaction of its own: reads commit nothing."""
    now = utcnow()
    async with sessionmaker() as session:
        await session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(
                    ApiKey.last_used_at.is_(None),
                    ApiKey.last_used_at < now - LAST_USE_PRECISION,
                ),
            )
            .values(last_used_at=now)
        )
        await session.commit()
