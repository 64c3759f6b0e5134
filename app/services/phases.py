"""Phases of a process: ordered steps with dates, at most one of them active.

Every write locks the process's row first, so concurrent admins queue: two
activations never leave two active phases, and positions never collide.
"""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInputError, NotFoundError
from app.models.spaces import Phase, Space, SpaceKind
from app.models.users import User
from app.schemas.spaces import PhaseCreate, PhaseUpdate
from app.services.action_log import apply_changes, record
from app.services.permissions import Action
from app.services.richtext import sanitize_translations
from app.services.spaces import (
    ensure_dates,
    get_readable_space,
    get_space_for,
    lock_space,
)


async def active_phase(session: AsyncSession, space_id: int) -> Phase | None:
    """The phase the space is in now, whose switches its components follow."""
    return await session.scalar(
        select(Phase).where(Phase.space_id == space_id, Phase.active)
    )


async def list_phases(
    session: AsyncSession, viewer: User | None, space_id: int
) -> list[Phase]:
    """The phases of a space ``viewer`` may read, in order; none for non-processes."""
    space = await get_readable_space(session, viewer, space_id)
    return await _phases(session, space.id)


async def get_phase(
    session: AsyncSession, viewer: User | None, space_id: int, phase_id: int
) -> Phase:
    space = await get_readable_space(session, viewer, space_id)
    return _find(await _phases(session, space.id), phase_id)


async def create_phase(
    session: AsyncSession, actor: User, space_id: int, body: PhaseCreate
) -> Phase:
    """A new phase, placed after the last one."""
    space = await _process_for(session, actor, space_id)
    phases = await _phases(session, space.id)

    phase = Phase(
        space_id=space.id,
        position=phases[-1].position + 1 if phases else 0,
        active=False,
    )
    changes = _apply(phase, body)
    ensure_dates(phase.start_date, phase.end_date)
    session.add(phase)
    await session.flush()

    record(
        session,
        actor,
        "phase.created",
        object_type="phase",
        object_id=phase.id,
        space_id=space.id,
        changes=changes,
    )
    return phase


async def update_phase(
    session: AsyncSession,
    actor: User,
    space_id: int,
    phase_id: int,
    body: PhaseUpdate,
) -> Phase:
    space = await _process_for(session, actor, space_id)
    phase = _find(await _phases(session, space.id), phase_id)

    changes = _apply(phase, body)
    ensure_dates(phase.start_date, phase.end_date)
    await session.flush()

    if changes:
        record(
            session,
            actor,
            "phase.updated",
            object_type="phase",
            object_id=phase.id,
            space_id=space.id,
            changes=changes,
        )
    return phase


async def delete_phase(
    session: AsyncSession, actor: User, space_id: int, phase_id: int
) -> None:
    """Remove a phase; if it was active, the process has no active phase."""
    space = await _process_for(session, actor, space_id)
    phases = await _phases(session, space.id)
    phase = _find(phases, phase_id)

    await session.delete(phase)
    await session.flush()
    await _renumber(session, space.id, [other for other in phases if other != phase])

    record(
        session,
        actor,
        "phase.deleted",
        object_type="phase",
        object_id=phase_id,
        space_id=space.id,
        changes={"title": [phase.title, None], "active": [phase.active, None]},
    )


async def reorder_phases(
    session: AsyncSession, actor: User, space_id: int, phase_ids: list[int]
) -> list[Phase]:
    """Put the phases in the order of ``phase_ids``, which must name each once."""
    space = await _process_for(session, actor, space_id)
    phases = await _phases(session, space.id)
    if len(set(phase_ids)) != len(phase_ids) or set(phase_ids) != {
        phase.id for phase in phases
    }:
        raise InvalidInputError(
            "Give every phase of the process exactly once.",
            errors=[
                {
                    "field": "phase_ids",
                    "location": "body",
                    "message": f"expected each of {sorted(p.id for p in phases)} once",
                }
            ],
        )

    by_id = {phase.id: phase for phase in phases}
    ordered = [by_id[phase_id] for phase_id in phase_ids]
    if ordered != phases:
        await _renumber(session, space.id, ordered)
        record(
            session,
            actor,
            "phases.reordered",
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            changes={"phase_ids": [[phase.id for phase in phases], phase_ids]},
        )
    return ordered


async def activate_phase(
    session: AsyncSession, actor: User, space_id: int, phase_id: int
) -> Phase:
    """Make this the process's active phase, and the previous one inactive.

    Activating the phase that is already active changes nothing.
    """
    space = await _process_for(session, actor, space_id)
    phases = await _phases(session, space.id)
    phase = _find(phases, phase_id)
    if phase.active:
        return phase

    previous = next((other for other in phases if other.active), None)
    if previous is not None:
        # Flushed first: the partial unique index admits one active row at a time.
        previous.active = False
        await session.flush()
    phase.active = True
    await session.flush()

    record(
        session,
        actor,
        "phase.activated",
        object_type="phase",
        object_id=phase.id,
        space_id=space.id,
        changes={"previous_phase_id": [previous.id if previous else None, None]},
        public=True,
    )
    return phase


async def _process_for(session: AsyncSession, actor: User, space_id: int) -> Space:
    """The process ``actor`` may manage, locked; 422 for other kinds of space."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    if space.kind != SpaceKind.PROCESS:
        raise InvalidInputError(
            f"Only processes have phases; this space is an {space.kind}."
        )
    await lock_space(session, space.id)
    return space


async def _phases(session: AsyncSession, space_id: int) -> list[Phase]:
    # Read again after the lock: another transaction may have just committed.
    query = (
        select(Phase)
        .where(Phase.space_id == space_id)
        .order_by(Phase.position)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())


def _find(phases: list[Phase], phase_id: int) -> Phase:
    for phase in phases:
        if phase.id == phase_id:
            return phase
    raise NotFoundError(f"There is no phase {phase_id} in this space.")


def _apply(phase: Phase, body: PhaseCreate | PhaseUpdate) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=isinstance(body, PhaseUpdate))
    if "description" in values:
        values["description"] = sanitize_translations(values["description"])
    return apply_changes(phase, PhaseUpdate.model_construct(**values))


async def _renumber(session: AsyncSession, space_id: int, ordered: list[Phase]) -> None:
    """Positions 0, 1, 2... in this order.

    Positions are unique per space and checked row by row, so they first move
    out of the way to negative numbers.
    """
    await session.execute(
        update(Phase)
        .where(Phase.space_id == space_id)
        .values(position=-1 - Phase.position)
        .execution_options(synchronize_session="fetch")
    )
    for position, phase in enumerate(ordered):
        phase.position = position
    await session.flush()
