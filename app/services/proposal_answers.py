"""Official answers to proposals, their evaluators, and demands in channels.

Space admins answer any proposal of their space; evaluators answer those
assigned to them. An answer is public at once when the component says so and
its answers are enabled now, else when it is published later.
"""

import statistics
from datetime import datetime
from typing import Any

import nh3
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.models.base import utcnow
from app.models.components import Component, ComponentType
from app.models.proposals import (
    AnswerState,
    AuthorKind,
    Proposal,
    ProposalEvaluator,
    ProposalStatus,
)
from app.models.spaces import Space, SpaceKind, SpaceRoleName
from app.models.users import User
from app.schemas.components import ProposalsSettings, stored_settings
from app.schemas.pagination import cursor_time, decode_cursor, encode_cursor
from app.schemas.proposals import (
    AnswerCreate,
    DemandReport,
    DemandReportRow,
    ProposalAnswerRead,
    ProposalRead,
)
from app.services import outbox
from app.services.components import (
    effective_switches,
    ensure_type,
    guard_settings,
)
from app.services.permissions import Action, allowed, roles_in_space
from app.services.proposals import (
    OPEN_ANSWER_STATES,
    ProposalContext,
    SortKey,
    event_payload,
    is_answered,
    is_overdue,
    log_action,
    present,
    readable_context,
    staff_context,
)
from app.services.richtext import sanitize_translations
from app.services.spaces import get_space_for

BUILT_IN_STATES = frozenset(AnswerState)


# Answers


async def answer_proposal(
    session: AsyncSession, actor: User, proposal_id: int, data: AnswerCreate
) -> ProposalAnswerRead:
    """Give, change or clear the official answer (not_answered clears it)."""
    context = await staff_context(session, proposal_id)
    await _ensure_may_answer(session, actor, context)
    proposal, settings = context.proposal, context.settings
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ConflictError("A withdrawn proposal is not answered.")
    if data.state not in BUILT_IN_STATES:
        # Custom states may be being removed: read them under the component's lock.
        await session.refresh(context.component, with_for_update=True)
        settings = context.settings
    _ensure_state(data.state, settings)
    _ensure_costs(data, settings)
    answer = sanitize_translations(data.answer)
    if data.state == AnswerState.REJECTED and not _has_text(answer):
        raise InvalidInputError(
            "A rejection gives its reasons: write the answer.",
            field="answer",
            location="body",
            error_code="required",
        )

    was_public = proposal.answer_published_at is not None
    now = utcnow()
    proposal.answer_state = data.state
    proposal.answer = answer
    proposal.cost_cents = data.cost_cents
    proposal.cost_report = sanitize_translations(data.cost_report)
    proposal.execution_period = sanitize_translations(data.execution_period)
    if data.state == AnswerState.NOT_ANSWERED:
        proposal.answered_at = None
        proposal.answer_published_at = None
    else:
        proposal.answered_at = now
        immediate = settings.publish_answers_immediately
        if immediate and context.switches.answers_enabled:
            proposal.answer_published_at = now
        elif not was_public:
            proposal.answer_published_at = None
    await session.flush()

    log_action(
        session,
        actor,
        "proposal.answered",
        context,
        {"answer_state": data.state},
        public=proposal.answer_published_at is not None,
    )
    if proposal.answer_published_at == now:
        outbox.emit(session, "proposal.answered", _answered(context, actor))
    return answer_read(proposal)


async def publish_answer(
    session: AsyncSession, actor: User, proposal_id: int
) -> ProposalAnswerRead:
    """Make a pending answer public; idempotent for one already public."""
    context = await staff_context(session, proposal_id)
    await _ensure_may_answer(session, actor, context)
    proposal = context.proposal
    if proposal.answer_state == AnswerState.NOT_ANSWERED:
        raise ConflictError("This proposal has no answer to publish.")
    if proposal.answer_published_at is not None:
        return answer_read(proposal)

    proposal.answer_published_at = utcnow()
    await session.flush()

    log_action(session, actor, "proposal.answer_published", context, {}, public=True)
    outbox.emit(session, "proposal.answered", _answered(context, actor))
    return answer_read(proposal)


async def get_answer(
    session: AsyncSession, actor: User, proposal_id: int
) -> ProposalAnswerRead:
    """The answer as the team sees it, published or pending."""
    context = await staff_context(session, proposal_id)
    await _ensure_may_answer(session, actor, context)
    return answer_read(context.proposal)


def answer_read(proposal: Proposal) -> ProposalAnswerRead:
    return ProposalAnswerRead(
        proposal_id=proposal.id,
        state=proposal.answer_state,
        answer=proposal.answer,
        answered_at=proposal.answered_at,
        published_at=proposal.answer_published_at,
        cost_cents=proposal.cost_cents,
        cost_report=proposal.cost_report,
        execution_period=proposal.execution_period,
    )


def _answered(context: ProposalContext, actor: User) -> dict[str, Any]:
    return {
        **event_payload(context),
        "answer_state": context.proposal.answer_state,
        "actor_id": actor.id,
    }


async def _ensure_may_answer(
    session: AsyncSession, actor: User, context: ProposalContext
) -> None:
    """Space admins answer any proposal; evaluators only those assigned to them."""
    roles = await roles_in_space(session, actor, context.space.id)
    if allowed(actor, Action.MANAGE_SPACE, roles):
        return
    if allowed(actor, Action.EVALUATE_SPACE, roles):
        assigned = await session.get(ProposalEvaluator, (context.proposal.id, actor.id))
        if assigned is not None:
            return
    raise PermissionDeniedError(
        "Only the space's admins and the proposal's evaluators may answer it.",
        action=Action.EVALUATE_SPACE,
    )


async def _ensure_states_kept(
    session: AsyncSession, component: Component, new_settings: dict[str, Any]
) -> None:
    """Refuse settings that drop a custom answer state a proposal holds.

    The component's row is locked first, as answering with a custom state
    does, so that no answer takes a state being dropped meanwhile.
    """
    await session.refresh(component, with_for_update=True)
    old = stored_settings(component)
    assert isinstance(old, ProposalsSettings)
    kept = ProposalsSettings.model_validate(new_settings).custom_answer_states
    dropped = {custom.token for custom in old.custom_answer_states} - {
        custom.token for custom in kept
    }
    if not dropped:
        return
    held = sorted(
        await session.scalars(
            select(Proposal.answer_state)
            .where(
                Proposal.component_id == component.id,
                Proposal.answer_state.in_(dropped),
            )
            .distinct()
        )
    )
    if held:
        raise ConflictError(
            f"Proposals of this component hold the answer states {', '.join(held)};"
            " answer them otherwise before removing those states.",
            states=held,
        )


guard_settings(ComponentType.PROPOSALS, _ensure_states_kept)


def _ensure_state(state: str, settings: ProposalsSettings) -> None:
    custom = {custom.token for custom in settings.custom_answer_states}
    if state not in BUILT_IN_STATES and state not in custom:
        choices = sorted(BUILT_IN_STATES | custom)
        raise InvalidInputError(
            f"{state!r} is not an answer state of this component.",
            errors=[
                {
                    "field": "state",
                    "location": "body",
                    "message": f"must be one of {choices}",
                }
            ],
        )


def _has_text(translations: dict[str, str]) -> bool:
    """Whether some locale says something once its tags are taken away."""
    return any(nh3.clean(html, tags=set()).strip() for html in translations.values())


def _ensure_costs(data: AnswerCreate, settings: ProposalsSettings) -> None:
    given = data.cost_cents is not None or data.cost_report or data.execution_period
    if not settings.answers_with_costs:
        if given:
            raise InvalidInputError(
                "This component answers without costs.",
                field="cost_cents",
                location="body",
            )
        return
    if data.state != AnswerState.ACCEPTED:
        if given:
            raise InvalidInputError(
                "Only an accepting answer states a cost.",
                field="cost_cents",
                location="body",
            )
        return
    missing = [
        field
        for field, value in (
            ("cost_cents", data.cost_cents),
            ("cost_report", data.cost_report),
            ("execution_period", data.execution_period),
        )
        if not value and value != 0
    ]
    if missing:
        raise InvalidInputError(
            "An accepting answer states its cost, cost report and execution period.",
            errors=[
                {"field": field, "location": "body", "message": "required"}
                for field in missing
            ],
        )


# Evaluators


async def assign_evaluator(
    session: AsyncSession, actor: User, proposal_id: int, user_id: int
) -> list[int]:
    """Assign one of the space's evaluators; returns the proposal's evaluators."""
    context = await staff_context(session, proposal_id)
    await get_space_for(session, actor, Action.MANAGE_SPACE, context.space.id)
    evaluator = await session.get(User, user_id)
    roles = (
        await roles_in_space(session, evaluator, context.space.id)
        if evaluator is not None
        else frozenset()
    )
    if SpaceRoleName.EVALUATOR not in roles:
        raise InvalidInputError(
            f"User {user_id} is not an evaluator of this space.",
            field="user_id",
            location="body",
        )
    if await session.get(ProposalEvaluator, (context.proposal.id, user_id)):
        raise ConflictError(f"User {user_id} is already assigned.")

    session.add(ProposalEvaluator(proposal_id=context.proposal.id, user_id=user_id))
    await session.flush()
    log_action(
        session, actor, "proposal.evaluator_assigned", context, {"user_id": user_id}
    )
    return await evaluators_of(session, context.proposal.id)


async def unassign_evaluator(
    session: AsyncSession, actor: User, proposal_id: int, user_id: int
) -> None:
    context = await staff_context(session, proposal_id)
    await get_space_for(session, actor, Action.MANAGE_SPACE, context.space.id)
    removed = await session.execute(
        delete(ProposalEvaluator).where(
            ProposalEvaluator.proposal_id == context.proposal.id,
            ProposalEvaluator.user_id == user_id,
        )
    )
    if getattr(removed, "rowcount", 0) == 0:
        raise NotFoundError(f"User {user_id} is not assigned to this proposal.")
    log_action(
        session, actor, "proposal.evaluator_unassigned", context, {"user_id": user_id}
    )


async def evaluators_of(session: AsyncSession, proposal_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(ProposalEvaluator.user_id)
            .where(ProposalEvaluator.proposal_id == proposal_id)
            .order_by(ProposalEvaluator.user_id)
        )
    )


# Demands


async def rate_answer(
    session: AsyncSession, actor: User, proposal_id: int, score: int
) -> ProposalRead:
    """The author of an answered demand says how satisfied they are (1 to 5)."""
    context = await readable_context(session, actor, proposal_id)
    proposal = context.proposal
    if proposal.author_kind != AuthorKind.USER or proposal.author_id != actor.id:
        raise PermissionDeniedError("Only the demand's author may rate its answer.")
    if context.space.kind != SpaceKind.CHANNEL:
        raise ConflictError("Only demands in a channel are rated.")
    if not is_answered(proposal):
        raise ConflictError("The demand has no answer to rate yet.")

    proposal.satisfaction = score
    proposal.satisfaction_at = utcnow()
    await session.flush()
    outbox.emit(
        session, "proposal.rated", {**event_payload(context), "satisfaction": score}
    )
    return (await present(session, actor, [proposal], context.switches))[0]


def _pending() -> Any:
    return and_(
        Proposal.status == ProposalStatus.PUBLISHED,
        or_(
            Proposal.answer_published_at.is_(None),
            Proposal.answer_state.in_(OPEN_ANSWER_STATES),
        ),
    )


async def demand_queue(
    session: AsyncSession,
    actor: User,
    component_id: int,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProposalRead], str | None]:
    """The team's queue of unanswered demands: nearest deadline first, so the
    overdue ones lead; demands without a deadline come last."""
    component = await session.get(Component, component_id)
    if component is None:
        raise NotFoundError(f"There is no component {component_id}.")
    space = await get_space_for(
        session, actor, Action.EVALUATE_SPACE, component.space_id
    )
    ensure_type(component, ComponentType.PROPOSALS)
    if space.kind != SpaceKind.CHANNEL:
        raise InvalidInputError(
            "Demand queues are for channel spaces.",
            field="component_id",
            location="path",
        )
    order = SortKey(Proposal.due_at, descending=False, nulls="last")
    query = (
        select(Proposal)
        .where(
            Proposal.component_id == component.id,
            Proposal.hidden_at.is_(None),
            _pending(),
        )
        .order_by(*order.order())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(order.after(*_decode_queue_cursor(cursor)))
    found = list((await session.scalars(query)).all())
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        due_text = last.due_at.isoformat() if last.due_at else None
        next_cursor = encode_cursor([due_text, last.id])
    switches = await effective_switches(session, component)
    return await present(session, actor, page, switches), next_cursor


def _decode_queue_cursor(cursor: str) -> tuple[datetime | None, int]:
    due, last_id = decode_cursor(cursor, (object, int))
    if due is None:
        return None, last_id
    return cursor_time(due), last_id


async def demand_report(
    session: AsyncSession, actor: User, space_id: int
) -> DemandReport:
    """Per area of a channel: demands received, answered, overdue, time to answer
    and satisfaction."""
    space = await get_space_for(session, actor, Action.EVALUATE_SPACE, space_id)
    if space.kind != SpaceKind.CHANNEL:
        raise InvalidInputError(
            "Demand reports are for channel spaces.", field="space_id", location="path"
        )
    proposals = list(
        await session.scalars(
            select(Proposal)
            .join(Component, Component.id == Proposal.component_id)
            .join(Space, Space.id == Component.space_id)
            .where(
                Space.id == space.id,
                Component.type == ComponentType.PROPOSALS,
                Proposal.published_at.is_not(None),
                Proposal.hidden_at.is_(None),
            )
        )
    )
    now = utcnow()
    by_area: dict[int | None, list[Proposal]] = {}
    for proposal in proposals:
        by_area.setdefault(proposal.area_id, []).append(proposal)
    rows = [
        _report_row(area_id, group, now)
        for area_id, group in sorted(
            by_area.items(), key=lambda item: (item[0] is None, item[0] or 0)
        )
    ]
    return DemandReport(
        space_id=space.id, rows=rows, total=_report_row(None, proposals, now)
    )


def _report_row(
    area_id: int | None, proposals: list[Proposal], now: datetime
) -> DemandReportRow:
    answered = [proposal for proposal in proposals if is_answered(proposal)]
    hours = [
        (proposal.answer_published_at - proposal.published_at).total_seconds() / 3600
        for proposal in answered
        if proposal.answer_published_at and proposal.published_at
    ]
    scores = [p.satisfaction for p in answered if p.satisfaction is not None]
    return DemandReportRow(
        area_id=area_id,
        received=len(proposals),
        answered=len(answered),
        overdue=sum(1 for proposal in proposals if is_overdue(proposal, now)),
        median_hours_to_answer=round(statistics.median(hours), 2) if hours else None,
        mean_satisfaction=round(statistics.fmean(scores), 2) if scores else None,
    )
