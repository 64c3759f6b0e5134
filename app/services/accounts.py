"""Accounts: sign-up, confirmation, sign-in, rotating refresh tokens, passwords."""

import asyncio
import uuid
from datetime import timedelta

import structlog
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    AccountBlockedError,
    AuthenticationError,
    ConflictError,
    EmailUnconfirmedError,
    InvalidInputError,
    InvalidTokenError,
)
from app.models.base import utcnow
from app.models.users import RefreshToken, TokenPurpose, User, UserRole, UserToken
from app.runtime import Runtime
from app.schemas.accounts import ProfileUpdate, SignUp, TokenPair
from app.security import hash_token, new_opaque_token
from app.services import outbox, push
from app.services.mail import MAIL_SEND, mail_request

log = structlog.get_logger()

_DUMMY_HASH_PASSWORD = "not-a-real-password"  # noqa: S105


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    query = select(User).where(User.email_normalized == normalize_email(email))
    return await session.scalar(query)


async def sign_up(
    session: AsyncSession, runtime: Runtime, data: SignUp, client_ip: str
) -> User:
    """Create an unconfirmed account and mail its confirmation link."""
    await _limit_attempt(runtime, "sign-up", data.email, client_ip)
    await _ensure_available(session, email=data.email, nickname=data.nickname)

    password_hash = await asyncio.to_thread(runtime.passwords.hash, data.password)
    user = User(
        email=data.email,
        email_normalized=normalize_email(data.email),
        name=data.name,
        nickname=data.nickname.lower(),
        locale=data.locale,
        password_hash=password_hash,
        tos_accepted_at=utcnow(),
        terms_version=runtime.settings.terms_version,
    )
    session.add(user)
    await _flush_unique(session)

    await _send_token(session, runtime, user, TokenPurpose.CONFIRM_EMAIL)
    log.info("account.signed_up", user_id=user.id)
    return user


async def create_admin(
    session: AsyncSession, runtime: Runtime, *, email: str, password: str, name: str
) -> User:
    """Create a confirmed organisation admin, or promote the existing account."""
    user = await find_by_email(session, email)
    password_hash = await asyncio.to_thread(runtime.passwords.hash, password)
    if user is None:
        nickname = await _free_nickname(session, email.split("@")[0])
        user = User(
            email=email,
            email_normalized=normalize_email(email),
            name=name,
            nickname=nickname,
            password_hash=password_hash,
            tos_accepted_at=utcnow(),
        )
        session.add(user)
    user.role = UserRole.ADMIN
    user.password_hash = password_hash
    user.confirmed_at = user.confirmed_at or utcnow()
    await session.flush()
    return user


async def _free_nickname(session: AsyncSession, base: str) -> str:
    stem = (
        "".join(ch for ch in base.lower() if ch.isalnum() or ch == "_")[:24] or "user"
    )
    taken = set(
        (
            await session.scalars(
                select(User.nickname).where(User.nickname.like(f"{stem}%"))
            )
        ).all()
    )
    candidate, suffix = stem, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{stem}{suffix}"
    return candidate


async def _ensure_available(
    session: AsyncSession, *, email: str | None = None, nickname: str | None = None
) -> None:
    if email is not None and await find_by_email(session, email) is not None:
        raise _email_taken()
    if nickname is not None:
        taken = await session.scalar(
            select(User.id).where(User.nickname == nickname.lower())
        )
        if taken is not None:
            raise _nickname_taken()


def _email_taken() -> ConflictError:
    return ConflictError("An account with this e-mail already exists.", field="email")


def _nickname_taken() -> ConflictError:
    return ConflictError("This nickname is taken.", field="nickname")


async def _flush_unique(session: AsyncSession) -> None:
    """Flush, telling which unique field a concurrent writer took first."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig).lower()
        if "nickname" in message:
            raise _nickname_taken() from exc
        raise _email_taken() from exc


async def _send_token(
    session: AsyncSession, runtime: Runtime, user: User, purpose: TokenPurpose
) -> None:
    settings = runtime.settings
    lifetimes = {
        TokenPurpose.CONFIRM_EMAIL: timedelta(hours=settings.confirmation_token_hours),
        TokenPurpose.RESET_PASSWORD: timedelta(minutes=settings.reset_token_minutes),
    }
    token = new_opaque_token()
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + lifetimes[purpose],
        )
    )
    context = {"name": user.name, "token": token}
    outbox.emit(
        session, MAIL_SEND, mail_request(purpose, user.email, user.locale, context)
    )


async def _redeem_token(
    session: AsyncSession, token: str, purpose: TokenPurpose
) -> User:
    query = (
        select(UserToken)
        .where(UserToken.token_hash == hash_token(token), UserToken.purpose == purpose)
        .with_for_update()
    )
    user_token = await session.scalar(query)
    if (
        user_token is None
        or user_token.used_at is not None
        or user_token.expires_at <= utcnow()
    ):
        raise InvalidTokenError("This link is invalid, already used or expired.")
    user_token.used_at = utcnow()
    user = await session.get_one(User, user_token.user_id)
    if user.deleted_at is not None:
        raise InvalidTokenError("This link is invalid, already used or expired.")
    return user


async def confirm_email(session: AsyncSession, token: str) -> User:
    user = await _redeem_token(session, token, TokenPurpose.CONFIRM_EMAIL)
    user.confirmed_at = user.confirmed_at or utcnow()
    log.info("account.confirmed", user_id=user.id)
    return user


async def resend_confirmation(
    session: AsyncSession, runtime: Runtime, email: str, client_ip: str
) -> None:
    """Mail a new confirmation link if the account awaits one; silent otherwise."""
    await _limit_attempt(runtime, "confirm", email, client_ip)
    user = await find_by_email(session, email)
    if user is None or user.confirmed_at is not None or user.deleted_at is not None:
        return
    await _send_token(session, runtime, user, TokenPurpose.CONFIRM_EMAIL)


async def _limit_attempt(runtime: Runtime, action: str, email: str, ip: str) -> None:
    settings = runtime.settings
    await runtime.limiter.hit(settings.rate_limit_auth_ip, action, "ip", ip)
    # Hashed, so that the limiter's store (Redis) holds no e-mail addresses.
    account = hash_token(normalize_email(email))
    await runtime.limiter.hit(
        settings.rate_limit_auth_account, action, "account", account
    )


async def sign_in(
    session: AsyncSession,
    runtime: Runtime,
    *,
    email: str,
    password: str,
    client_ip: str,
    device_id: str | None = None,
) -> TokenPair:
    await _limit_attempt(runtime, "sign-in", email, client_ip)
    user = await find_by_email(session, email)
    if user is None or user.deleted_at is not None:
        # Hash anyway so that response time does not reveal unknown e-mails.
        await asyncio.to_thread(runtime.passwords.hash, _DUMMY_HASH_PASSWORD)
        raise _bad_credentials()
    verified = await asyncio.to_thread(
        runtime.passwords.verify, user.password_hash, password
    )
    if not verified:
        raise _bad_credentials()
    ensure_active(user)

    if runtime.passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(runtime.passwords.hash, password)
    user.last_sign_in_at = utcnow()
    log.info("account.signed_in", user_id=user.id)
    return await issue_tokens(session, runtime, user, device_id=device_id)


def _bad_credentials() -> AuthenticationError:
    return AuthenticationError("The e-mail or password is wrong.")


def ensure_active(user: User) -> None:
    """Refuse accounts that may not act: blocked, or not yet confirmed."""
    if user.blocked_at is not None:
        raise AccountBlockedError("This account is blocked.")
    if user.confirmed_at is None:
        raise EmailUnconfirmedError(
            "Confirm your e-mail first: follow the link we mailed you."
        )


async def issue_tokens(
    session: AsyncSession,
    runtime: Runtime,
    user: User,
    *,
    device_id: str | None,
    family: str | None = None,
) -> TokenPair:
    refresh_token = new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family=family or str(uuid.uuid4()),
            token_hash=hash_token(refresh_token),
            device_id=device_id,
            expires_at=utcnow() + timedelta(days=runtime.settings.refresh_token_days),
        )
    )
    return TokenPair(
        access_token=runtime.tokens.issue(user.id, user.token_version),
        refresh_token=refresh_token,
        expires_in=runtime.tokens.lifetime_seconds,
    )


async def refresh(
    session: AsyncSession,
    runtime: Runtime,
    *,
    refresh_token: str,
    device_id: str | None = None,
) -> TokenPair:
    """Rotate a refresh token; a spent one revokes its whole family."""
    query = (
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_token(refresh_token))
        .with_for_update()
    )
    current = await session.scalar(query)
    if current is None or current.revoked_at is not None:
        raise AuthenticationError("The refresh token is not valid.")
    if current.used_at is not None:
        await _revoke_families(session, RefreshToken.family == current.family)
        log.warning("account.refresh_reused", user_id=current.user_id)
        error = AuthenticationError(
            "This refresh token was already used; sign in again."
        )
        error.commit_changes = True
        raise error
    if current.expires_at <= utcnow():
        raise AuthenticationError("The refresh token has expired; sign in again.")
    if current.device_id is not None and current.device_id != device_id:
        raise AuthenticationError("The refresh token belongs to another device.")

    user = await session.get_one(User, current.user_id)
    if user.deleted_at is not None:
        raise AuthenticationError("The account can no longer sign in.")
    ensure_active(user)
    current.used_at = utcnow()
    return await issue_tokens(
        session, runtime, user, device_id=current.device_id, family=current.family
    )


async def _revoke_families(session: AsyncSession, *conditions: object) -> None:
    await session.execute(
        update(RefreshToken)
        .where(*conditions, RefreshToken.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=utcnow())
    )


async def sign_out(session: AsyncSession, refresh_token: str) -> None:
    """Revoke the family of ``refresh_token``; unknown tokens are ignored."""
    family = await session.scalar(
        select(RefreshToken.family).where(
            RefreshToken.token_hash == hash_token(refresh_token)
        )
    )
    if family is not None:
        await _revoke_families(session, RefreshToken.family == family)


async def sign_out_everywhere(session: AsyncSession, user: User) -> None:
    """Revoke every refresh token and every access token issued so far, and
    stop pushes to every device: a phone signed out must not show them."""
    await _revoke_families(session, RefreshToken.user_id == user.id)
    await _bump_token_version(session, user)
    await push.forget_devices(session, user)


async def _bump_token_version(session: AsyncSession, user: User) -> None:
    await session.execute(
        update(User)
        .where(User.id == user.id)
        .values(token_version=User.token_version + 1)
    )
    await session.refresh(user, ["token_version"])


async def request_password_reset(
    session: AsyncSession, runtime: Runtime, email: str, client_ip: str
) -> None:
    """Mail a reset link if the account exists; the answer never tells."""
    await _limit_attempt(runtime, "reset", email, client_ip)
    user = await find_by_email(session, email)
    if user is None or user.deleted_at is not None or user.blocked_at is not None:
        return
    await _send_token(session, runtime, user, TokenPurpose.RESET_PASSWORD)


async def reset_password(
    session: AsyncSession, runtime: Runtime, token: str, password: str
) -> None:
    user = await _redeem_token(session, token, TokenPurpose.RESET_PASSWORD)
    await _set_password(session, runtime, user, password)
    # Following the mailed link proves the address as well as a confirmation would.
    user.confirmed_at = user.confirmed_at or utcnow()
    log.info("account.password_reset", user_id=user.id)


async def change_password(
    session: AsyncSession,
    runtime: Runtime,
    user: User,
    *,
    current_password: str,
    new_password: str,
    device_id: str | None = None,
    client_ip: str,
) -> TokenPair:
    """Change the password, end every other session and return fresh tokens.

    Limited like sign-in, since a stolen access token could otherwise try
    passwords here; a wrong one is a 422 on its field, not a 401, which
    clients read as an expired session.
    """
    await _limit_attempt(runtime, "password_change", user.email, client_ip)
    verified = await asyncio.to_thread(
        runtime.passwords.verify, user.password_hash, current_password
    )
    if not verified:
        raise InvalidInputError(
            "The current password is wrong.",
            field="current_password",
            location="body",
            error_code="wrong_password",
        )
    await _set_password(session, runtime, user, new_password)
    log.info("account.password_changed", user_id=user.id)
    return await issue_tokens(session, runtime, user, device_id=device_id)


async def _set_password(
    session: AsyncSession, runtime: Runtime, user: User, password: str
) -> None:
    user.password_hash = await asyncio.to_thread(runtime.passwords.hash, password)
    await sign_out_everywhere(session, user)


async def update_profile(
    session: AsyncSession, user: User, changes: ProfileUpdate
) -> User:
    values = changes.model_dump(exclude_unset=True, exclude_none=True)
    if "nickname" in values:
        values["nickname"] = values["nickname"].lower()
        if values["nickname"] != user.nickname:
            await _ensure_available(session, nickname=values["nickname"])
    for key, value in values.items():
        setattr(user, key, value)
    await _flush_unique(session)
    return user


async def list_users(
    session: AsyncSession,
    *,
    text: str | None,
    role: UserRole | None,
    after_id: int | None,
    limit: int,
) -> list[User]:
    """Accounts for admins, newest first, with ``limit + 1`` rows to tell if more."""
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.id.desc())
    if text:
        # autoescape: an admin searching "100%" or "ana_" means those characters.
        needle = text.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.nickname.contains(needle, autoescape=True),
                User.email_normalized.contains(needle, autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    if after_id is not None:
        query = query.where(User.id < after_id)
    return list((await session.scalars(query.limit(limit + 1))).all())
