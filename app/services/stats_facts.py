"""The public facts participation figures are counted from, read in a few queries.

A fact is one thing that happened in public view: a proposal published, a
support given, a comment written, a meeting held, a registration, a ballot
cast. Each names the person behind it (when there is one), where it happened
(space, component, scope, area) and the month. Only what an anonymous visitor
may read counts: the read rule of each kind (``readable_ids``) decides, so
unpublished, private, hidden, withdrawn-from-view and deleted content never
does. Supports hidden by their phase and budget ballots whose counts are hidden
are left out while hidden.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Ballot, Budget
from app.models.comments import Comment
from app.models.components import Component, ComponentType
from app.models.meetings import Meeting, MeetingRegistration, RegistrationStatus
from app.models.proposals import AuthorKind, Proposal, ProposalSupport
from app.models.spaces import Phase, Space
from app.services.budgets import counts_visible
from app.services.components import switches_in_force
from app.services.resources import kind_named, kind_names, readable_ids

_YIELD_PER = 2000


class FactKind(StrEnum):
    PROPOSAL = "proposal"
    SUPPORT = "support"
    COMMENT = "comment"
    MEETING = "meeting"
    REGISTRATION = "registration"
    BALLOT = "ballot"


@dataclass(frozen=True, slots=True)
class Fact:
    kind: FactKind
    object_id: int
    """The proposal, meeting... the fact is about (a support's proposal)."""
    user_id: int | None
    space_id: int
    component_id: int
    scope_id: int | None
    area_id: int | None
    month: str
    checked_in: bool = False


class Facts:
    """Streams every public fact, kind by kind, with months in the city's zone."""

    def __init__(self, session: AsyncSession, now: datetime, zone: str) -> None:
        self._session = session
        self._now = now
        self._zone = ZoneInfo(zone)
        self._months: dict[datetime, str] = {}

    async def all(self) -> AsyncIterator[Fact]:
        hidden_supports, hidden_ballots = await self._hidden_components()
        for kind, query in (
            (FactKind.PROPOSAL, self._proposals()),
            (FactKind.SUPPORT, self._supports(hidden_supports)),
            (FactKind.MEETING, self._meetings()),
            (FactKind.REGISTRATION, self._registrations()),
            (FactKind.BALLOT, self._ballots(hidden_ballots)),
            *((FactKind.COMMENT, q) for q in self._comments()),
        ):
            async for fact in self._stream(kind, query):
                yield fact

    async def _stream(self, kind: FactKind, query: Select[Any]) -> AsyncIterator[Fact]:
        rows = await self._session.stream(query.execution_options(yield_per=_YIELD_PER))
        checks_in = kind == FactKind.REGISTRATION
        # A batch at a time: each step of an async iteration costs a greenlet switch.
        async for batch in rows.partitions(_YIELD_PER):
            for row in batch:
                yield Fact(
                    kind=kind,
                    object_id=row.object_id,
                    user_id=row.user_id,
                    space_id=row.space_id,
                    component_id=row.component_id,
                    scope_id=row.scope_id,
                    area_id=row.area_id,
                    month=self._month(row.at),
                    checked_in=checks_in and row.checked_in,
                )

    def _month(self, at: datetime) -> str:
        """The month in the city's zone; cached by the hour, as zones shift by hours."""
        hour = at.replace(minute=0, second=0, microsecond=0)
        month = self._months.get(hour)
        if month is None:
            month = self._months[hour] = hour.astimezone(self._zone).strftime("%Y-%m")
        return month

    async def _hidden_components(self) -> tuple[set[int], set[int]]:
        """Proposals components hiding supports, budgets components hiding votes."""
        rows = await self._session.execute(
            select(Component, Phase.id)
            .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
            .where(Component.type.in_([ComponentType.PROPOSALS, ComponentType.BUDGETS]))
        )
        supports, ballots = set(), set()
        for component, phase_id in rows:
            switches = switches_in_force(component, phase_id)
            if component.type == ComponentType.PROPOSALS and switches.supports_hidden:
                supports.add(component.id)
            if component.type == ComponentType.BUDGETS and not counts_visible(
                component, switches
            ):
                ballots.add(component.id)
        return supports, ballots

    def _public(self, name: str) -> Select[Any]:
        return readable_ids(name, None, self._now)

    def _proposals(self) -> Select[Any]:
        # Officials and meetings author no person.
        author = case((Proposal.author_kind == AuthorKind.USER, Proposal.author_id))
        return _placed(
            select(
                Proposal.id.label("object_id"),
                author.label("user_id"),
                Proposal.published_at.label("at"),
            ),
            Proposal.component_id,
            Proposal.scope_id,
            Proposal.area_id,
        ).where(Proposal.id.in_(self._public("proposal")))

    def _supports(self, hidden: set[int]) -> Select[Any]:
        return _placed(
            select(
                ProposalSupport.proposal_id.label("object_id"),
                ProposalSupport.user_id.label("user_id"),
                ProposalSupport.created_at.label("at"),
            ).join(Proposal, Proposal.id == ProposalSupport.proposal_id),
            Proposal.component_id,
            Proposal.scope_id,
            Proposal.area_id,
        ).where(
            Proposal.id.in_(self._public("proposal")),
            Proposal.component_id.not_in(hidden),
        )

    def _meetings(self) -> Select[Any]:
        return _placed(
            select(
                Meeting.id.label("object_id"),
                null().label("user_id"),
                Meeting.starts_at.label("at"),
            ),
            Meeting.component_id,
            Meeting.scope_id,
            Meeting.area_id,
        ).where(Meeting.id.in_(self._public("meeting")), Meeting.cancelled_at.is_(None))

    def _registrations(self) -> Select[Any]:
        return _placed(
            select(
                Meeting.id.label("object_id"),
                MeetingRegistration.user_id.label("user_id"),
                Meeting.starts_at.label("at"),
                MeetingRegistration.checked_in_at.is_not(None).label("checked_in"),
            ).join(MeetingRegistration, MeetingRegistration.meeting_id == Meeting.id),
            Meeting.component_id,
            Meeting.scope_id,
            Meeting.area_id,
        ).where(
            Meeting.id.in_(self._public("meeting")),
            Meeting.cancelled_at.is_(None),
            MeetingRegistration.status == RegistrationStatus.CONFIRMED,
        )

    def _ballots(self, hidden: set[int]) -> Select[Any]:
        return _placed(
            select(
                Ballot.budget_id.label("object_id"),
                Ballot.user_id.label("user_id"),
                Ballot.checked_out_at.label("at"),
            ).join(Budget, Budget.id == Ballot.budget_id),
            Budget.component_id,
            Budget.scope_id,
            None,
        ).where(
            Ballot.checked_out_at.is_not(None),
            Budget.component_id.in_(self._public("component")),
            Budget.component_id.not_in(hidden),
        )

    def _comments(self) -> list[Select[Any]]:
        """One query per commentable kind that lives in a component."""
        queries = []
        for name in kind_names():
            kind = kind_named(name)
            if not kind.commentable or kind.component_column is None:
                continue
            model = kind.model
            query = select(
                Comment.id.label("object_id"),
                Comment.author_id.label("user_id"),
                Comment.created_at.label("at"),
            ).join(
                model,
                and_(Comment.resource_type == name, model.id == Comment.resource_id),
            )
            queries.append(
                _placed(
                    query,
                    kind.component_column,
                    getattr(model, "scope_id", None),
                    getattr(model, "area_id", None),
                ).where(
                    Comment.deleted_at.is_(None),
                    model.id.in_(self._public(name)),
                )
            )
        return queries


def _placed(
    query: Any, component_column: Any, scope_column: Any, area_column: Any
) -> Select[Any]:
    """The query joined to its component and space, with where it happened.

    Content without a scope or area of its own takes its space's.
    """
    scope = (
        Space.scope_id
        if scope_column is None
        else func.coalesce(scope_column, Space.scope_id)
    )
    area = (
        Space.area_id
        if area_column is None
        else func.coalesce(area_column, Space.area_id)
    )
    placed: Select[Any] = (
        query.add_columns(
            Component.id.label("component_id"),
            Space.id.label("space_id"),
            scope.label("scope_id"),
            area.label("area_id"),
        )
        .join(Component, Component.id == component_column)
        .join(Space, Space.id == Component.space_id)
    )
    return placed
