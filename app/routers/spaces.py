"""Endpoints of the spaces domain: spaces, phases, members, roles, timeline."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import (
    CurrentUser,
    FilterId,
    OptionalUser,
    PathId,
    SessionDep,
    Today,
)
from app.models.spaces import SpaceKind
from app.routers.links import set_next_link
from app.schemas.pagination import Cursor, Limit, Page
from app.schemas.spaces import (
    MemberAdd,
    MemberRead,
    PhaseCreate,
    PhaseOrder,
    PhaseRead,
    PhaseUpdate,
    RoleGrant,
    RoleRead,
    SpaceCreate,
    SpacePeriod,
    SpaceRead,
    SpaceUpdate,
    TimelineEntryRead,
)
from app.services import phases, spaces, timeline

SpaceId = PathId
PhaseId = PathId
UserId = PathId
RoleId = PathId

spaces_router = APIRouter(prefix="/spaces", tags=["spaces"])


@spaces_router.get("", name="list")
async def list_spaces(
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    today: Today,
    kind: SpaceKind | None = None,
    scope_id: Annotated[
        FilterId, Query(description="A scope; its descendants are included.")
    ] = None,
    area_id: FilterId = None,
    interest_group_id: FilterId = None,
    period: Annotated[
        SpacePeriod | None,
        Query(
            alias="status",
            description="Upcoming (starts later), active (under way) or past "
            "(ended), against today in the organisation's time zone.",
        ),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in the title.")
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[SpaceRead]:
    """Spaces the reader may see, latest start first, undated ones last."""
    filters = spaces.SpaceFilters(
        kind=kind,
        scope_id=scope_id,
        area_id=area_id,
        interest_group_id=interest_group_id,
        period=period,
        text=q.strip() if q else None,
    )
    views, next_cursor = await spaces.list_spaces(
        session, viewer, filters, today=today, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(
        items=[SpaceRead.model_validate(view) for view in views],
        next_cursor=next_cursor,
    )


@spaces_router.get("/{id_or_slug}", name="get")
async def get_space(
    id_or_slug: Annotated[str, Path(max_length=80)],
    viewer: OptionalUser,
    session: SessionDep,
) -> SpaceRead:
    """A space by id (digits) or slug, if the reader may see it."""
    return SpaceRead.model_validate(await spaces.get_space(session, viewer, id_or_slug))


@spaces_router.post("", name="create", status_code=status.HTTP_201_CREATED)
async def create_space(
    body: SpaceCreate, user: CurrentUser, session: SessionDep
) -> SpaceRead:
    """Create a space as a draft (organisation admins)."""
    return SpaceRead.model_validate(await spaces.create_space(session, user, body))


@spaces_router.patch("/{space_id}", name="update")
async def update_space(
    space_id: SpaceId, body: SpaceUpdate, user: CurrentUser, session: SessionDep
) -> SpaceRead:
    """Change a space's fields (space admins)."""
    return SpaceRead.model_validate(
        await spaces.update_space(session, user, space_id, body)
    )


@spaces_router.post("/{space_id}/publish", name="publish")
async def publish_space(
    space_id: SpaceId, user: CurrentUser, session: SessionDep
) -> SpaceRead:
    """Publish a draft or archived space; its timeline records it."""
    return SpaceRead.model_validate(await spaces.publish_space(session, user, space_id))


@spaces_router.post("/{space_id}/unpublish", name="unpublish")
async def unpublish_space(
    space_id: SpaceId, user: CurrentUser, session: SessionDep
) -> SpaceRead:
    """Take a space back to draft, visible to its admins only."""
    return SpaceRead.model_validate(
        await spaces.unpublish_space(session, user, space_id)
    )


@spaces_router.post("/{space_id}/archive", name="archive")
async def archive_space(
    space_id: SpaceId, user: CurrentUser, session: SessionDep
) -> SpaceRead:
    """Archive a published space: still readable, marked as finished."""
    return SpaceRead.model_validate(await spaces.archive_space(session, user, space_id))


phases_router = APIRouter(prefix="/spaces/{space_id}/phases", tags=["phases"])


@phases_router.get("", name="list")
async def list_phases(
    space_id: SpaceId, viewer: OptionalUser, session: SessionDep
) -> list[PhaseRead]:
    """The phases of a process in order, with the active one marked."""
    found = await phases.list_phases(session, viewer, space_id)
    return [PhaseRead.model_validate(phase) for phase in found]


@phases_router.get("/{phase_id}", name="get")
async def get_phase(
    space_id: SpaceId, phase_id: PhaseId, viewer: OptionalUser, session: SessionDep
) -> PhaseRead:
    """One phase of a process."""
    return PhaseRead.model_validate(
        await phases.get_phase(session, viewer, space_id, phase_id)
    )


@phases_router.post("", name="create", status_code=status.HTTP_201_CREATED)
async def create_phase(
    space_id: SpaceId, body: PhaseCreate, user: CurrentUser, session: SessionDep
) -> PhaseRead:
    """Add a phase after the last one (space admins)."""
    return PhaseRead.model_validate(
        await phases.create_phase(session, user, space_id, body)
    )


@phases_router.put("/order", name="reorder")
async def reorder_phases(
    space_id: SpaceId, body: PhaseOrder, user: CurrentUser, session: SessionDep
) -> list[PhaseRead]:
    """Put the phases in the given order; every phase must be named once."""
    ordered = await phases.reorder_phases(session, user, space_id, body.phase_ids)
    return [PhaseRead.model_validate(phase) for phase in ordered]


@phases_router.patch("/{phase_id}", name="update")
async def update_phase(
    space_id: SpaceId,
    phase_id: PhaseId,
    body: PhaseUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> PhaseRead:
    """Change a phase's title, description or dates (space admins)."""
    return PhaseRead.model_validate(
        await phases.update_phase(session, user, space_id, phase_id, body)
    )


@phases_router.delete(
    "/{phase_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_phase(
    space_id: SpaceId, phase_id: PhaseId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a phase; the others close ranks."""
    await phases.delete_phase(session, user, space_id, phase_id)


@phases_router.post("/{phase_id}/activate", name="activate")
async def activate_phase(
    space_id: SpaceId, phase_id: PhaseId, user: CurrentUser, session: SessionDep
) -> PhaseRead:
    """Make this the active phase, ending the previous one; the timeline says so."""
    return PhaseRead.model_validate(
        await phases.activate_phase(session, user, space_id, phase_id)
    )


members_router = APIRouter(prefix="/spaces/{space_id}/members", tags=["space_members"])


@members_router.get("", name="list")
async def list_members(
    space_id: SpaceId,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[MemberRead]:
    """The members admitted to a space, by user id (space admins)."""
    members, next_cursor = await spaces.list_members(
        session, user, space_id, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(
        items=[MemberRead.model_validate(member) for member in members],
        next_cursor=next_cursor,
    )


@members_router.post("", name="add", status_code=status.HTTP_201_CREATED)
async def add_member(
    space_id: SpaceId, body: MemberAdd, user: CurrentUser, session: SessionDep
) -> MemberRead:
    """Admit a participant to a private space (space admins)."""
    return MemberRead.model_validate(
        await spaces.add_member(session, user, space_id, body.user_id)
    )


@members_router.delete(
    "/{user_id}", name="remove", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_member(
    space_id: SpaceId, user_id: UserId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a member from a space (space admins)."""
    await spaces.remove_member(session, user, space_id, user_id)


roles_router = APIRouter(prefix="/spaces/{space_id}/roles", tags=["space_roles"])


@roles_router.get("", name="list")
async def list_roles(
    space_id: SpaceId,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[RoleRead]:
    """Who holds which role in a space, oldest grant first (space admins)."""
    roles, next_cursor = await spaces.list_roles(
        session, user, space_id, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(
        items=[RoleRead.model_validate(role) for role in roles],
        next_cursor=next_cursor,
    )


@roles_router.post("", name="grant", status_code=status.HTTP_201_CREATED)
async def grant_role(
    space_id: SpaceId, body: RoleGrant, user: CurrentUser, session: SessionDep
) -> RoleRead:
    """Give a user a role in a space: admin, collaborator, moderator or evaluator."""
    return RoleRead.model_validate(
        await spaces.grant_role(session, user, space_id, body.user_id, body.role)
    )


@roles_router.delete(
    "/{role_id}", name="revoke", status_code=status.HTTP_204_NO_CONTENT
)
async def revoke_role(
    space_id: SpaceId, role_id: RoleId, user: CurrentUser, session: SessionDep
) -> None:
    """Take a role away (space admins)."""
    await spaces.revoke_role(session, user, space_id, role_id)


timeline_router = APIRouter(prefix="/spaces/{space_id}/timeline", tags=["timeline"])


@timeline_router.get("", name="list")
async def list_timeline(
    space_id: SpaceId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[TimelineEntryRead]:
    """What happened in a space, newest first: the action and its object, no more."""
    entries, next_cursor = await timeline.list_timeline(
        session, viewer, space_id, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(
        items=[TimelineEntryRead.model_validate(entry) for entry in entries],
        next_cursor=next_cursor,
    )


router = APIRouter()
for _router in (
    spaces_router,
    phases_router,
    members_router,
    roles_router,
    timeline_router,
):
    router.include_router(_router)
