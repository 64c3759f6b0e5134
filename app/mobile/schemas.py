"""Request bodies of ``/mobile/v1``: as ``/api/v1`` but unknown fields are ignored."""

from pydantic import ConfigDict, Field

from app.models.comments import Alignment
from app.schemas import accounts, comments, meetings, proposals, surveys
from app.schemas.base import Id, RequestModel

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


class MobileProposalCreate(proposals.ProposalCreate):
    """A proposal from the app: published at once unless ``publish`` is false."""

    model_config = _LENIENT

    publish: bool = Field(True, description="False keeps it a draft.")


class MobileCommentCreate(RequestModel):
    model_config = _LENIENT

    body: comments.CommentBody
    alignment: Alignment = Alignment.NEUTRAL
    parent_id: Id | None = Field(None, description="The comment answered, if any.")


class MobileRegistrationCreate(meetings.RegistrationCreate):
    model_config = _LENIENT


class MobileResponseCreate(surveys.ResponseCreate):
    model_config = _LENIENT
