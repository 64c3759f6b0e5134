"""Councils: legal basis and composition, seats and members, the composition report."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import CurrentUser, OptionalUser, SessionDep, Today
from app.models.councils import SeatStatus
from app.routers.links import set_next_link
from app.schemas.base import MAX_ID
from app.schemas.councils import (
    CompositionReport,
    CouncilMemberRead,
    CouncilRead,
    CouncilWrite,
    SeatCease,
    SeatCeased,
    SeatCreate,
    SeatRead,
    SeatUpdate,
    Sector,
)
from app.schemas.pagination import Cursor, Limit, Page
from app.services import councils

router = APIRouter(tags=["councils"])

SpaceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The council's space.")]
SeatId = Annotated[int, Path(ge=1, le=MAX_ID, description="A seat of that council.")]


@router.get("/spaces/{space_id}/council", name="get")
async def get_council(
    space_id: SpaceId, viewer: OptionalUser, session: SessionDep
) -> CouncilRead:
    """The council's legal basis, purpose, meeting frequency and composition."""
    return await councils.get_council(session, viewer, space_id)


@router.put("/spaces/{space_id}/council", name="configure")
async def configure_council(
    space_id: SpaceId, body: CouncilWrite, user: CurrentUser, session: SessionDep
) -> CouncilRead:
    """Make an assembly a council, or redefine it; the composition is replaced."""
    return await councils.configure_council(session, user, space_id, body)


@router.get("/spaces/{space_id}/council/members", name="list_members")
async def list_members(
    request: Request,
    response: Response,
    space_id: SpaceId,
    viewer: OptionalUser,
    session: SessionDep,
    include_ceased: Annotated[
        bool, Query(description="Also list former holders (ceased seats).")
    ] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[CouncilMemberRead]:
    """Who sits on the council: names, roles, sectors and terms."""
    members, next_cursor = await councils.list_members(
        session,
        viewer,
        space_id,
        include_ceased=include_ceased,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, next_cursor)
    return Page(items=members, next_cursor=next_cursor)


@router.get("/spaces/{space_id}/council/seats", name="list_seats")
async def list_seats(
    request: Request,
    response: Response,
    space_id: SpaceId,
    user: CurrentUser,
    session: SessionDep,
    seat_status: Annotated[SeatStatus | None, Query(alias="status")] = None,
    sector: Annotated[Sector | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[SeatRead]:
    """Every seat of the council, vacant and ceased included."""
    seats, next_cursor = await councils.list_seats(
        session,
        user,
        space_id,
        status=seat_status,
        sector=sector,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, next_cursor)
    return Page(items=seats, next_cursor=next_cursor)


@router.post(
    "/spaces/{space_id}/council/seats",
    name="create_seat",
    status_code=status.HTTP_201_CREATED,
)
async def create_seat(
    space_id: SpaceId, body: SeatCreate, user: CurrentUser, session: SessionDep
) -> SeatRead:
    """Add a seat to the council's composition, vacant or with its holder."""
    return await councils.create_seat(session, user, space_id, body)


@router.patch("/spaces/{space_id}/council/seats/{seat_id}", name="update_seat")
async def update_seat(
    space_id: SpaceId,
    seat_id: SeatId,
    body: SeatUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> SeatRead:
    """Change a seat's holder, role, sector, pairing, term or status."""
    return await councils.update_seat(session, user, space_id, seat_id, body)


@router.post("/spaces/{space_id}/council/seats/{seat_id}/cease", name="cease_seat")
async def cease_seat(
    space_id: SpaceId,
    seat_id: SeatId,
    body: SeatCease,
    user: CurrentUser,
    session: SessionDep,
) -> SeatCeased:
    """End a seat, keeping it as history; optionally open a vacant one in its place."""
    return await councils.cease_seat(session, user, space_id, seat_id, body)


@router.get("/councils/composition-report", name="composition_report")
async def composition_report(
    user: CurrentUser,
    session: SessionDep,
    today: Today,
    ending_within_days: Annotated[
        int,
        Query(ge=0, le=3650, description="Flag terms ending within this many days."),
    ] = 60,
) -> CompositionReport:
    """Required against held seats, per sector, of every council (org admins)."""
    return await councils.composition_report(
        session,
        user,
        today=today,
        ending_within_days=ending_within_days,
    )
