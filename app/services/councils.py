"""Councils: legal basis and composition, seats and their life cycle, the report.

Every write to a council first locks its space row, so that the composition
limits (no more seats than the law gives a sector, one alternate per titular)
hold when two admins edit the same council at once.
"""

from collections import defaultdict
from collections.abc import Set as AbstractSet
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.councils import (
    CouncilSeat,
    CouncilSectorRequirement,
    SeatKind,
    SeatRole,
    SeatStatus,
)
from app.models.spaces import Space, SpaceKind
from app.models.users import User
from app.schemas.base import MAX_ID
from app.schemas.councils import (
    CompositionReport,
    CouncilComposition,
    CouncilDetails,
    CouncilFlags,
    CouncilMemberRead,
    CouncilRead,
    CouncilWrite,
    ReportSeat,
    SeatCease,
    SeatCeased,
    SeatCreate,
    SeatFigures,
    SeatRead,
    SeatUpdate,
    SectorComposition,
    SectorRequirementRead,
)
from app.schemas.pagination import decode_cursor, encode_cursor
from app.services.action_log import apply_changes, record
from app.services.permissions import Action, ensure_can
from app.services.richtext import sanitize_translations
from app.services.spaces import get_readable_space, get_space_for

OCCUPIED = (
    SeatStatus.NOMINATED,
    SeatStatus.ACTIVE,
    SeatStatus.PENDING_REGULARISATION,
)
TRANSITIONS: dict[SeatStatus, frozenset[SeatStatus]] = {
    SeatStatus.VACANT: frozenset({SeatStatus.NOMINATED, SeatStatus.ACTIVE}),
    SeatStatus.NOMINATED: frozenset({SeatStatus.ACTIVE, SeatStatus.VACANT}),
    SeatStatus.ACTIVE: frozenset({SeatStatus.PENDING_REGULARISATION}),
    SeatStatus.PENDING_REGULARISATION: frozenset({SeatStatus.ACTIVE}),
    SeatStatus.CEASED: frozenset(),
}
"""Where a seat may go from each status; a seat ceases only through cease_seat."""

_ROLE_RANK = case(
    {
        SeatRole.PRESIDENT: 0,
        SeatRole.VICE_PRESIDENT: 1,
        SeatRole.SECRETARY: 2,
    },
    value=CouncilSeat.role,
    else_=3,
)
_HOLDER = func.coalesce(
    case((User.deleted_at.is_(None), User.name)), CouncilSeat.holder_name
).label("holder")
"""The holder's public name: their account's name, or the name recorded."""


class _HeldSeat(NamedTuple):
    seat: CouncilSeat
    holder: str | None


async def get_council(
    session: AsyncSession, viewer: User | None, space_id: int
) -> CouncilRead:
    """The council's public details, if ``viewer`` may read its space; else 404."""
    space = _ensure_council(await get_readable_space(session, viewer, space_id))
    return await _council_read(session, space)


async def configure_council(
    session: AsyncSession, actor: User, space_id: int, data: CouncilWrite
) -> CouncilRead:
    """Make an assembly a council, or redefine one; the composition is replaced."""
    space = await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    if space.kind != SpaceKind.ASSEMBLY:
        raise InvalidInputError(
            "Only an assembly can be a council.",
            errors=[_error("space_id", "the space is not an assembly", "path")],
        )
    await _lock(session, space)
    await _ensure_composition_holds_seats(session, space, data)

    details = CouncilDetails.model_validate(
        data.model_dump(exclude={"composition"})
        | {"purpose": sanitize_translations(data.purpose)}
    )
    changes = apply_changes(space, details)
    if not space.is_council:
        space.is_council = True
        changes["is_council"] = [False, True]
    composition = await _replace_composition(session, space, data)
    changes.update(composition)

    if not changes:
        return await _council_read(session, space)
    record(
        session,
        actor,
        "council.configured",
        object_type="space",
        object_id=space.id,
        space_id=space.id,
        changes=changes,
    )
    await session.flush()
    return await _council_read(session, space)


async def _ensure_composition_holds_seats(
    session: AsyncSession, space: Space, data: CouncilWrite
) -> None:
    """409 if the new composition leaves fewer seats than are already in use."""
    allowed = {
        (requirement.sector, kind): count
        for requirement in data.composition
        for kind, count in (
            (SeatKind.TITULAR, requirement.titular_seats),
            (SeatKind.ALTERNATE, requirement.alternate_seats),
        )
    }
    in_use = await session.execute(
        select(CouncilSeat.sector, CouncilSeat.kind, func.count())
        .where(CouncilSeat.space_id == space.id, _current())
        .group_by(CouncilSeat.sector, CouncilSeat.kind)
    )
    over = [
        f"{sector} ({kind}: {count} seats, {allowed.get((sector, kind), 0)} given)"
        for sector, kind, count in in_use
        if count > allowed.get((sector, kind), 0)
    ]
    if over:
        raise ConflictError(
            "The composition gives fewer seats than the council has: "
            f"{'; '.join(sorted(over))}. Cease the extra seats first."
        )


async def _replace_composition(
    session: AsyncSession, space: Space, data: CouncilWrite
) -> dict[str, Any]:
    before = [
        requirement.model_dump()
        for requirement in await _requirements(session, space.id)
    ]
    after = [requirement.model_dump() for requirement in data.composition]
    if before == after:
        return {}
    await session.execute(
        delete(CouncilSectorRequirement).where(
            CouncilSectorRequirement.space_id == space.id
        )
    )
    session.add_all(
        CouncilSectorRequirement(space_id=space.id, **requirement)
        for requirement in after
    )
    return {"composition": [before, after]}


async def _council_read(session: AsyncSession, space: Space) -> CouncilRead:
    return CouncilRead(
        space_id=space.id,
        slug=space.slug,
        title=space.title,
        legal_act=space.legal_act,
        legal_act_date=space.legal_act_date,
        purpose=space.purpose,
        meeting_frequency=space.meeting_frequency,
        composition=await _requirements(session, space.id),
    )


async def _requirements(
    session: AsyncSession, space_id: int
) -> list[SectorRequirementRead]:
    rows = await session.scalars(
        select(CouncilSectorRequirement)
        .where(CouncilSectorRequirement.space_id == space_id)
        .order_by(CouncilSectorRequirement.id)
    )
    return [SectorRequirementRead.model_validate(row) for row in rows]


async def list_members(
    session: AsyncSession,
    viewer: User | None,
    space_id: int,
    *,
    include_ceased: bool,
    cursor: str | None = None,
    limit: int = 100,
) -> tuple[list[CouncilMemberRead], str | None]:
    """Who sits on a readable council; vacant seats are left out."""
    space = _ensure_council(await get_readable_space(session, viewer, space_id))
    statuses = [*OCCUPIED, SeatStatus.CEASED] if include_ceased else list(OCCUPIED)
    query = _seats_query(space.id).where(CouncilSeat.status.in_(statuses))
    rows, next_cursor = await _seat_page(session, query, cursor, limit)
    return [CouncilMemberRead.of(seat, holder) for seat, holder in rows], next_cursor


async def list_seats(
    session: AsyncSession,
    actor: User,
    space_id: int,
    *,
    status: SeatStatus | None = None,
    sector: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> tuple[list[SeatRead], str | None]:
    """Every seat of a council, vacant and ceased ones included, for its admins."""
    space = await _council_for(session, actor, space_id)
    query = _seats_query(space.id)
    if status is not None:
        query = query.where(CouncilSeat.status == status)
    if sector is not None:
        query = query.where(CouncilSeat.sector == sector)
    rows, next_cursor = await _seat_page(session, query, cursor, limit)
    return [SeatRead.of(seat, holder) for seat, holder in rows], next_cursor


_SEAT_ORDER = (
    case((CouncilSeat.status == SeatStatus.CEASED, 1), else_=0),
    func.coalesce(CouncilSectorRequirement.id, MAX_ID),
    CouncilSeat.sector,
    case((CouncilSeat.kind == SeatKind.TITULAR, 0), else_=1),
    _ROLE_RANK,
    CouncilSeat.id,
)
"""Current seats first, then sector by sector as the council's law lists them
(sectors outside it last), titulars before alternates, officers before members."""
_SEAT_KEY_TYPES = (int, int, str, int, int, int)


async def _seat_page(
    session: AsyncSession, query: Select[Any], cursor: str | None, limit: int
) -> tuple[list[tuple[CouncilSeat, str | None]], str | None]:
    """One page of seats in the composition's order; the cursor carries the key."""
    if cursor is not None:
        after = decode_cursor(cursor, _SEAT_KEY_TYPES)
        query = query.where(
            tuple_(*_SEAT_ORDER) > tuple_(*(literal(value) for value in after))
        )
    rows = (await session.execute(query.limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(rows[-1][2:]))
    return [(row[0], row[1]) for row in rows], next_cursor


def _seats_query(space_id: int) -> Select[Any]:
    """Seats with their holders' public names and sort keys, in _SEAT_ORDER."""
    requirement = CouncilSectorRequirement
    return (
        select(CouncilSeat, _HOLDER, *_SEAT_ORDER)
        .outerjoin(User, User.id == CouncilSeat.holder_user_id)
        .outerjoin(
            requirement,
            and_(
                requirement.space_id == CouncilSeat.space_id,
                requirement.sector == CouncilSeat.sector,
            ),
        )
        .where(CouncilSeat.space_id == space_id)
        .order_by(*_SEAT_ORDER)
    )


async def create_seat(
    session: AsyncSession, actor: User, space_id: int, data: SeatCreate
) -> SeatRead:
    """Add a seat to a council: vacant, or held from the start."""
    space = await _council_for(session, actor, space_id, lock=True)
    has_holder = data.holder_user_id is not None or data.holder_name is not None
    status = data.status or (SeatStatus.NOMINATED if has_holder else SeatStatus.VACANT)
    seat = CouncilSeat(
        space_id=space.id, status=status, **data.model_dump(exclude={"status"})
    )
    await _ensure_consistent(session, seat)

    session.add(seat)
    await session.flush()
    held = _HeldSeat(seat, await _holder_of(session, seat))
    changes = {
        field: [None, value]
        for field, value in data.model_dump(mode="json", exclude_none=True).items()
    }
    changes["status"] = [None, status]
    _record_seat(session, actor, "council_seat.created", seat, changes)
    if status == SeatStatus.ACTIVE:
        _record_filled(session, actor, held)
    return SeatRead.of(*held)


async def update_seat(
    session: AsyncSession, actor: User, space_id: int, seat_id: int, data: SeatUpdate
) -> SeatRead:
    """Change a seat's holder, role, sector, pairing, term or status."""
    space = await _council_for(session, actor, space_id, lock=True)
    seat = await _seat_in(session, space, seat_id)
    if seat.status == SeatStatus.CEASED:
        raise ConflictError("A ceased seat is history and cannot change.")
    old_status, old_kind = seat.status, seat.kind
    if data.status is not None and data.status != old_status:
        _ensure_transition(old_status, data.status)

    changes = apply_changes(seat, data)
    if old_kind == SeatKind.TITULAR and {"sector", "kind"} & changes.keys():
        await _ensure_no_alternates(session, seat)
    await _ensure_consistent(session, seat, changed=changes.keys())

    await session.flush()
    held = _HeldSeat(seat, await _holder_of(session, seat))
    if changes:
        _record_seat(session, actor, "council_seat.updated", seat, changes)
    if seat.status == SeatStatus.ACTIVE and old_status in (
        SeatStatus.VACANT,
        SeatStatus.NOMINATED,
    ):
        _record_filled(session, actor, held)
    return SeatRead.of(*held)


async def cease_seat(
    session: AsyncSession, actor: User, space_id: int, seat_id: int, data: SeatCease
) -> SeatCeased:
    """End a seat, keeping it as history; optionally open a vacant one in its place."""
    space = await _council_for(session, actor, space_id, lock=True)
    seat = await _seat_in(session, space, seat_id)
    if seat.status == SeatStatus.CEASED:
        raise ConflictError("The seat has already ceased.")

    changes: dict[str, Any] = {
        "status": [seat.status, SeatStatus.CEASED],
        "ceased_reason": [None, data.reason],
    }
    seat.status = SeatStatus.CEASED
    seat.ceased_at = utcnow()
    seat.ceased_reason = data.reason
    replacement, moved = (
        await _replace_seat(session, seat) if data.replace else (None, [])
    )
    await session.flush()

    if replacement is not None:
        changes["replacement_seat_id"] = [None, replacement.id]
    if moved:
        changes["alternates_moved"] = moved
    _record_seat(session, actor, "council_seat.ceased", seat, changes)
    ceased = SeatRead.of(seat, await _holder_of(session, seat))
    if replacement is None:
        return SeatCeased(ceased=ceased, replacement=None)
    _record_seat(
        session,
        actor,
        "council_seat.created",
        replacement,
        {"status": [None, SeatStatus.VACANT], "replaces_seat_id": [None, seat.id]},
    )
    return SeatCeased(ceased=ceased, replacement=SeatRead.of(replacement, None))


async def _replace_seat(
    session: AsyncSession, seat: CouncilSeat
) -> tuple[CouncilSeat, list[int]]:
    """A vacant seat in ``seat``'s slot, and the ids of the alternates moved to it."""
    replacement = CouncilSeat(
        space_id=seat.space_id,
        sector=seat.sector,
        role=seat.role,
        kind=seat.kind,
        titular_seat_id=seat.titular_seat_id,
        organisation=seat.organisation,
        status=SeatStatus.VACANT,
    )
    session.add(replacement)
    await session.flush()
    alternates = await session.scalars(
        select(CouncilSeat).where(CouncilSeat.titular_seat_id == seat.id, _current())
    )
    moved = []
    for alternate in alternates:
        alternate.titular_seat_id = replacement.id
        moved.append(alternate.id)
    return replacement, moved


def _ensure_transition(old: SeatStatus, new: SeatStatus) -> None:
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(TRANSITIONS[old])) or "none"
        raise ConflictError(
            f"A seat cannot go from {old} to {new} (from {old}: {allowed}). "
            "To change who holds an active seat, cease it with replace=true."
        )


async def _ensure_consistent(
    session: AsyncSession,
    seat: CouncilSeat,
    *,
    changed: AbstractSet[str] | None = None,
) -> None:
    """Check the seat as it would be saved: term, holder, sector, pairing.

    ``changed`` names the fields an update changed (None for a new seat); rules
    about other rows are checked only when the fields they concern changed, so
    that a seat whose titular ceased can still have its term corrected.
    """

    def touched(*fields: str) -> bool:
        return changed is None or bool(changed & set(fields))

    _ensure_term(seat)
    _ensure_holder(seat)
    if seat.holder_user_id is not None and touched("holder_user_id"):
        await _ensure_account(session, seat.holder_user_id)
    if seat.kind == SeatKind.TITULAR and seat.titular_seat_id is not None:
        raise _invalid("titular_seat_id", "only an alternate pairs with a titular")
    if seat.kind == SeatKind.ALTERNATE and touched("sector", "kind", "titular_seat_id"):
        await _ensure_pairing(session, seat)
    if touched("sector", "kind"):
        await _ensure_room_in_sector(session, seat)


def _ensure_term(seat: CouncilSeat) -> None:
    if seat.term_start and seat.term_end and seat.term_end < seat.term_start:
        raise _invalid("term_end", "the term cannot end before it starts")


def _ensure_holder(seat: CouncilSeat) -> None:
    has_user, has_name = seat.holder_user_id is not None, seat.holder_name is not None
    if has_user and has_name:
        raise _invalid("holder_name", "give holder_user_id or holder_name, not both")
    if seat.status == SeatStatus.VACANT and (has_user or has_name):
        raise _invalid(
            "status", "a vacant seat has no holder; clear it or choose a status"
        )
    if seat.status in OCCUPIED and not (has_user or has_name):
        raise _invalid(
            "holder_user_id", f"a {seat.status} seat needs a holder (or a name)"
        )


async def _ensure_account(session: AsyncSession, user_id: int) -> None:
    holder = await session.get(User, user_id)
    if holder is None or holder.deleted_at is not None:
        raise _invalid("holder_user_id", "there is no such account")


async def _ensure_room_in_sector(session: AsyncSession, seat: CouncilSeat) -> None:
    """The composition caps the current seats of each sector and kind."""
    column = (
        CouncilSectorRequirement.titular_seats
        if seat.kind == SeatKind.TITULAR
        else CouncilSectorRequirement.alternate_seats
    )
    given = await session.scalar(
        select(column).where(
            CouncilSectorRequirement.space_id == seat.space_id,
            CouncilSectorRequirement.sector == seat.sector,
        )
    )
    if given is None:
        raise _invalid("sector", f"{seat.sector!r} is not in the council's composition")
    others = select(func.count()).where(
        CouncilSeat.space_id == seat.space_id,
        CouncilSeat.sector == seat.sector,
        CouncilSeat.kind == seat.kind,
        _current(),
    )
    if seat.id is not None:
        others = others.where(CouncilSeat.id != seat.id)
    if (await session.scalar(others) or 0) >= given:
        raise ConflictError(
            f"The composition gives {seat.sector} {given} {seat.kind} seat(s), "
            "all in place; cease one or change the composition first."
        )


async def _ensure_pairing(session: AsyncSession, seat: CouncilSeat) -> None:
    """An alternate stands in for one current titular of its council and sector."""
    if seat.titular_seat_id is None:
        raise _invalid("titular_seat_id", "an alternate needs its titular seat")
    titular = await session.scalar(
        select(CouncilSeat).where(
            CouncilSeat.id == seat.titular_seat_id,
            CouncilSeat.space_id == seat.space_id,
            CouncilSeat.sector == seat.sector,
            CouncilSeat.kind == SeatKind.TITULAR,
            _current(),
        )
    )
    if titular is None or titular is seat:
        raise _invalid(
            "titular_seat_id",
            "must be a current titular seat of the same council and sector",
        )
    paired = select(CouncilSeat.id).where(
        CouncilSeat.titular_seat_id == titular.id,
        CouncilSeat.kind == SeatKind.ALTERNATE,
        _current(),
    )
    if seat.id is not None:
        paired = paired.where(CouncilSeat.id != seat.id)
    if await session.scalar(paired.limit(1)) is not None:
        raise ConflictError(f"Seat {titular.id} already has an alternate.")


async def _ensure_no_alternates(session: AsyncSession, seat: CouncilSeat) -> None:
    alternate = await session.scalar(
        select(CouncilSeat.id)
        .where(CouncilSeat.titular_seat_id == seat.id, _current())
        .limit(1)
    )
    if alternate is not None:
        raise ConflictError(
            f"Seat {seat.id} has an alternate (seat {alternate}); pair it with "
            "another titular before changing this seat's sector or kind."
        )


async def _council_for(
    session: AsyncSession, actor: User, space_id: int, *, lock: bool = False
) -> Space:
    space = _ensure_council(
        await get_space_for(session, actor, Action.MANAGE_SPACE, space_id)
    )
    if lock:
        await _lock(session, space)
    return space


def _ensure_council(space: Space) -> Space:
    if not space.is_council:
        raise NotFoundError(f"Space {space.id} is not a council.")
    return space


async def _lock(session: AsyncSession, space: Space) -> None:
    """Serialise writes to one council (a no-op on SQLite, whose writers queue)."""
    await session.execute(
        select(Space.id).where(Space.id == space.id).with_for_update()
    )


async def _seat_in(session: AsyncSession, space: Space, seat_id: int) -> CouncilSeat:
    seat = await session.get(CouncilSeat, seat_id)
    if seat is None or seat.space_id != space.id:
        raise NotFoundError(f"Council {space.id} has no seat {seat_id}.")
    return seat


async def _holder_of(session: AsyncSession, seat: CouncilSeat) -> str | None:
    if seat.holder_user_id is None:
        return seat.holder_name
    holder = await session.get(User, seat.holder_user_id)
    if holder is None or holder.deleted_at is not None:
        return None
    return holder.name


def _current() -> ColumnElement[bool]:
    return CouncilSeat.status != SeatStatus.CEASED


def _record_seat(
    session: AsyncSession,
    actor: User,
    action: str,
    seat: CouncilSeat,
    changes: dict[str, Any],
) -> None:
    record(
        session,
        actor,
        action,
        object_type="council_seat",
        object_id=seat.id,
        space_id=seat.space_id,
        changes=changes,
    )


def _record_filled(session: AsyncSession, actor: User, held: _HeldSeat) -> None:
    """The public timeline learns who took the seat: a public name, nothing more."""
    seat = held.seat
    record(
        session,
        actor,
        "council_seat.filled",
        object_type="council_seat",
        object_id=seat.id,
        space_id=seat.space_id,
        changes={
            "holder": held.holder,
            "sector": seat.sector,
            "kind": seat.kind,
            "role": seat.role,
        },
        public=True,
    )


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"{field}: {message}.", errors=[_error(field, message, "body")]
    )


def _error(field: str, message: str, location: str) -> dict[str, str]:
    return {"field": field, "location": location, "message": message}


async def composition_report(
    session: AsyncSession, actor: User, *, today: date, ending_within_days: int
) -> CompositionReport:
    """Required against held seats, sector by sector, for every council.

    Four queries whatever the number of councils: the councils, their
    compositions, seat counts grouped in SQL, and the seats that need attention.
    """
    await ensure_can(session, actor, Action.VIEW_COUNCIL_REPORT)
    ending_by = today + timedelta(days=ending_within_days)

    councils = (
        await session.scalars(select(Space).where(Space.is_council).order_by(Space.id))
    ).all()
    requirements = await _all_requirements(session)
    counts = await _seat_counts(session, today, ending_by)
    attention = await _attention_seats(session, today, ending_by)

    compositions = [
        _council_composition(
            council,
            requirements.get(council.id, []),
            counts.get(council.id, {}),
            attention.get(council.id, []),
            today,
            ending_by,
        )
        for council in councils
    ]
    return CompositionReport(
        today=today,
        ending_by=ending_by,
        councils_with_vacancies=sum(c.flags.has_vacancies for c in compositions),
        councils_with_expired=sum(c.flags.has_expired for c in compositions),
        councils=compositions,
    )


_Counts = dict[tuple[str, SeatKind], dict[str, int]]


async def _all_requirements(
    session: AsyncSession,
) -> dict[int, list[CouncilSectorRequirement]]:
    rows = await session.scalars(
        select(CouncilSectorRequirement)
        .join(Space, Space.id == CouncilSectorRequirement.space_id)
        .where(Space.is_council)
        .order_by(CouncilSectorRequirement.id)
    )
    by_council: dict[int, list[CouncilSectorRequirement]] = defaultdict(list)
    for requirement in rows:
        by_council[requirement.space_id].append(requirement)
    return by_council


async def _seat_counts(
    session: AsyncSession, today: date, ending_by: date
) -> dict[int, _Counts]:
    """Current seats counted per council, sector, kind and status, in SQL."""
    occupied = CouncilSeat.status.in_(OCCUPIED)
    expired = and_(occupied, CouncilSeat.term_end < today)
    ending = and_(occupied, CouncilSeat.term_end.between(today, ending_by))
    rows = await session.execute(
        select(
            CouncilSeat.space_id,
            CouncilSeat.sector,
            CouncilSeat.kind,
            CouncilSeat.status,
            func.count(),
            func.sum(case((expired, 1), else_=0)),
            func.sum(case((ending, 1), else_=0)),
        )
        .join(Space, Space.id == CouncilSeat.space_id)
        .where(Space.is_council, _current())
        .group_by(
            CouncilSeat.space_id,
            CouncilSeat.sector,
            CouncilSeat.kind,
            CouncilSeat.status,
        )
    )
    counts: dict[int, _Counts] = defaultdict(dict)
    for space_id, sector, kind, status, seats, n_expired, n_ending in rows:
        tally = counts[space_id].setdefault((sector, SeatKind(kind)), defaultdict(int))
        tally[status] += seats
        tally["expired"] += n_expired
        tally["ending_soon"] += n_ending
    return counts


async def _attention_seats(
    session: AsyncSession, today: date, ending_by: date
) -> dict[int, list[ReportSeat]]:
    """Occupied seats whose term ends by ``ending_by``, and pending ones."""
    rows = await session.execute(
        select(CouncilSeat, _HOLDER)
        .join(Space, Space.id == CouncilSeat.space_id)
        .outerjoin(User, User.id == CouncilSeat.holder_user_id)
        .where(
            Space.is_council,
            CouncilSeat.status.in_(OCCUPIED),
            (CouncilSeat.term_end <= ending_by)
            | (CouncilSeat.status == SeatStatus.PENDING_REGULARISATION),
        )
        .order_by(CouncilSeat.term_end, CouncilSeat.id)
    )
    by_council: dict[int, list[ReportSeat]] = defaultdict(list)
    for seat, holder in rows:
        by_council[seat.space_id].append(
            ReportSeat(
                id=seat.id,
                sector=seat.sector,
                kind=seat.kind,
                role=seat.role,
                holder=holder,
                status=seat.status,
                term_end=seat.term_end,
            )
        )
    return by_council


def _council_composition(
    council: Space,
    requirements: list[CouncilSectorRequirement],
    counts: _Counts,
    attention: list[ReportSeat],
    today: date,
    ending_by: date,
) -> CouncilComposition:
    sectors = _sector_compositions(requirements, counts)
    totals = _sum_figures([f for c in sectors for f in (c.titular, c.alternate)])
    return CouncilComposition(
        space_id=council.id,
        slug=council.slug,
        title=council.title,
        scope_id=council.scope_id,
        status=council.status,
        visibility=council.visibility,
        flags=CouncilFlags(
            has_vacancies=totals.unfilled > 0 or totals.vacant > 0,
            has_expired=totals.expired > 0,
            has_terms_ending=totals.ending_soon > 0,
            has_pending_regularisation=totals.pending_regularisation > 0,
        ),
        totals=totals,
        sectors=sectors,
        ending_soon_seats=[
            s for s in attention if s.term_end and today <= s.term_end <= ending_by
        ],
        expired_seats=[s for s in attention if s.term_end and s.term_end < today],
        pending_seats=[
            s for s in attention if s.status == SeatStatus.PENDING_REGULARISATION
        ],
    )


def _sector_compositions(
    requirements: list[CouncilSectorRequirement], counts: _Counts
) -> list[SectorComposition]:
    """Sectors in the composition's order, then any others that still have seats."""
    given = {
        (requirement.sector, kind): seats
        for requirement in requirements
        for kind, seats in (
            (SeatKind.TITULAR, requirement.titular_seats),
            (SeatKind.ALTERNATE, requirement.alternate_seats),
        )
    }
    sectors = [requirement.sector for requirement in requirements]
    sectors += sorted({sector for sector, _kind in counts} - set(sectors))

    def figures(sector: str, kind: SeatKind) -> SeatFigures:
        return _figures(given.get((sector, kind), 0), counts.get((sector, kind), {}))

    return [
        SectorComposition(
            sector=sector,
            titular=figures(sector, SeatKind.TITULAR),
            alternate=figures(sector, SeatKind.ALTERNATE),
        )
        for sector in sectors
    ]


def _figures(required: int, tally: dict[str, int]) -> SeatFigures:
    occupied = sum(tally.get(status, 0) for status in OCCUPIED)
    return SeatFigures(
        required=required,
        occupied=occupied,
        unfilled=max(required - occupied, 0),
        vacant=tally.get(SeatStatus.VACANT, 0),
        nominated=tally.get(SeatStatus.NOMINATED, 0),
        active=tally.get(SeatStatus.ACTIVE, 0),
        pending_regularisation=tally.get(SeatStatus.PENDING_REGULARISATION, 0),
        ending_soon=tally.get("ending_soon", 0),
        expired=tally.get("expired", 0),
    )


def _sum_figures(figures: list[SeatFigures]) -> SeatFigures:
    fields = SeatFigures.model_fields
    return SeatFigures(
        **{name: sum(getattr(f, name) for f in figures) for name in fields}
    )
