"""Endpoints of the components domain: typed features of a space."""

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, OptionalUser, PathId, SessionDep
from app.routers.links import set_next_link
from app.schemas.components import (
    ComponentCreate,
    ComponentOrder,
    ComponentRead,
    ComponentUpdate,
    Switches,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from app.services import components

router = APIRouter(tags=["components"])


@router.get("/spaces/{space_id}/components", name="list")
async def list_components(
    space_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ComponentRead]:
    """A space's components in their order; unpublished ones only for its team."""
    after = decode_cursor(cursor, (int, int)) if cursor else None
    rows = await components.list_components(
        session,
        viewer,
        space_id,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor([last.position, last.id])
    set_next_link(request, response, next_cursor)
    return Page(
        items=[ComponentRead.of(*row) for row in rows[:limit]],
        next_cursor=next_cursor,
    )


@router.post(
    "/spaces/{space_id}/components",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_component(
    space_id: PathId, body: ComponentCreate, user: CurrentUser, session: SessionDep
) -> ComponentRead:
    """Add an unpublished component of a type, with settings checked for that type."""
    return ComponentRead.of(
        *await components.create_component(session, user, space_id, body)
    )


@router.put("/spaces/{space_id}/components/order", name="reorder")
async def reorder_components(
    space_id: PathId, body: ComponentOrder, user: CurrentUser, session: SessionDep
) -> list[ComponentRead]:
    """Put every component of the space in the given order."""
    rows = await components.reorder_components(session, user, space_id, body.ids)
    return [ComponentRead.of(*row) for row in rows]


@router.get("/components/{component_id}", name="get")
async def get_component(
    component_id: PathId, viewer: OptionalUser, session: SessionDep
) -> ComponentRead:
    """A component with its settings and the switches in force now."""
    return ComponentRead.of(
        *await components.get_component(session, viewer, component_id)
    )


@router.patch("/components/{component_id}", name="update")
async def update_component(
    component_id: PathId, body: ComponentUpdate, user: CurrentUser, session: SessionDep
) -> ComponentRead:
    """Change a component's name, settings or default switches."""
    return ComponentRead.of(
        *await components.update_component(session, user, component_id, body)
    )


@router.delete(
    "/components/{component_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_component(
    component_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Delete a component that holds no content (409 otherwise)."""
    await components.delete_component(session, user, component_id)


@router.post("/components/{component_id}/publish", name="publish")
async def publish_component(
    component_id: PathId, user: CurrentUser, session: SessionDep
) -> ComponentRead:
    """Show the component to everyone who may read its space."""
    return ComponentRead.of(
        *await components.publish_component(session, user, component_id)
    )


@router.post("/components/{component_id}/unpublish", name="unpublish")
async def unpublish_component(
    component_id: PathId, user: CurrentUser, session: SessionDep
) -> ComponentRead:
    """Hide the component, and everything in it, from the public again."""
    return ComponentRead.of(
        *await components.unpublish_component(session, user, component_id)
    )


@router.put(
    "/components/{component_id}/phase-switches/{phase_id}",
    name="set_phase_switches",
)
async def set_phase_switches(
    component_id: PathId,
    phase_id: PathId,
    body: Switches,
    user: CurrentUser,
    session: SessionDep,
) -> ComponentRead:
    """Set what the component allows while a phase of its space is active."""
    return ComponentRead.of(
        *await components.set_phase_switches(
            session, user, component_id, phase_id, body
        )
    )
