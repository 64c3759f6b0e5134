"""Bodies of the account endpoints: sign-up, sign-in, tokens and profile."""

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from app.models.users import UserRole
from app.schemas.base import ReadModel, RequestModel


class Locale(StrEnum):
    PT_BR = "pt-BR"
    EN = "en"
    ES = "es"


_AS_TYPED = StringConstraints(strip_whitespace=False)
"""Spaces belong to a password: trimming one would lock out the OAuth2 form."""

Password = Annotated[
    str,
    _AS_TYPED,
    Field(
        min_length=8,
        max_length=256,
        description="8 to 256 characters (Unicode code points), spaces included.",
    ),
]
CurrentPassword = Annotated[str, _AS_TYPED, Field(min_length=1, max_length=256)]
Nickname = Annotated[
    str,
    Field(
        min_length=2,
        max_length=30,
        pattern=r"^[A-Za-z0-9_]+$",
        description="2 to 30 letters, digits or underscores; unique, kept lower-case.",
    ),
]
DeviceId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        description="The app installation the refresh token is bound to.",
    ),
]


def _compose(value: object) -> object:
    """NFC, so that a letter typed as letter + combining accent counts once."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


Name = Annotated[
    str,
    BeforeValidator(_compose),
    Field(
        min_length=1,
        max_length=100,
        description="1 to 100 characters (Unicode code points, once composed).",
    ),
]


class SignUp(RequestModel):
    email: EmailStr = Field(max_length=254)
    name: Name
    nickname: Nickname
    password: Password
    locale: Locale = Locale.PT_BR
    tos_accepted: bool = Field(
        strict=True,
        description="The terms of service and privacy notice must be accepted: "
        "`true`, not a string or a number that looks like consent.",
    )

    @field_validator("tos_accepted")
    @classmethod
    def _must_accept(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the terms of service must be accepted")
        return value


class SignIn(RequestModel):
    email: EmailStr = Field(max_length=254)
    password: CurrentPassword
    device_id: DeviceId | None = None


class TokenRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)


class EmailRequest(RequestModel):
    email: EmailStr = Field(max_length=254)


class PasswordReset(RequestModel):
    token: str = Field(min_length=1, max_length=200)
    password: Password


class PasswordChange(RequestModel):
    current_password: CurrentPassword
    new_password: Password
    device_id: DeviceId | None = None


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=200)
    device_id: DeviceId | None = None


class SignOut(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(ReadModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires.")


class Accepted(ReadModel):
    detail: str


class ProfileUpdate(RequestModel):
    name: Name | None = None
    nickname: Nickname | None = None
    locale: Locale | None = None


class UserRead(ReadModel):
    """The signed-in user's own account."""

    id: int
    email: str
    name: str
    nickname: str
    locale: str
    role: UserRole
    confirmed_at: datetime | None
    terms_version: str | None = Field(
        None, description="The version of the terms and privacy notice accepted."
    )
    created_at: datetime
    updated_at: datetime


class UserAdminRead(UserRead):
    blocked_at: datetime | None
    last_sign_in_at: datetime | None
