"""Proposals: drafting, publishing, editing, withdrawing, co-authors, supports, lists.

Answers, evaluators and demands live in app/services/proposal_answers.py.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.meetings import Meeting
from app.models.proposals import (
    AnswerState,
    AuthorKind,
    Proposal,
    ProposalCoauthor,
    ProposalInterestGroup,
    ProposalParticipant,
    ProposalStatus,
    ProposalSupport,
)
from app.models.spaces import Phase, Space, SpaceKind
from app.models.taxonomies import Area, InterestGroup, Scope
from app.models.users import User
from app.schemas.components import (
    BUILT_IN_ANSWER_STATES,
    ProposalsSettings,
    Switches,
    stored_settings,
)
from app.schemas.pagination import cursor_time, decode_cursor, encode_cursor
from app.schemas.proposals import (
    AnswerRead,
    AuthorRead,
    ProposalBrief,
    ProposalCreate,
    ProposalRead,
    ProposalSort,
    ProposalUpdate,
    SupportRead,
)
from app.services import action_log, attachments, follows, outbox, resources, search
from app.services.components import ensure_type, switches_in_force
from app.services.permissions import Action, ensure_can
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.taxonomies import scope_filter
from app.services.visibility import participable_spaces, readable_components

REFERENCE_PREFIX = "CTG-PROP"
"""Reference codes read ``CTG-PROP-<year>-<month>-<id>``, month of publication."""

OPEN_ANSWER_STATES = frozenset({AnswerState.NOT_ANSWERED, AnswerState.EVALUATING})
"""Answer states that leave a demand open: not answered, or still evaluated."""

_RANDOM_ROOT = 48_271
_RANDOM_MODULUS = 2_147_483_647
"""A prime and one of its primitive roots; ids stay below 2**32 for the product
to fit a BIGINT."""
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class ProposalContext:
    """A proposal with its component, space and what is in force for it now."""

    proposal: Proposal
    component: Component
    space: Space
    switches: Switches

    @property
    def settings(self) -> ProposalsSettings:
        settings = stored_settings(self.component)
        assert isinstance(settings, ProposalsSettings)
        return settings


@dataclass(frozen=True, slots=True)
class ProposalFilters:
    state: str | None = None
    scope_id: int | None = None
    area_id: int | None = None
    interest_group_id: int | None = None
    mine: bool = False
    supported: bool = False
    text: str | None = None


# Reading


def _authored_by(viewer: User) -> ColumnElement[bool]:
    return or_(
        Proposal.author_id == viewer.id,
        exists(
            select(ProposalCoauthor.user_id).where(
                ProposalCoauthor.proposal_id == Proposal.id,
                ProposalCoauthor.user_id == viewer.id,
            )
        ),
    )


def readable_proposals(viewer: User | None) -> ColumnElement[bool]:
    """Proposals ``viewer`` may read; the query must join Component and Space.

    Published (and withdrawn) proposals follow their component; drafts are
    their authors' alone.
    """
    own_draft = false() if viewer is None else _authored_by(viewer)
    return and_(
        readable_components(viewer),
        or_(Proposal.published_at.is_not(None), own_draft),
        Proposal.hidden_at.is_(None),
    )


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return (
        query.join(Component, Component.id == Proposal.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_proposals(viewer))
    )


def accepts_comments(proposal: Proposal, _now: datetime) -> bool:
    """Published proposals take comments; drafts and withdrawn ones do not."""
    return proposal.status == ProposalStatus.PUBLISHED


register(
    ResourceKind(
        "proposal",
        Proposal,
        _restrict,
        component_column=Proposal.component_id,
        commentable=True,
        comments_count=Proposal.comments_count,
        accepts_comments=accepts_comments,
        endorsable=True,
        endorsements_count=Proposal.endorsements_count,
    )
)


async def _authors_may_attach(
    session: AsyncSession, user: User, proposal: Proposal
) -> bool:
    """Authors attach photos and documents while they may still edit."""
    authored = await session.scalar(
        select(exists().where(Proposal.id == proposal.id, _authored_by(user)))
    )
    if not authored:
        return False
    component = await session.get(Component, proposal.component_id)
    assert component is not None
    settings = stored_settings(component)
    assert isinstance(settings, ProposalsSettings)
    try:
        await _ensure_editable(session, proposal, settings)
    except ConflictError:
        return False
    return True


attachments.allow_attaching("proposal", _authors_may_attach)


def _context_query() -> Select[Proposal, Component, Space, int]:
    return (
        select(Proposal, Component, Space, Phase.id)
        .join(Component, Component.id == Proposal.component_id)
        .join(Space, Space.id == Component.space_id)
        .outerjoin(Phase, and_(Phase.space_id == Space.id, Phase.active))
    )


def _context(row: Any) -> ProposalContext:
    proposal, component, space, phase_id = row
    return ProposalContext(
        proposal, component, space, switches_in_force(component, phase_id)
    )


async def readable_context(
    session: AsyncSession, viewer: User | None, proposal_id: int
) -> ProposalContext:
    """The proposal and its surroundings, if ``viewer`` may read it; else 404."""
    row = (
        await session.execute(
            _context_query().where(
                Proposal.id == proposal_id, readable_proposals(viewer)
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no proposal {proposal_id}.")
    return _context(row)


async def staff_context(session: AsyncSession, proposal_id: int) -> ProposalContext:
    """A published proposal for its space's team; drafts stay their authors' (404)."""
    row = (
        await session.execute(
            _context_query().where(
                Proposal.id == proposal_id, Proposal.published_at.is_not(None)
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no proposal {proposal_id}.")
    return _context(row)


async def get_proposal(
    session: AsyncSession, viewer: User | None, proposal_id: int
) -> ProposalRead:
    context = await readable_context(session, viewer, proposal_id)
    return (await present(session, viewer, [context.proposal], context.switches))[0]


async def list_born_in_meeting(
    session: AsyncSession,
    viewer: User | None,
    meeting_id: int,
    *,
    after: int | None,
    limit: int,
) -> list[ProposalBrief]:
    """The proposals a meeting gave rise to that ``viewer`` may read, by id,
    ``limit + 1`` of them to tell if more; 404 if the meeting is unreadable."""
    await resources.get_readable(session, viewer, "meeting", meeting_id)
    query = (
        select(Proposal)
        .join(Component, Component.id == Proposal.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(Proposal.meeting_id == meeting_id, readable_proposals(viewer))
        .order_by(Proposal.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Proposal.id > after)
    return [
        ProposalBrief(
            id=proposal.id,
            component_id=proposal.component_id,
            reference=proposal.reference,
            title=proposal.title,
            status=proposal.status,
            state=public_state(proposal),
        )
        for proposal in await session.scalars(query)
    ]


def public_state(proposal: Proposal) -> str:
    """The answer state readers see: the published one, else not answered."""
    if proposal.answer_published_at is None:
        return AnswerState.NOT_ANSWERED
    return proposal.answer_state


def is_overdue(proposal: Proposal, now: datetime) -> bool:
    return (
        proposal.due_at is not None
        and proposal.status == ProposalStatus.PUBLISHED
        and not is_answered(proposal)
        and now >= proposal.due_at
    )


def is_answered(proposal: Proposal) -> bool:
    """Whether a final answer (not evaluating) has been published."""
    return (
        proposal.answer_published_at is not None
        and proposal.answer_state not in OPEN_ANSWER_STATES
    )


async def present(
    session: AsyncSession,
    viewer: User | None,
    proposals: list[Proposal],
    switches: Switches,
) -> list[ProposalRead]:
    """Read bodies for ``proposals`` of one component, in three more queries."""
    if not proposals:
        return []
    ids = [proposal.id for proposal in proposals]
    groups = await _pairs(
        session,
        select(
            ProposalInterestGroup.proposal_id, ProposalInterestGroup.interest_group_id
        ).where(ProposalInterestGroup.proposal_id.in_(ids)),
    )
    coauthors = await _pairs(
        session,
        select(ProposalCoauthor.proposal_id, ProposalCoauthor.user_id).where(
            ProposalCoauthor.proposal_id.in_(ids)
        ),
    )
    supported: set[int] | None = None
    if viewer is not None:
        supported = set(
            await session.scalars(
                select(ProposalSupport.proposal_id).where(
                    ProposalSupport.proposal_id.in_(ids),
                    ProposalSupport.user_id == viewer.id,
                )
            )
        )
    now = utcnow()
    return [
        _read(
            proposal,
            groups.get(proposal.id, []),
            coauthors.get(proposal.id, []),
            None if supported is None else proposal.id in supported,
            switches.supports_hidden,
            now,
        )
        for proposal in proposals
    ]


async def _pairs(
    session: AsyncSession, query: Select[int, int]
) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for owner, value in await session.execute(query.order_by(*query.selected_columns)):
        found.setdefault(owner, []).append(value)
    return found


def _read(
    proposal: Proposal,
    interest_group_ids: list[int],
    coauthor_ids: list[int],
    supported: bool | None,
    supports_hidden: bool,
    now: datetime,
) -> ProposalRead:
    answer = None
    if proposal.answer_published_at is not None:
        answer = AnswerRead(
            state=proposal.answer_state,
            answer=proposal.answer,
            published_at=proposal.answer_published_at,
            cost_cents=proposal.cost_cents,
            cost_report=proposal.cost_report,
            execution_period=proposal.execution_period,
        )
    return ProposalRead(
        id=proposal.id,
        component_id=proposal.component_id,
        reference=proposal.reference,
        author=AuthorRead(
            kind=proposal.author_kind,
            user_id=proposal.author_id
            if proposal.author_kind == AuthorKind.USER
            else None,
            meeting_id=proposal.meeting_id,
        ),
        coauthor_ids=coauthor_ids,
        title=proposal.title,
        body=proposal.body,
        scope_id=proposal.scope_id,
        area_id=proposal.area_id,
        interest_group_ids=interest_group_ids,
        address=proposal.address,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        status=proposal.status,
        state=public_state(proposal),
        answer=answer,
        supports_count=None if supports_hidden else proposal.supports_count,
        comments_count=proposal.comments_count,
        endorsements_count=proposal.endorsements_count,
        supported=supported,
        due_at=proposal.due_at,
        overdue=is_overdue(proposal, now),
        satisfaction=proposal.satisfaction,
        published_at=proposal.published_at,
        withdrawn_at=proposal.withdrawn_at,
        created_at=proposal.created_at,
        updated_at=proposal.updated_at,
    )


# Lists


async def list_proposals(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    filters: ProposalFilters,
    *,
    sort: ProposalSort,
    seed: int,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProposalRead], str | None]:
    """A page of a component's proposals and the cursor of the next page.

    Each sort orders by its key, then by id in the same direction, so that a
    page never repeats or skips a proposal (see ``SortKey``).
    """
    component, switches = await _readable_component(session, viewer, component_id)
    if filters.state is not None:
        _ensure_state_filter(filters.state, component)
    if sort == ProposalSort.MOST_SUPPORTED and switches.supports_hidden:
        raise InvalidInputError(
            "Supports are hidden in this component; choose another sort.",
            field="sort",
        )
    if cursor is not None:
        seed, after = _decode_cursor(cursor, sort)
    else:
        after = None
    order = _sort_key(sort, seed)

    query = (
        select(Proposal, order.column)
        .join(Component, Component.id == Proposal.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(Proposal.component_id == component.id, readable_proposals(viewer))
        .where(*_conditions(viewer, filters))
        .order_by(*order.order())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(order.after(*after))
    rows = list((await session.execute(query)).all())

    page = [proposal for proposal, _ in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last_proposal, last_key = rows[limit - 1]
        next_cursor = _encode_cursor(sort, seed, last_key, last_proposal.id)
    return await present(session, viewer, page, switches), next_cursor


async def _readable_component(
    session: AsyncSession, viewer: User | None, component_id: int
) -> tuple[Component, Switches]:
    row = (
        await session.execute(
            select(Component, Phase.id)
            .join(Space, Space.id == Component.space_id)
            .outerjoin(Phase, and_(Phase.space_id == Space.id, Phase.active))
            .where(Component.id == component_id, readable_components(viewer))
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no component {component_id}.")
    component, phase_id = row
    ensure_type(component, ComponentType.PROPOSALS)
    return component, switches_in_force(component, phase_id)


def _conditions(
    viewer: User | None, filters: ProposalFilters
) -> list[ColumnElement[bool]]:
    conditions = [_state_condition(filters.state)]
    if filters.scope_id is not None:
        conditions.append(scope_filter(Proposal.scope_id, filters.scope_id))
    if filters.area_id is not None:
        conditions.append(Proposal.area_id == filters.area_id)
    if filters.interest_group_id is not None:
        conditions.append(
            exists(
                select(ProposalInterestGroup.proposal_id).where(
                    ProposalInterestGroup.proposal_id == Proposal.id,
                    ProposalInterestGroup.interest_group_id
                    == filters.interest_group_id,
                )
            )
        )
    if filters.mine or filters.supported:
        if viewer is None:
            raise AuthenticationError("Sign in to filter by your own proposals.")
        if filters.mine:
            conditions.append(_authored_by(viewer))
        if filters.supported:
            conditions.append(
                exists(
                    select(ProposalSupport.id).where(
                        ProposalSupport.proposal_id == Proposal.id,
                        ProposalSupport.user_id == viewer.id,
                    )
                )
            )
    if filters.text:
        conditions.append(
            Proposal.search_text.contains(filters.text.lower(), autoescape=True)
        )
    return conditions


def _ensure_state_filter(state: str, component: Component) -> None:
    """A state to filter by is built in, withdrawn, draft or the component's own."""
    settings = stored_settings(component)
    assert isinstance(settings, ProposalsSettings)
    choices = BUILT_IN_ANSWER_STATES | {
        custom.token for custom in settings.custom_answer_states
    }
    if state not in choices:
        raise InvalidInputError(
            f"{state!r} is not a state of this component.",
            errors=[
                {
                    "field": "state",
                    "location": "query",
                    "message": f"must be one of {sorted(choices)}",
                }
            ],
        )


def _state_condition(state: str | None) -> ColumnElement[bool]:
    """Published proposals by default; drafts (one's own) and withdrawn on demand."""
    if state == ProposalStatus.DRAFT:
        return Proposal.status == ProposalStatus.DRAFT
    if state == ProposalStatus.WITHDRAWN:
        return Proposal.status == ProposalStatus.WITHDRAWN
    published = Proposal.status == ProposalStatus.PUBLISHED
    if state is None:
        return published
    if state == AnswerState.NOT_ANSWERED:
        return and_(
            published,
            or_(
                Proposal.answer_published_at.is_(None),
                Proposal.answer_state == AnswerState.NOT_ANSWERED,
            ),
        )
    return and_(
        published,
        Proposal.answer_published_at.is_not(None),
        Proposal.answer_state == state,
    )


@dataclass(frozen=True, slots=True)
class SortKey:
    """How a sort orders: its key, its direction, where a missing key goes.

    Ties fall back to the id in the same direction. The recent sort puts
    nulls (drafts) first, so that PostgreSQL walks an index on
    (component_id, published_at, id) backwards; recently_answered puts the
    unanswered last, where a reader expects them.
    """

    column: Any
    descending: bool = True
    nulls: Literal["first", "last"] | None = None

    def order(self) -> list[ColumnElement[Any]]:
        key = self.column.desc() if self.descending else self.column.asc()
        if self.nulls == "first":
            key = key.nulls_first()
        elif self.nulls == "last":
            key = key.nulls_last()
        tie = Proposal.id.desc() if self.descending else Proposal.id.asc()
        return [key, tie]

    def after(self, last_key: Any, last_id: int) -> ColumnElement[bool]:
        """Rows that come after (last_key, last_id) in this order."""
        key = self.column
        id_after = Proposal.id < last_id if self.descending else Proposal.id > last_id
        if last_key is None:
            later_groups = key.is_not(None) if self.nulls == "first" else false()
            return or_(and_(key.is_(None), id_after), later_groups)
        # A row comparison, which PostgreSQL turns into an index range.
        position = tuple_(key, Proposal.id)
        last = tuple_(literal(last_key, key.type), literal(last_id, Proposal.id.type))
        after = position < last if self.descending else position > last
        if self.nulls == "last":
            return or_(after, key.is_(None))
        return after


def _sort_key(sort: ProposalSort, seed: int) -> SortKey:
    if sort == ProposalSort.MOST_SUPPORTED:
        return SortKey(Proposal.supports_count)
    if sort == ProposalSort.MOST_COMMENTED:
        return SortKey(Proposal.comments_count)
    if sort == ProposalSort.RANDOM:
        # Multiplying by a seed-chosen unit modulo a prime permutes the ids.
        multiplier = pow(_RANDOM_ROOT, seed + 1, _RANDOM_MODULUS)
        shuffled = (Proposal.id * multiplier) % _RANDOM_MODULUS
        return SortKey(shuffled.label("random_key"), descending=False)
    if sort == ProposalSort.RECENTLY_ANSWERED:
        return SortKey(Proposal.answer_published_at, nulls="last")
    return SortKey(Proposal.published_at, nulls="first")


def _encode_cursor(sort: ProposalSort, seed: int, key: Any, last_id: int) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    return encode_cursor([str(sort), seed, key, last_id])


def _decode_cursor(cursor: str, sort: ProposalSort) -> tuple[int, tuple[Any, int]]:
    cursor_sort, seed, key, last_id = decode_cursor(cursor, (str, int, object, int))
    if cursor_sort != sort:
        raise _bad_cursor()
    if key is None:
        return seed, (None, last_id)
    if sort in (ProposalSort.RECENT, ProposalSort.RECENTLY_ANSWERED):
        return seed, (cursor_time(key), last_id)
    if not isinstance(key, int) or isinstance(key, bool):
        raise _bad_cursor()
    return seed, (key, last_id)


def _bad_cursor() -> InvalidInputError:
    return InvalidInputError(
        "The cursor does not belong to this sort; pass the next_cursor of a "
        "previous page of the same list.",
        field="cursor",
        error_code="cursor_malformed",
    )


# Writing


async def create_proposal(
    session: AsyncSession, actor: User, component_id: int, data: ProposalCreate
) -> ProposalRead:
    """A new draft; participants need creation open and stay within their limit."""
    component, switches = await _readable_component(session, actor, component_id)
    settings = stored_settings(component)
    assert isinstance(settings, ProposalsSettings)
    await _ensure_participable(session, actor, component.space_id)

    if data.author_kind == AuthorKind.USER:
        _ensure_author_fields(data)
        if not switches.creation_enabled:
            raise PermissionDeniedError(
                "Creating proposals is not open in this component now."
            )
        await _ensure_proposal_limit(session, actor, component, settings)
    else:
        await _ensure_staff_author(session, actor, component, settings, data)
    _ensure_body_length(data.body, settings)
    _ensure_location(data.address, data.latitude, data.longitude, settings)
    await _ensure_references(
        session, data.scope_id, data.area_id, data.interest_group_ids
    )

    body = sanitize_translations(data.body)
    proposal = Proposal(
        component_id=component.id,
        author_kind=AuthorKind(data.author_kind),
        author_id=actor.id,
        meeting_id=data.meeting_id,
        title=data.title,
        body=body,
        search_text=_search_text(data.title, body),
        scope_id=data.scope_id,
        area_id=data.area_id,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        status=ProposalStatus.DRAFT,
    )
    session.add(proposal)
    await session.flush()
    await _set_interest_groups(session, proposal, data.interest_group_ids)
    await follows.follow_quietly(session, actor, "proposal", proposal.id)
    return (await present(session, actor, [proposal], switches))[0]


async def update_proposal(
    session: AsyncSession, actor: User, proposal_id: int, data: ProposalUpdate
) -> ProposalRead:
    """Edit a draft, or a published proposal while its edit window is open and
    nobody has supported it."""
    context = await _authored_context(session, actor, proposal_id, coauthors=True)
    proposal, settings = context.proposal, context.settings
    await lock_proposal(session, proposal)
    await _ensure_editable(session, proposal, settings)

    sent = data.model_dump(exclude_unset=True)
    if data.body is not None:
        _ensure_body_length(data.body, settings)
        sent["body"] = sanitize_translations(data.body)
    _ensure_location(
        sent.get("address", proposal.address),
        sent.get("latitude", proposal.latitude),
        sent.get("longitude", proposal.longitude),
        settings,
    )
    await _ensure_references(
        session, data.scope_id, data.area_id, data.interest_group_ids or []
    )
    group_ids = sent.pop("interest_group_ids", None)
    for field, value in sent.items():
        setattr(proposal, field, value)
    proposal.search_text = _search_text(proposal.title, proposal.body)
    await session.flush()
    if group_ids is not None:
        await _set_interest_groups(session, proposal, group_ids)
    return (await present(session, actor, [proposal], context.switches))[0]


async def publish_proposal(
    session: AsyncSession, actor: User, proposal_id: int, zone: ZoneInfo
) -> ProposalRead:
    """Publish a draft: it gets its reference code and, in a channel, a deadline."""
    context = await _authored_context(session, actor, proposal_id)
    proposal = context.proposal
    await lock_proposal(session, proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise ConflictError(f"Proposal {proposal.id} is already published.")

    now = utcnow()
    local = now.astimezone(zone)
    proposal.status = ProposalStatus.PUBLISHED
    proposal.published_at = now
    proposal.reference = (
        f"{REFERENCE_PREFIX}-{local.year}-{local.month:02d}-{proposal.id}"
    )
    days = context.settings.answer_deadline_days
    if context.space.kind == SpaceKind.CHANNEL and days:
        proposal.due_at = deadline(local, days)
    await session.flush()

    outbox.emit(session, "proposal.published", event_payload(context))
    log_action(session, actor, "proposal.published", context, {}, public=True)
    return (await present(session, actor, [proposal], context.switches))[0]


def deadline(published_local: datetime, days: int) -> datetime:
    """The moment a demand becomes overdue: the end of its last local day."""
    last_day = published_local.date() + timedelta(days=days)
    next_midnight = datetime.combine(
        last_day + timedelta(days=1), datetime.min.time(), published_local.tzinfo
    )
    return next_midnight.astimezone(UTC)


async def withdraw_proposal(
    session: AsyncSession, actor: User, proposal_id: int
) -> ProposalRead:
    """The author takes a published proposal back; its supports stay counted."""
    context = await _authored_context(session, actor, proposal_id)
    proposal = context.proposal
    await lock_proposal(session, proposal)
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ConflictError(f"Proposal {proposal.id} is already withdrawn.")
    if proposal.status != ProposalStatus.PUBLISHED:
        raise ConflictError(f"Proposal {proposal.id} is not published.")

    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = utcnow()
    await session.flush()

    outbox.emit(session, "proposal.withdrawn", event_payload(context))
    log_action(session, actor, "proposal.withdrawn", context, {}, public=True)
    return (await present(session, actor, [proposal], context.switches))[0]


async def add_coauthor(
    session: AsyncSession, actor: User, proposal_id: int, user_id: int
) -> ProposalRead:
    context = await _authored_context(session, actor, proposal_id)
    proposal = context.proposal
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ConflictError(f"Proposal {proposal.id} is withdrawn.")
    coauthor = await session.get(User, user_id)
    if coauthor is None or coauthor.deleted_at is not None:
        raise InvalidInputError(
            f"There is no user {user_id}.", field="user_id", location="body"
        )
    if coauthor.id == proposal.author_id:
        raise ConflictError("The author is not their own co-author.")
    taken = await session.get(ProposalCoauthor, (proposal.id, coauthor.id))
    if taken is not None:
        raise ConflictError(f"User {coauthor.id} is already a co-author.")

    session.add(ProposalCoauthor(proposal_id=proposal.id, user_id=coauthor.id))
    await session.flush()
    await follows.follow_quietly(session, coauthor, "proposal", proposal.id)
    return (await present(session, actor, [proposal], context.switches))[0]


async def remove_coauthor(
    session: AsyncSession, actor: User, proposal_id: int, user_id: int
) -> None:
    """The authors remove any co-author; a co-author may leave on their own."""
    if user_id == actor.id:
        context = await readable_context(session, actor, proposal_id)
    else:
        context = await _authored_context(session, actor, proposal_id)
    removed = await session.execute(
        delete(ProposalCoauthor).where(
            ProposalCoauthor.proposal_id == context.proposal.id,
            ProposalCoauthor.user_id == user_id,
        )
    )
    if getattr(removed, "rowcount", 0) == 0:
        raise NotFoundError(f"User {user_id} is not a co-author.")


async def _authored_context(
    session: AsyncSession, actor: User, proposal_id: int, *, coauthors: bool = False
) -> ProposalContext:
    """The proposal, once ``actor`` may act as its author (404, then 403).

    Official and meeting proposals are the space admins'.
    """
    context = await readable_context(session, actor, proposal_id)
    proposal = context.proposal
    if proposal.author_kind != AuthorKind.USER:
        await ensure_can(session, actor, Action.MANAGE_SPACE, context.space.id)
        return context
    if proposal.author_id == actor.id:
        return context
    if coauthors:
        coauthor = await session.get(ProposalCoauthor, (proposal.id, actor.id))
        if coauthor is not None:
            return context
    raise PermissionDeniedError("Only the proposal's authors may do this.")


async def lock_proposal(session: AsyncSession, proposal: Proposal) -> None:
    """Hold the proposal's row until commit and reload it as now committed."""
    await session.refresh(proposal, with_for_update=True)


async def _ensure_editable(
    session: AsyncSession, proposal: Proposal, settings: ProposalsSettings
) -> None:
    if proposal.status == ProposalStatus.DRAFT:
        return
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ConflictError(f"Proposal {proposal.id} is withdrawn.")
    assert proposal.published_at is not None
    window = timedelta(minutes=settings.edit_window_minutes)
    if utcnow() >= proposal.published_at + window:
        raise ConflictError("The edit window of this proposal has closed.")
    supported = await session.scalar(
        select(exists().where(ProposalSupport.proposal_id == proposal.id))
    )
    if supported:
        raise ConflictError("A supported proposal cannot be edited.")


async def _ensure_participable(
    session: AsyncSession, actor: User, space_id: int
) -> None:
    allowed = await session.scalar(
        select(Space.id).where(Space.id == space_id, participable_spaces(actor))
    )
    if allowed is None:
        raise PermissionDeniedError("Only members of this space may take part.")


def _ensure_author_fields(data: ProposalCreate) -> None:
    if data.meeting_id is not None:
        raise InvalidInputError(
            "meeting_id goes with author_kind meeting.",
            field="meeting_id",
            location="body",
        )


async def _ensure_staff_author(
    session: AsyncSession,
    actor: User,
    component: Component,
    settings: ProposalsSettings,
    data: ProposalCreate,
) -> None:
    await ensure_can(session, actor, Action.MANAGE_SPACE, component.space_id)
    if data.author_kind == AuthorKind.OFFICIAL:
        _ensure_author_fields(data)
        if not settings.official_proposals_enabled:
            raise PermissionDeniedError(
                "Official proposals are not enabled in this component."
            )
    elif data.meeting_id is None:
        raise InvalidInputError(
            "Give the meeting a meeting proposal comes from.",
            field="meeting_id",
            location="body",
        )
    else:
        held_here = await session.scalar(
            select(Meeting.id)
            .join(Component, Component.id == Meeting.component_id)
            .where(
                Meeting.id == data.meeting_id,
                Component.space_id == component.space_id,
            )
        )
        if held_here is None:
            raise InvalidInputError(
                f"There is no meeting {data.meeting_id} in this space.",
                field="meeting_id",
                location="body",
            )


async def _ensure_proposal_limit(
    session: AsyncSession,
    actor: User,
    component: Component,
    settings: ProposalsSettings,
) -> None:
    """Refuse one proposal too many; the participant's row serialises creators."""
    if not settings.proposal_limit_per_user:
        return
    await lock_participant(session, component.id, actor.id)
    created = await session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.component_id == component.id,
            Proposal.author_id == actor.id,
            Proposal.author_kind == AuthorKind.USER,
            Proposal.status != ProposalStatus.WITHDRAWN,
        )
    )
    if (created or 0) >= settings.proposal_limit_per_user:
        raise ConflictError(
            f"You have reached the limit of {settings.proposal_limit_per_user} "
            "proposals in this component.",
            limit=settings.proposal_limit_per_user,
        )


def _ensure_body_length(body: dict[str, str], settings: ProposalsSettings) -> None:
    for locale, text in body.items():
        if len(text) > settings.body_max_length:
            raise InvalidInputError(
                f"The {locale} body is longer than {settings.body_max_length} "
                "characters.",
                field="body",
                location="body",
            )


def _ensure_location(
    address: str | None,
    latitude: float | None,
    longitude: float | None,
    settings: ProposalsSettings,
) -> None:
    located = address is not None or latitude is not None or longitude is not None
    if located and not settings.geocoding_enabled:
        raise InvalidInputError(
            "This component takes no address or map location.",
            field="address",
            location="body",
        )
    if (latitude is None) != (longitude is None):
        raise InvalidInputError(
            "Give latitude and longitude together.", field="latitude", location="body"
        )


async def _ensure_references(
    session: AsyncSession,
    scope_id: int | None,
    area_id: int | None,
    interest_group_ids: list[int],
) -> None:
    errors = []
    if scope_id is not None and await session.get(Scope, scope_id) is None:
        errors.append(_unknown("scope_id", "scope"))
    if area_id is not None and await session.get(Area, area_id) is None:
        errors.append(_unknown("area_id", "area"))
    if interest_group_ids:
        found = set(
            await session.scalars(
                select(InterestGroup.id).where(InterestGroup.id.in_(interest_group_ids))
            )
        )
        if missing := [i for i in interest_group_ids if i not in found]:
            errors.append(_unknown("interest_group_ids", f"interest groups {missing}"))
    if errors:
        raise InvalidInputError(
            "Some referenced records do not exist; see errors.", errors=errors
        )


def _unknown(field: str, what: str) -> dict[str, str]:
    return {"field": field, "location": "body", "message": f"no such {what}"}


async def _set_interest_groups(
    session: AsyncSession, proposal: Proposal, group_ids: list[int]
) -> None:
    await session.execute(
        delete(ProposalInterestGroup).where(
            ProposalInterestGroup.proposal_id == proposal.id
        )
    )
    if group_ids:
        await session.execute(
            insert(ProposalInterestGroup),
            [
                {"proposal_id": proposal.id, "interest_group_id": group_id}
                for group_id in dict.fromkeys(group_ids)
            ],
        )


def _search_text(title: dict[str, str], body: dict[str, str]) -> str:
    texts = [*title.values(), *(_TAGS.sub(" ", html) for html in body.values())]
    return " ".join(texts).lower()


# Supports


async def support_proposal(
    session: AsyncSession, actor: User, proposal_id: int
) -> SupportRead:
    """Support a proposal within the component's limits, whatever the concurrency.

    The participant's row is locked first, then the proposal's: the per-user
    limit and the threshold are read under those locks and the counter moves
    with a conditional UPDATE in the same transaction as the support row.
    """
    context = await readable_context(session, actor, proposal_id)
    proposal, settings = context.proposal, context.settings
    _ensure_supports_open(context.switches)
    await _ensure_participable(session, actor, context.space.id)

    participant = await lock_participant(session, proposal.component_id, actor.id)
    await lock_proposal(session, proposal)
    _ensure_supportable(proposal)
    if await _support_of(session, proposal.id, actor.id) is not None:
        raise ConflictError("You already support this proposal.")
    limit = settings.supports_limit_per_user
    if limit and participant.supports_given >= limit:
        raise ConflictError(
            f"You have given all {limit} supports of this component.", limit=limit
        )
    before = proposal.supports_count
    given = participant.supports_given + 1
    counts = given >= settings.minimum_supports_per_user
    if counts:
        _ensure_below_threshold(before, settings, context.switches)

    session.add(
        ProposalSupport(
            proposal_id=proposal.id,
            component_id=proposal.component_id,
            user_id=actor.id,
        )
    )
    await session.flush()
    await _set_supports_given(session, participant, given)
    if counts and given == settings.minimum_supports_per_user > 1:
        # The minimum is reached now: every support of this user starts counting.
        await _count_all_supports(session, proposal.component_id, actor.id, +1)
    elif counts:
        await _move_counter(session, [proposal.id], +1)
    after = await _refresh_count(session, proposal)

    outbox.emit(
        session, "proposal.supported", {**event_payload(context), "user_id": actor.id}
    )
    threshold = settings.threshold_per_proposal
    if threshold and before < threshold <= after:
        outbox.emit(session, "proposal.threshold_reached", event_payload(context))
    return _support_read(proposal, True, context.switches)


async def unsupport_proposal(
    session: AsyncSession, actor: User, proposal_id: int
) -> SupportRead:
    """Take a support back; below the minimum, none of the user's count any more."""
    context = await readable_context(session, actor, proposal_id)
    proposal, settings = context.proposal, context.settings
    _ensure_supports_open(context.switches)

    participant = await lock_participant(session, proposal.component_id, actor.id)
    support = await _support_of(session, proposal.id, actor.id)
    if support is None:
        raise NotFoundError("You do not support this proposal.")
    minimum = settings.minimum_supports_per_user
    given = participant.supports_given
    await lock_proposal(session, proposal)
    if proposal.status == ProposalStatus.WITHDRAWN:
        # Withdrawn proposals are frozen: their supports stay counted.
        raise ConflictError("A withdrawn proposal keeps its supports.")

    if given == minimum > 1:
        # Falling below the minimum: every support of this user stops counting.
        await _count_all_supports(session, proposal.component_id, actor.id, -1)
    elif given >= minimum:
        await _move_counter(session, [proposal.id], -1)
    await session.delete(support)
    await session.flush()
    await _set_supports_given(session, participant, given - 1)
    await _refresh_count(session, proposal)

    outbox.emit(
        session, "proposal.unsupported", {**event_payload(context), "user_id": actor.id}
    )
    return _support_read(proposal, False, context.switches)


def _ensure_supportable(proposal: Proposal) -> None:
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ConflictError("A withdrawn proposal cannot be supported.")
    if proposal.status != ProposalStatus.PUBLISHED:
        raise ConflictError("A draft cannot be supported.")
    if public_state(proposal) == AnswerState.REJECTED:
        raise ConflictError("A rejected proposal cannot be supported.")


def _ensure_below_threshold(
    count: int, settings: ProposalsSettings, switches: Switches
) -> None:
    """Without accumulation, a proposal at its threshold takes no more supports.

    With supports hidden the refusal says nothing of counts, which would
    reveal them.
    """
    threshold = settings.threshold_per_proposal
    accumulates = settings.can_accumulate_supports_beyond_threshold
    if threshold and not accumulates and count >= threshold:
        if switches.supports_hidden:
            raise ConflictError("This proposal takes no more supports.")
        raise ConflictError("This proposal has reached its threshold of supports.")


def _ensure_supports_open(switches: Switches) -> None:
    if not switches.supports_enabled:
        raise PermissionDeniedError("Supports are not enabled in this component now.")
    if switches.supports_blocked:
        raise PermissionDeniedError("Supports are blocked in this component now.")


async def lock_participant(
    session: AsyncSession, component_id: int, user_id: int
) -> ProposalParticipant:
    """The participant's row in the component, created if new, held until commit."""
    dialect = session.get_bind().dialect.name
    insert_row = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert_row(ProposalParticipant)
        .values(component_id=component_id, user_id=user_id, supports_given=0)
        .on_conflict_do_nothing()
    )
    participant = await session.scalar(
        select(ProposalParticipant)
        .where(
            ProposalParticipant.component_id == component_id,
            ProposalParticipant.user_id == user_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert participant is not None
    return participant


async def _support_of(
    session: AsyncSession, proposal_id: int, user_id: int
) -> ProposalSupport | None:
    return await session.scalar(
        select(ProposalSupport).where(
            ProposalSupport.proposal_id == proposal_id,
            ProposalSupport.user_id == user_id,
        )
    )


async def _set_supports_given(
    session: AsyncSession, participant: ProposalParticipant, given: int
) -> None:
    await session.execute(
        update(ProposalParticipant)
        .where(
            ProposalParticipant.component_id == participant.component_id,
            ProposalParticipant.user_id == participant.user_id,
        )
        .values(supports_given=given)
    )
    set_committed_value(participant, "supports_given", given)


async def _count_all_supports(
    session: AsyncSession, component_id: int, user_id: int, step: int
) -> None:
    ids = list(
        await session.scalars(
            select(ProposalSupport.proposal_id)
            .where(
                ProposalSupport.component_id == component_id,
                ProposalSupport.user_id == user_id,
            )
            .order_by(ProposalSupport.proposal_id)
        )
    )
    await _move_counter(session, ids, step)


async def _move_counter(session: AsyncSession, ids: list[int], step: int) -> None:
    if not ids:
        return
    # Locks in id order, so that two such updates cannot deadlock each other.
    await session.execute(
        select(Proposal.id)
        .where(Proposal.id.in_(ids))
        .order_by(Proposal.id)
        .with_for_update()
    )
    await session.execute(
        update(Proposal)
        .where(Proposal.id.in_(ids))
        .values(supports_count=Proposal.supports_count + step)
        .execution_options(synchronize_session=False)
    )


async def _refresh_count(session: AsyncSession, proposal: Proposal) -> int:
    count = await session.scalar(
        select(Proposal.supports_count).where(Proposal.id == proposal.id)
    )
    set_committed_value(proposal, "supports_count", count or 0)
    return count or 0


def _support_read(
    proposal: Proposal, supported: bool, switches: Switches
) -> SupportRead:
    return SupportRead(
        proposal_id=proposal.id,
        supported=supported,
        supports_count=None if switches.supports_hidden else proposal.supports_count,
    )


# Shared


def event_payload(context: ProposalContext) -> dict[str, Any]:
    proposal = context.proposal
    return {
        "proposal_id": proposal.id,
        "component_id": proposal.component_id,
        "space_id": context.space.id,
        "author_id": proposal.author_id,
        "reference": proposal.reference,
    }


def log_action(
    session: AsyncSession,
    actor: User,
    action: str,
    context: ProposalContext,
    changes: dict[str, Any],
    *,
    public: bool = False,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="proposal",
        object_id=context.proposal.id,
        space_id=context.space.id,
        changes=changes,
        public=public,
    )


search.register(
    search.Searchable(
        "proposal",
        Proposal,
        search.in_component(
            Proposal,
            title=Proposal.title,
            body=Proposal.body,
            occurred_at=Proposal.published_at,
            scope_id=Proposal.scope_id,
            area_id=Proposal.area_id,
        ),
        watched=frozenset({"title", "body", "published_at", "scope_id", "area_id"}),
        listed=lambda: Proposal.status != ProposalStatus.WITHDRAWN,
    )
)


async def support_refusal(
    session: AsyncSession, viewer: User, context: ProposalContext
) -> str | None:
    """Why ``viewer`` may not support the proposal now, or None if they may.

    The same checks as ``support_proposal`` before it takes its locks, so that
    a screen shows the button only when pressing it would work.
    """
    proposal, settings = context.proposal, context.settings
    try:
        _ensure_supports_open(context.switches)
        await _ensure_participable(session, viewer, context.space.id)
        _ensure_supportable(proposal)
        if await _support_of(session, proposal.id, viewer.id) is not None:
            raise ConflictError("You already support this proposal.")
        participant = await session.get(
            ProposalParticipant, (proposal.component_id, viewer.id)
        )
        given = participant.supports_given if participant else 0
        limit = settings.supports_limit_per_user
        if limit and given >= limit:
            raise ConflictError(
                f"You have given all {limit} supports of this component."
            )
        if given + 1 >= settings.minimum_supports_per_user:
            _ensure_below_threshold(proposal.supports_count, settings, context.switches)
    except (ConflictError, PermissionDeniedError) as refusal:
        return refusal.detail
    return None
