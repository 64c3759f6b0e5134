"""Notifications: who hears of an event, through which channel, and the inbox.

An outbox event becomes one notification row per person concerned, written
with the mails and pushes it asks for in one transaction. The row is unique
per (event, recipient): an event the outbox delivers again notifies nobody
twice. Whether the recipient may read the subject is checked at delivery and
again whenever the inbox is read, since it may be hidden in between.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.follows import Follow
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.notifications import (
    DigestFrequency,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from app.models.proposals import ProposalCoauthor, ProposalEvaluator
from app.models.spaces import SpaceRole, SpaceRoleName
from app.models.users import User
from app.schemas.translations import resolve
from app.services import (  # noqa: F401  (importing them registers their kinds)
    debates,
    meetings,
    outbox,
    pages,
    posts,
    proposals,
    resources,
)
from app.services.conversation import insert_ignoring_duplicates
from app.services.mail import LOCALES, MAIL_SEND, mail_request

PUSH_SEND = "push.send"

PLACEHOLDER_TITLE = {
    "pt-BR": "Conteúdo indisponível",
    "en": "Content unavailable",
    "es": "Contenido no disponible",
}
PLACEHOLDER_BODY = {
    "pt-BR": "Este conteúdo não está mais disponível.",
    "en": "This content is no longer available.",
    "es": "Este contenido ya no está disponible.",
}


class Audience(StrEnum):
    AUTHORS = "authors"
    """The subject's author, co-authors or organiser."""
    FOLLOWERS = "followers"
    SPACE_FOLLOWERS = "space_followers"
    ATTENDEES = "attendees"
    EVALUATORS = "evaluators"
    SPACE_ADMINS = "space_admins"
    NAMED_USER = "named_user"
    """The user the payload names (a registrant moved off the waitlist)."""
    PARENT_AUTHOR = "parent_author"
    CONTENT_AUTHOR = "content_author"
    """The author the payload names (of content a moderator decided on)."""


Subject = Callable[[dict[str, Any]], tuple[str, int]]


def _named(kind: str, key: str) -> Subject:
    return lambda payload: (kind, int(payload[key]))


def _referenced(payload: dict[str, Any]) -> tuple[str, int]:
    return str(payload["resource_type"]), int(payload["resource_id"])


@dataclass(frozen=True)
class Rule:
    """Whom an event type concerns, what it is about and how it is announced."""

    subject: Subject
    audiences: tuple[Audience, ...]
    title: dict[str, str]
    actor_key: str | None = None
    """The payload key naming who acted; they are never told of their act.
    An ``actor_id`` in any payload is honoured too."""
    despite_visibility: bool = False
    """Tell the audience even when they may not read the subject (its author,
    of a moderator's decision to hide it); the inbox shows a placeholder."""


A = Audience
_PROPOSAL = _named("proposal", "proposal_id")
_MEETING = _named("meeting", "meeting_id")

RULES: dict[str, Rule] = {
    "proposal.published": Rule(
        _PROPOSAL,
        (A.SPACE_FOLLOWERS,),
        {
            "pt-BR": "Nova proposta publicada",
            "en": "New proposal published",
            "es": "Nueva propuesta publicada",
        },
        actor_key="author_id",
    ),
    "proposal.answered": Rule(
        _PROPOSAL,
        (A.AUTHORS, A.FOLLOWERS),
        {
            "pt-BR": "Uma proposta recebeu resposta",
            "en": "A proposal was answered",
            "es": "Una propuesta recibió respuesta",
        },
    ),
    "proposal.withdrawn": Rule(
        _PROPOSAL,
        (A.FOLLOWERS, A.EVALUATORS),
        {
            "pt-BR": "Uma proposta foi retirada",
            "en": "A proposal was withdrawn",
            "es": "Una propuesta fue retirada",
        },
        actor_key="author_id",
    ),
    "proposal.threshold_reached": Rule(
        _PROPOSAL,
        (A.AUTHORS, A.FOLLOWERS, A.EVALUATORS, A.SPACE_ADMINS),
        {
            "pt-BR": "Uma proposta atingiu os apoios necessários",
            "en": "A proposal reached the supports it needed",
            "es": "Una propuesta alcanzó los apoyos necesarios",
        },
    ),
    "comment.created": Rule(
        _referenced,
        (A.AUTHORS, A.FOLLOWERS, A.PARENT_AUTHOR),
        {"pt-BR": "Novo comentário", "en": "New comment", "es": "Nuevo comentario"},
        actor_key="author_id",
    ),
    "debate.created": Rule(
        _named("debate", "debate_id"),
        (A.SPACE_FOLLOWERS,),
        {"pt-BR": "Novo debate", "en": "New debate", "es": "Nuevo debate"},
        actor_key="author_id",
    ),
    "debate.closed": Rule(
        _named("debate", "debate_id"),
        (A.AUTHORS, A.FOLLOWERS),
        {
            "pt-BR": "Um debate foi encerrado",
            "en": "A debate was closed",
            "es": "Un debate fue cerrado",
        },
    ),
    "endorsement.created": Rule(
        _referenced,
        (A.AUTHORS,),
        {"pt-BR": "Nova adesão", "en": "New endorsement", "es": "Nueva adhesión"},
        actor_key="user_id",
    ),
    "meeting.published": Rule(
        _MEETING,
        (A.SPACE_FOLLOWERS,),
        {"pt-BR": "Novo encontro", "en": "New meeting", "es": "Nuevo encuentro"},
    ),
    "meeting.cancelled": Rule(
        _MEETING,
        (A.ATTENDEES, A.FOLLOWERS),
        {
            "pt-BR": "Encontro cancelado",
            "en": "Meeting cancelled",
            "es": "Encuentro cancelado",
        },
    ),
    "meeting.closed": Rule(
        _MEETING,
        (A.ATTENDEES, A.FOLLOWERS),
        {
            "pt-BR": "Encontro encerrado: veja o relato",
            "en": "Meeting closed: see its report",
            "es": "Encuentro cerrado: mira el acta",
        },
    ),
    "registration.promoted": Rule(
        _MEETING,
        (A.NAMED_USER,),
        {
            "pt-BR": "Você saiu da lista de espera: sua vaga está garantida",
            "en": "You are off the waiting list: your place is confirmed",
            "es": "Saliste de la lista de espera: tu plaza está confirmada",
        },
    ),
}

_MODERATED = _referenced
RULES["moderation.hidden"] = Rule(
    _MODERATED,
    (A.CONTENT_AUTHOR,),
    {
        "pt-BR": "Um conteúdo seu foi ocultado pela moderação",
        "en": "Moderators hid something you wrote",
        "es": "La moderación ocultó un contenido tuyo",
    },
    despite_visibility=True,
)
RULES["moderation.restored"] = Rule(
    _MODERATED,
    (A.CONTENT_AUTHOR,),
    {
        "pt-BR": "Um conteúdo seu voltou a ser exibido",
        "en": "Something you wrote is shown again",
        "es": "Un contenido tuyo vuelve a mostrarse",
    },
    despite_visibility=True,
)

TOLD_DESPITE_VISIBILITY = frozenset(
    name for name, rule in RULES.items() if rule.despite_visibility
)
"""Event types whose own title stays shown when the subject is unreadable."""

MEETING_REMINDER = "meeting.reminder"
"""Not an outbox event but a scheduled mail; its preference says whether to send."""

EVENT_TYPES = (*RULES, MEETING_REMINDER)


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool
    push: bool


DEFAULT_CHANNELS = Channels(in_app=True, email=False, push=True)
DEFAULTS = {MEETING_REMINDER: Channels(in_app=False, email=True, push=False)}


def default_channels(event_type: str) -> Channels:
    return DEFAULTS.get(event_type, DEFAULT_CHANNELS)


# Delivery: from an outbox event to notification rows, mails and pushes.


async def notify(
    session: AsyncSession,
    settings: Settings,
    event_id: int,
    event_type: str,
    payload: dict[str, Any],
) -> int:
    """Tell everyone concerned by one event; returns how many were told now."""
    rule = RULES.get(event_type)
    subject = await _subject(session, rule, payload) if rule else None
    if rule is None or subject is None:
        return 0
    kind_name, resource_id, title = subject

    people = await _audience(session, rule, kind_name, resource_id, payload)
    people.discard(payload.get(rule.actor_key) if rule.actor_key else None)
    people.discard(payload.get("actor_id"))
    recipients = await _readers(
        session, kind_name, resource_id, people, anyway=rule.despite_visibility
    )
    channels = await channels_of(session, [user.id for user in recipients], event_type)
    digests = await digests_of(session, [user.id for user in recipients])
    wanting = [
        user
        for user in recipients
        if digests[user.id] or channels[user.id] != Channels(False, False, False)
    ]

    template = Notification(
        event_id=event_id,
        event_type=event_type,
        resource_type=kind_name,
        resource_id=resource_id,
        space_id=payload.get("space_id"),
        title=dict(rule.title),
        body=_texts(title),
        url=resource_url(settings, kind_name, resource_id),
    )
    inserted = await _record(session, template, wanting, channels)
    for user in wanting:
        if user.id in inserted:
            notification_id, wanted = inserted[user.id], channels[user.id]
            _send(session, settings, user, template, notification_id, wanted)
    return len(inserted)


async def _subject(
    session: AsyncSession, rule: Rule, payload: dict[str, Any]
) -> tuple[str, int, Any] | None:
    """The kind, id and title of what the event is about; None if it is gone."""
    kind_name, resource_id = rule.subject(payload)
    if kind_name not in resources.kind_names():
        return None
    resource = await session.get(resources.kind_named(kind_name).model, resource_id)
    if resource is None:
        return None
    return kind_name, resource_id, getattr(resource, "title", None)


def _texts(texts: Any) -> dict[str, str]:
    """The subject's title in every locale we write in."""
    if not isinstance(texts, dict) or not texts:
        return {}
    return {locale: resolve(texts, locale, "pt-BR") for locale in LOCALES}


def resource_url(settings: Settings, kind_name: str, resource_id: int) -> str:
    return f"{settings.public_url}/{kind_name}s/{resource_id}"


_BATCH = 500


async def _record(
    session: AsyncSession,
    template: Notification,
    users: list[User],
    channels: dict[int, Channels],
) -> dict[int, int]:
    """Insert a row per user unless this event already notified them; the new
    rows' ids by user."""
    shared = {
        column.key: getattr(template, column.key)
        for column in Notification.__table__.columns
        if column.key not in {"id", "user_id", "in_inbox", "read_at"}
        and getattr(template, column.key) is not None
    }
    now = utcnow()
    inserted: dict[int, int] = {}
    for start in range(0, len(users), _BATCH):
        rows = [
            shared
            | {"user_id": user.id, "in_inbox": channels[user.id].in_app}
            | {"created_at": now, "updated_at": now}
            for user in users[start : start + _BATCH]
        ]
        dialect = session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = module.insert(Notification).on_conflict_do_nothing()
        found = await session.execute(
            statement.returning(Notification.user_id, Notification.id), rows
        )
        inserted.update(dict(found.all()))
    return inserted


def _send(
    session: AsyncSession,
    settings: Settings,
    user: User,
    notification: Notification,
    notification_id: int,
    wanted: Channels,
) -> None:
    if wanted.email:
        context = {
            "name": user.name,
            "title": resolve(notification.title, user.locale, settings.default_locale),
            "body": resolve(notification.body, user.locale, settings.default_locale),
            "url": notification.url,
        }
        outbox.emit(
            session,
            MAIL_SEND,
            mail_request("notification", user.email, user.locale, context),
        )
    if wanted.push:
        outbox.emit(
            session,
            PUSH_SEND,
            {
                "user_id": user.id,
                "notification_id": notification_id,
                "event_type": notification.event_type,
                "title": notification.title,
                "body": notification.body,
                "url": notification.url,
            },
        )


async def _audience(
    session: AsyncSession,
    rule: Rule,
    kind_name: str,
    resource_id: int,
    payload: dict[str, Any],
) -> set[int | None]:
    people: set[int | None] = set()
    space_id = payload.get("space_id")
    for audience in rule.audiences:
        if audience is A.AUTHORS:
            people |= await _authors(session, kind_name, resource_id)
        elif audience is A.FOLLOWERS:
            people |= await _followers(session, kind_name, resource_id)
        elif audience is A.SPACE_FOLLOWERS and space_id is not None:
            people |= await _followers(session, "space", int(space_id))
        elif audience is A.ATTENDEES:
            people |= await _attendees(session, resource_id)
        elif audience is A.EVALUATORS and kind_name == "proposal":
            people |= await _ids(
                session,
                select(ProposalEvaluator.user_id).where(
                    ProposalEvaluator.proposal_id == resource_id
                ),
            )
        elif audience is A.SPACE_ADMINS and space_id is not None:
            people |= await _space_admins(session, int(space_id))
        elif audience is A.NAMED_USER:
            people.add(payload.get("user_id"))
        elif audience is A.PARENT_AUTHOR:
            people.add(payload.get("parent_author_id"))
        elif audience is A.CONTENT_AUTHOR:
            people.add(payload.get("author_id"))
    return people


async def _ids(session: AsyncSession, query: Any) -> set[int | None]:
    return set((await session.scalars(query)).all())


async def _authors(
    session: AsyncSession, kind_name: str, resource_id: int
) -> set[int | None]:
    model = resources.kind_named(kind_name).model
    column = getattr(model, "author_id", None) or getattr(
        model, "organiser_user_id", None
    )
    if column is None:
        return set()
    people = await _ids(session, select(column).where(model.id == resource_id))
    if kind_name == "proposal":
        people |= await _ids(
            session,
            select(ProposalCoauthor.user_id).where(
                ProposalCoauthor.proposal_id == resource_id
            ),
        )
    return people


async def _followers(
    session: AsyncSession, kind_name: str, resource_id: int
) -> set[int | None]:
    return await _ids(
        session,
        select(Follow.user_id).where(
            Follow.resource_type == kind_name, Follow.resource_id == resource_id
        ),
    )


async def _attendees(session: AsyncSession, meeting_id: int) -> set[int | None]:
    return await _ids(
        session,
        select(MeetingRegistration.user_id).where(
            MeetingRegistration.meeting_id == meeting_id,
            MeetingRegistration.status == RegistrationStatus.CONFIRMED,
        ),
    )


async def _space_admins(session: AsyncSession, space_id: int) -> set[int | None]:
    return await _ids(
        session,
        select(SpaceRole.user_id).where(
            SpaceRole.space_id == space_id, SpaceRole.role == SpaceRoleName.ADMIN
        ),
    )


async def _readers(
    session: AsyncSession,
    kind_name: str,
    resource_id: int,
    people: Iterable[int | None],
    *,
    anyway: bool = False,
) -> list[User]:
    """The active accounts among ``people`` that may read the subject now
    (all of them ``anyway``)."""
    ids = sorted(person for person in people if person is not None)
    if not ids:
        return []
    users = await session.scalars(
        select(User)
        .where(User.id.in_(ids), User.deleted_at.is_(None), User.blocked_at.is_(None))
        .order_by(User.id)
    )
    if anyway or await may_read(session, None, kind_name, resource_id):
        # What anyone may read, every active account may read: one query, not
        # one per follower of a popular proposal.
        return list(users.all())
    return [
        user
        for user in users.all()
        if await may_read(session, user, kind_name, resource_id)
    ]


async def may_read(
    session: AsyncSession, user: User | None, kind_name: str, resource_id: int
) -> bool:
    kind = resources.kind_named(kind_name)
    query = select(kind.model.id).where(kind.model.id == resource_id)
    found = await session.scalar(kind.restrict(query, user, utcnow()))
    return found is not None


# Preferences.


async def channels_of(
    session: AsyncSession, user_ids: list[int], event_type: str
) -> dict[int, Channels]:
    """Each user's channels for ``event_type``, the default where none is set."""
    rows = await session.scalars(
        select(NotificationPreference).where(
            NotificationPreference.user_id.in_(user_ids),
            NotificationPreference.event_type == event_type,
        )
    )
    found = {row.user_id: Channels(row.in_app, row.email, row.push) for row in rows}
    default = default_channels(event_type)
    return {user_id: found.get(user_id, default) for user_id in user_ids}


async def digests_of(
    session: AsyncSession, user_ids: list[int]
) -> dict[int, DigestFrequency | None]:
    """Each user's digest frequency; None for no digest."""
    rows = await session.execute(
        select(NotificationSettings.user_id, NotificationSettings.email_digest).where(
            NotificationSettings.user_id.in_(user_ids)
        )
    )
    found = dict(rows.all())
    return {
        user_id: None
        if found.get(user_id, DigestFrequency.OFF) == DigestFrequency.OFF
        else DigestFrequency(found[user_id])
        for user_id in user_ids
    }


@dataclass(frozen=True)
class Preferences:
    email_digest: DigestFrequency
    channels: dict[str, Channels]


async def preferences(session: AsyncSession, user: User) -> Preferences:
    digest = await session.get(NotificationSettings, user.id)
    rows = await session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    chosen = {row.event_type: Channels(row.in_app, row.email, row.push) for row in rows}
    return Preferences(
        email_digest=digest.email_digest if digest else DigestFrequency.OFF,
        channels={
            event_type: chosen.get(event_type, default_channels(event_type))
            for event_type in EVENT_TYPES
        },
    )


async def update_preferences(
    session: AsyncSession,
    user: User,
    email_digest: DigestFrequency | None,
    changes: dict[str, dict[str, bool]],
) -> Preferences:
    """Set the digest and, per event type, the channels named in ``changes``."""
    unknown = sorted(set(changes) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInputError(
            f"There is no event type {unknown[0]!r} to be notified of.",
            field="event_types",
            location="body",
        )
    if email_digest is not None:
        await _set_digest(session, user, email_digest)
    current = (await preferences(session, user)).channels
    for event_type, fields in changes.items():
        merged = {**current[event_type].__dict__, **fields}
        await _set_channels(session, user, event_type, merged)
    await session.flush()
    return await preferences(session, user)


async def _set_digest(
    session: AsyncSession, user: User, email_digest: DigestFrequency
) -> None:
    statement = insert_ignoring_duplicates(
        session,
        NotificationSettings,
        {"user_id": user.id, "email_digest": email_digest},
    )
    await session.execute(statement)
    await session.execute(
        update(NotificationSettings)
        .where(NotificationSettings.user_id == user.id)
        .values(email_digest=email_digest, updated_at=utcnow())
    )


async def _set_channels(
    session: AsyncSession, user: User, event_type: str, values: dict[str, bool]
) -> None:
    statement = insert_ignoring_duplicates(
        session,
        NotificationPreference,
        {"user_id": user.id, "event_type": event_type, **values},
    )
    await session.execute(statement)
    await session.execute(
        update(NotificationPreference)
        .where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.event_type == event_type,
        )
        .values(**values, updated_at=utcnow())
    )


# The inbox.


@dataclass(frozen=True)
class InboxItem:
    """A notification as its recipient may see it now."""

    notification: Notification
    readable: bool


def readable_subject(user: User, now: datetime) -> ColumnElement[bool]:
    """True where the user may still read a notification's subject."""
    return case(
        (Notification.resource_type.is_(None), true()),
        else_=resources.readable_reference(
            cast(SQLColumnExpression[str], Notification.resource_type),
            cast(SQLColumnExpression[int], Notification.resource_id),
            user,
            now,
        ),
    )


async def inbox(
    session: AsyncSession,
    user: User,
    *,
    unread_only: bool,
    before_id: int | None,
    limit: int,
) -> list[InboxItem]:
    """The user's notifications, newest first; ``limit + 1`` tell of a next page."""
    query = (
        select(Notification, readable_subject(user, utcnow()).label("readable"))
        .where(Notification.user_id == user.id, Notification.in_inbox.is_(True))
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    rows = await session.execute(query)
    return [InboxItem(row[0], bool(row[1])) for row in rows.all()]


async def unread_count(session: AsyncSession, user: User) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Notification).where(_unread_of(user))
    )
    return int(count or 0)


def _unread_of(user: User) -> ColumnElement[bool]:
    return and_(
        Notification.user_id == user.id,
        Notification.in_inbox.is_(True),
        Notification.read_at.is_(None),
    )


async def mark_read(
    session: AsyncSession, user: User, notification_id: int
) -> InboxItem:
    """Mark one of the user's notifications read; reading twice changes nothing."""
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, _unread_of(user))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row = (
        await session.execute(
            select(Notification, readable_subject(user, utcnow()))
            .where(
                Notification.id == notification_id,
                Notification.user_id == user.id,
                Notification.in_inbox.is_(True),
            )
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"You have no notification {notification_id}.")
    return InboxItem(row[0], bool(row[1]))


async def mark_all_read(session: AsyncSession, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = await session.execute(
        update(Notification)
        .where(_unread_of(user))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
