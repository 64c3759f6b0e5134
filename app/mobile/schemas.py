"""Request bodies of ``/mobile/v1``: as ``/api/v1`` but unknown fields are ignored."""

from pydantic import ConfigDict

from app.schemas import accounts

_LENIENT = ConfigDict(extra="ignore", str_strip_whitespace=True)


class MobileSignUp(accounts.SignUp):
    model_config = _LENIENT


class MobileSignIn(accounts.SignIn):
    model_config = _LENIENT


class MobileTokenRequest(accounts.TokenRequest):
    model_config = _LENIENT


class MobileEmailRequest(accounts.EmailRequest):
    model_config = _LENIENT


class MobilePasswordReset(accounts.PasswordReset):
    model_config = _LENIENT


class MobilePasswordChange(accounts.PasswordChange):
    model_config = _LENIENT


class MobileRefreshRequest(accounts.RefreshRequest):
    model_config = _LENIENT


class MobileSignOut(accounts.SignOut):
    model_config = _LENIENT


class MobileProfileUpdate(accounts.ProfileUpdate):
    model_config = _LENIENT
