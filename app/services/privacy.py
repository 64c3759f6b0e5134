"""Personal data under the LGPD: download one's data, delete one's account, terms.

The archive is built from sections, each a function returning the JSON of one
part of what the platform holds on a person; a later domain adds its own part
with ``@section("name")``. Deleting an account erases the person at once and
leaves their contributions to a neutral "deleted participant".
"""

import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import ConflictError, GoneError, NotFoundError, TermsNotAcceptedError
from app.models.api_keys import ApiKey
from app.models.base import utcnow
from app.models.budgets import Ballot, BallotItem
from app.models.comments import Comment
from app.models.debates import Debate
from app.models.devices import PushDevice
from app.models.endorsements import Endorsement
from app.models.follows import Follow
from app.models.meetings import CalendarToken, Meeting, MeetingRegistration
from app.models.moderation import Report
from app.models.notifications import (
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from app.models.privacy import DataExport
from app.models.proposals import Proposal, ProposalSupport
from app.models.spaces import SpaceMember, SpaceRole
from app.models.surveys import SurveyAnswer, SurveyAnswerChoice, SurveyResponse
from app.models.taxonomies import ResidentDeclaration, UserInterestGroup
from app.models.users import RefreshToken, User, UserToken
from app.services import accounts, outbox

DELETED_NAME = "Participante removido"
UNUSABLE_PASSWORD = "!"  # noqa: S105 - no Argon2 hash ever equals it
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "email_normalized"})

Section = Callable[[AsyncSession, User], Awaitable[Any]]
_SECTIONS: dict[str, Section] = {}


def section(name: str) -> Callable[[Section], Section]:
    """Register one part of the archive, written as ``name.json``."""

    def add(build: Section) -> Section:
        if name in _SECTIONS:
            raise ValueError(f"The data-export section {name!r} is registered twice.")
        _SECTIONS[name] = build
        return build

    return add


def section_names() -> tuple[str, ...]:
    return tuple(_SECTIONS)


# Terms and privacy notice


def ensure_terms_accepted(user: User, settings: Settings) -> None:
    """428 while a new version of the terms awaits the person's acceptance."""
    current = settings.terms_version
    if current is not None and user.terms_version != current:
        raise TermsNotAcceptedError(
            "The terms of use and privacy notice changed; accept them to go on.",
            terms_version=current,
            accept_url="/me/terms",
        )


async def accept_terms(
    session: AsyncSession, user: User, version: str, settings: Settings
) -> User:
    """Record acceptance of the version in force; any other version is a 409."""
    if settings.terms_version is not None and version != settings.terms_version:
        raise ConflictError(
            f"Version {version!r} is not the one in force; accept "
            f"{settings.terms_version!r}.",
            terms_version=settings.terms_version,
        )
    user.terms_version = version
    user.tos_accepted_at = utcnow()
    await session.flush()
    return user


# Download my data


async def create_export(
    session: AsyncSession, user: User, settings: Settings
) -> tuple[DataExport, str]:
    """Build the person's archive; returns it and its single-use download token."""
    token = secrets.token_urlsafe(32)
    export = DataExport(
        user_id=user.id,
        token_hash=_hash(token),
        archive=await build_archive(session, user),
        expires_at=utcnow() + timedelta(hours=settings.data_export_hours),
    )
    session.add(export)
    await session.flush()
    outbox.emit(session, "privacy.export_created", {"user_id": user.id})
    return export, token


async def build_archive(session: AsyncSession, user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, build in _SECTIONS.items():
            content = await build(session, user)
            archive.writestr(f"{name}.json", _json(content))
    return buffer.getvalue()


async def download_export(session: AsyncSession, user: User, token: str) -> bytes:
    """The archive, once, for its owner; 404 for anyone else, 410 when spent."""
    export = await session.scalar(
        select(DataExport)
        .where(DataExport.token_hash == _hash(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if export is None or export.user_id != user.id:
        raise NotFoundError("There is no such export.")
    if export.downloaded_at is not None or export.expires_at <= utcnow():
        raise GoneError("This download link was used already or has expired.")

    archive = export.archive
    export.downloaded_at = utcnow()
    export.archive = b""
    await session.flush()
    return archive


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _json(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, indent=2, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _columns(row: Any) -> dict[str, Any]:
    """A row as a dict of its columns, secrets left out."""
    mapper = inspect(row).mapper
    return {
        column.key: getattr(row, column.key)
        for column in mapper.column_attrs
        if column.key not in SECRET_COLUMNS
    }


async def _rows(session: AsyncSession, model: Any, condition: Any) -> list[Any]:
    found = await session.scalars(select(model).where(condition).order_by(model.id))
    return [_columns(row) for row in found]


@section("profile")
async def _profile(_session: AsyncSession, user: User) -> Any:
    return _columns(user)


@section("proposals")
async def _proposals(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Proposal, Proposal.author_id == user.id)


@section("comments")
async def _comments(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Comment, Comment.author_id == user.id)


@section("debates")
async def _debates(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Debate, Debate.author_id == user.id)


@section("meetings_organised")
async def _meetings(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Meeting, Meeting.organiser_user_id == user.id)


@section("supports")
async def _supports(session: AsyncSession, user: User) -> Any:
    return await _rows(session, ProposalSupport, ProposalSupport.user_id == user.id)


@section("endorsements")
async def _endorsements(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Endorsement, Endorsement.user_id == user.id)


@section("follows")
async def _follows(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Follow, Follow.user_id == user.id)


@section("registrations")
async def _registrations(session: AsyncSession, user: User) -> Any:
    return await _rows(
        session, MeetingRegistration, MeetingRegistration.user_id == user.id
    )


@section("reports")
async def _reports(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Report, Report.user_id == user.id)


@section("declarations")
async def _declarations(session: AsyncSession, user: User) -> Any:
    residence = await session.get(ResidentDeclaration, user.id)
    groups = await session.scalars(
        select(UserInterestGroup.interest_group_id).where(
            UserInterestGroup.user_id == user.id
        )
    )
    return {
        "residence": _columns(residence) if residence else None,
        "interest_group_ids": sorted(groups),
    }


@section("devices")
async def _devices(session: AsyncSession, user: User) -> Any:
    """Signed-in devices: the app installations holding a refresh token."""
    rows = await session.execute(
        select(RefreshToken.device_id, RefreshToken.created_at, RefreshToken.expires_at)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .order_by(RefreshToken.id)
    )
    return [
        {"device_id": device, "signed_in_at": created, "expires_at": expires}
        for device, created, expires in rows
    ]


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    """Each row's columns, listed under the value of its ``key`` column."""
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(_columns(row))
    return grouped


@section("push_devices")
async def _push_devices(session: AsyncSession, user: User) -> Any:
    return await _rows(session, PushDevice, PushDevice.user_id == user.id)


@section("notifications")
async def _notifications(session: AsyncSession, user: User) -> Any:
    return await _rows(session, Notification, Notification.user_id == user.id)


@section("notification_preferences")
async def _notification_preferences(session: AsyncSession, user: User) -> Any:
    settings = await session.get(NotificationSettings, user.id)
    return {
        "digest": _columns(settings) if settings else None,
        "per_event_type": await _rows(
            session, NotificationPreference, NotificationPreference.user_id == user.id
        ),
    }


@section("ballots")
async def _ballots(session: AsyncSession, user: User) -> Any:
    """The person's own ballots: confidential, so nobody else's ever appear."""
    ballots = await _rows(session, Ballot, Ballot.user_id == user.id)
    items = await session.scalars(
        select(BallotItem)
        .join(Ballot, Ballot.id == BallotItem.ballot_id)
        .where(Ballot.user_id == user.id)
        .order_by(BallotItem.ballot_id, BallotItem.project_id)
    )
    chosen = _grouped(items, "ballot_id")
    return [ballot | {"items": chosen.get(ballot["id"], [])} for ballot in ballots]


@section("survey_responses")
async def _survey_responses(session: AsyncSession, user: User) -> Any:
    responses = await _rows(session, SurveyResponse, SurveyResponse.user_id == user.id)
    answers = await session.scalars(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.user_id == user.id)
        .order_by(SurveyAnswer.id)
    )
    choices = await session.scalars(
        select(SurveyAnswerChoice)
        .join(SurveyAnswer, SurveyAnswer.id == SurveyAnswerChoice.answer_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.user_id == user.id)
        .order_by(SurveyAnswerChoice.id)
    )
    chosen = _grouped(choices, "answer_id")
    given: dict[int, list[Any]] = {}
    for answer in answers:
        row = _columns(answer) | {"choices": chosen.get(answer.id, [])}
        given.setdefault(answer.response_id, []).append(row)
    return [
        response | {"answers": given.get(response["id"], [])} for response in responses
    ]


# Delete my account

_ERASED_ROWS: tuple[tuple[Any, Any], ...] = (
    (RefreshToken, RefreshToken.user_id),
    (ApiKey, ApiKey.user_id),
    (UserToken, UserToken.user_id),
    (CalendarToken, CalendarToken.user_id),
    (DataExport, DataExport.user_id),
    (ResidentDeclaration, ResidentDeclaration.user_id),
    (UserInterestGroup, UserInterestGroup.user_id),
    (Follow, Follow.user_id),
    (SpaceRole, SpaceRole.user_id),
    (SpaceMember, SpaceMember.user_id),
    (PushDevice, PushDevice.user_id),
    (Notification, Notification.user_id),
    (NotificationPreference, NotificationPreference.user_id),
    (NotificationSettings, NotificationSettings.user_id),
)
"""Rows that are the person's alone and go with them; contributions stay."""


async def delete_account(session: AsyncSession, user: User) -> None:
    """Erase the person now; their contributions show a deleted participant."""
    await accounts.sign_out_everywhere(session, user)
    for model, owner in _ERASED_ROWS:
        await session.execute(delete(model).where(owner == user.id))

    alias = secrets.token_hex(8)
    user.name = DELETED_NAME
    user.nickname = f"removido_{alias}"
    user.email = user.email_normalized = f"removido-{alias}@removido.invalid"
    user.password_hash = UNUSABLE_PASSWORD
    user.blocked_reason = None
    user.terms_version = None
    user.deleted_at = utcnow()
    await session.flush()
    outbox.emit(session, "user.deleted", {"user_id": user.id})


async def get_profile(session: AsyncSession, user_id: int) -> User:
    """A person's public profile; 410 once they deleted their account."""
    person = await session.get(User, user_id)
    if person is None:
        raise NotFoundError(f"There is no user {user_id}.")
    if person.deleted_at is not None:
        raise GoneError("This participant deleted their account.")
    return person
