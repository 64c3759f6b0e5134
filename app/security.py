"""Password hashing, access tokens (JWT) and opaque tokens."""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

from app.config import Settings
from app.models.base import utcnow

ALGORITHM = "HS256"
ISSUER = "decide"
_USER_ID = re.compile(r"[1-9][0-9]{0,17}")
"""A subject the users table can hold: ASCII digits, below 2**63."""


class TokenError(Exception):
    """The access token is missing, malformed, expired or not ours."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    token_version: int
    expires_at: datetime


def _stabilize(password: str) -> str:
    # NFKC, as NIST SP 800-63B advises: one keyboard sends "ç" composed,
    # another as "c" + combining cedilla, and both must open the account.
    return unicodedata.normalize("NFKC", password)


class PasswordHashing:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(_stabilize(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, _stabilize(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def _key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class AccessTokens:
    """Signs with the current key; verifies with it or any previous key by ``kid``."""

    def __init__(self, settings: Settings) -> None:
        current = settings.secret_key.get_secret_value()
        self._signing_kid = _key_id(current)
        self._keys = {self._signing_kid: current}
        for previous in settings.previous_secret_keys:
            value = previous.get_secret_value()
            self._keys.setdefault(_key_id(value), value)
        self._lifetime = timedelta(minutes=settings.access_token_minutes)

    @property
    def lifetime_seconds(self) -> int:
        return int(self._lifetime.total_seconds())

    def issue(self, user_id: int, token_version: int) -> str:
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "ver": token_version,
            "iss": ISSUER,
            "typ": "access",
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(
            claims,
            self._keys[self._signing_kid],
            algorithm=ALGORITHM,
            headers={"kid": self._signing_kid},
        )

    def verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise TokenError("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise TokenError("unexpected algorithm")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise TokenError("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require_exp": True, "require_sub": True},
            )
        except JWTError as exc:
            raise TokenError(str(exc)) from exc
        if claims.get("typ") != "access" or not _USER_ID.fullmatch(claims["sub"]):
            raise TokenError("not an access token")
        if not isinstance(claims.get("ver"), int):
            raise TokenError("no token version")
        return AccessClaims(
            user_id=int(claims["sub"]),
            token_version=claims["ver"],
            expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
        )


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Opaque tokens are stored as their SHA-256: a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
