"""Scopes, area types, areas and interest groups: public reads, admin writes."""

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel

from app.deps import CurrentUser, FilterId, PathId, SessionDep, get_optional_user
from app.models.taxonomies import InterestGroupKind, ScopeType
from app.routers.links import set_next_link
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from app.schemas.taxonomies import (
    AreaCreate,
    AreaRead,
    AreaTypeCreate,
    AreaTypeRead,
    AreaTypeUpdate,
    AreaUpdate,
    InterestGroupCreate,
    InterestGroupRead,
    InterestGroupUpdate,
    ScopeCreate,
    ScopeDetail,
    ScopeRead,
    ScopeUpdate,
)
from app.services import taxonomies

R = TypeVar("R", bound=BaseModel)

ADMIN_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not an organisation admin"},
}
Id = PathId

_TOKEN_CHECKED = [Depends(get_optional_user, scope="function")]
"""Reads are public, but a bad token is a 401 here as on every other endpoint."""

scopes = APIRouter(prefix="/scopes", tags=["scopes"], dependencies=_TOKEN_CHECKED)
area_types = APIRouter(
    prefix="/area-types", tags=["area_types"], dependencies=_TOKEN_CHECKED
)
areas = APIRouter(prefix="/areas", tags=["areas"], dependencies=_TOKEN_CHECKED)
interest_groups = APIRouter(
    prefix="/interest-groups", tags=["interest_groups"], dependencies=_TOKEN_CHECKED
)


def _page(
    rows: Sequence[Any],
    read: type[R],
    limit: int,
    request: Request,
    response: Response,
) -> Page[R]:
    """The first ``limit`` rows; the extra one, if fetched, means a next page."""
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    set_next_link(request, response, next_cursor)
    return Page(
        items=[read.model_validate(row) for row in rows[:limit]],
        next_cursor=next_cursor,
    )


def _after(cursor: str | None) -> int | None:
    return int(decode_cursor(cursor, (int,))[0]) if cursor else None


# Scopes


@scopes.get("", name="list")
async def list_scopes(
    session: SessionDep,
    request: Request,
    response: Response,
    parent_id: Annotated[
        int | None,
        Query(ge=1, le=2**63 - 1, description="Only the children of this scope."),
    ] = None,
    type: ScopeType | None = None,
    root: Annotated[
        bool | None,
        Query(description="true: only the top of the tree; false: all but the top."),
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ScopeRead]:
    """Scopes of the territorial tree by id; boundaries are on the detail only."""
    rows = await taxonomies.list_scopes(
        session,
        parent_id=parent_id,
        type=type,
        root=root,
        after_id=_after(cursor),
        limit=limit,
    )
    return _page(rows, ScopeRead, limit, request, response)


@scopes.get("/{scope_id}", name="get")
async def get_scope(scope_id: Id, session: SessionDep) -> ScopeDetail:
    """A scope with its boundary, its ancestors and how many children it has."""
    return await taxonomies.get_scope(session, scope_id)


@scopes.post(
    "", name="create", status_code=status.HTTP_201_CREATED, responses=ADMIN_PROBLEMS
)
async def create_scope(
    body: ScopeCreate, user: CurrentUser, session: SessionDep
) -> ScopeDetail:
    """Add a scope to the tree (organisation admins)."""
    return await taxonomies.create_scope(session, user, body)


@scopes.patch("/{scope_id}", name="update", responses=ADMIN_PROBLEMS)
async def update_scope(
    scope_id: Id, body: ScopeUpdate, user: CurrentUser, session: SessionDep
) -> ScopeDetail:
    """Change a scope; a new parent_id moves it with its subtree (admins)."""
    return await taxonomies.update_scope(session, user, scope_id, body)


@scopes.delete(
    "/{scope_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ADMIN_PROBLEMS,
)
async def delete_scope(scope_id: Id, user: CurrentUser, session: SessionDep) -> None:
    """Delete a scope; 409 while it has children or anything refers to it."""
    await taxonomies.delete_scope(session, user, scope_id)


# Area types


@area_types.get("", name="list")
async def list_area_types(
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[AreaTypeRead]:
    """Area types (groups of themes) by id."""
    rows = await taxonomies.list_area_types(
        session, after_id=_after(cursor), limit=limit
    )
    return _page(rows, AreaTypeRead, limit, request, response)


@area_types.get("/{area_type_id}", name="get")
async def get_area_type(area_type_id: Id, session: SessionDep) -> AreaTypeRead:
    """One area type."""
    area_type = await taxonomies.get_area_type(session, area_type_id)
    return AreaTypeRead.model_validate(area_type)


@area_types.post(
    "", name="create", status_code=status.HTTP_201_CREATED, responses=ADMIN_PROBLEMS
)
async def create_area_type(
    body: AreaTypeCreate, user: CurrentUser, session: SessionDep
) -> AreaTypeRead:
    """Add an area type (organisation admins)."""
    area_type = await taxonomies.create_area_type(session, user, body)
    return AreaTypeRead.model_validate(area_type)


@area_types.patch("/{area_type_id}", name="update", responses=ADMIN_PROBLEMS)
async def update_area_type(
    area_type_id: Id, body: AreaTypeUpdate, user: CurrentUser, session: SessionDep
) -> AreaTypeRead:
    """Rename an area type (organisation admins)."""
    area_type = await taxonomies.update_area_type(session, user, area_type_id, body)
    return AreaTypeRead.model_validate(area_type)


@area_types.delete(
    "/{area_type_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ADMIN_PROBLEMS,
)
async def delete_area_type(
    area_type_id: Id, user: CurrentUser, session: SessionDep
) -> None:
    """Delete an area type; 409 while areas belong to it."""
    await taxonomies.delete_area_type(session, user, area_type_id)


# Areas


@areas.get("", name="list")
async def list_areas(
    session: SessionDep,
    request: Request,
    response: Response,
    area_type_id: FilterId = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[AreaRead]:
    """Areas (themes) by id, optionally of one area type."""
    rows = await taxonomies.list_areas(
        session, area_type_id=area_type_id, after_id=_after(cursor), limit=limit
    )
    return _page(rows, AreaRead, limit, request, response)


@areas.get("/{area_id}", name="get")
async def get_area(area_id: Id, session: SessionDep) -> AreaRead:
    """One area."""
    return AreaRead.model_validate(await taxonomies.get_area(session, area_id))


@areas.post(
    "", name="create", status_code=status.HTTP_201_CREATED, responses=ADMIN_PROBLEMS
)
async def create_area(
    body: AreaCreate, user: CurrentUser, session: SessionDep
) -> AreaRead:
    """Add an area (organisation admins)."""
    return AreaRead.model_validate(await taxonomies.create_area(session, user, body))


@areas.patch("/{area_id}", name="update", responses=ADMIN_PROBLEMS)
async def update_area(
    area_id: Id, body: AreaUpdate, user: CurrentUser, session: SessionDep
) -> AreaRead:
    """Rename an area or change its type (organisation admins)."""
    area = await taxonomies.update_area(session, user, area_id, body)
    return AreaRead.model_validate(area)


@areas.delete(
    "/{area_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ADMIN_PROBLEMS,
)
async def delete_area(area_id: Id, user: CurrentUser, session: SessionDep) -> None:
    """Delete an area; 409 while spaces or other content are filed under it."""
    await taxonomies.delete_area(session, user, area_id)


# Interest groups


@interest_groups.get("", name="list")
async def list_interest_groups(
    session: SessionDep,
    request: Request,
    response: Response,
    kind: InterestGroupKind | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[InterestGroupRead]:
    """Interest groups (population groups, sectors, segments) by id."""
    rows = await taxonomies.list_interest_groups(
        session, kind=kind, after_id=_after(cursor), limit=limit
    )
    return _page(rows, InterestGroupRead, limit, request, response)


@interest_groups.get("/{group_id}", name="get")
async def get_interest_group(group_id: Id, session: SessionDep) -> InterestGroupRead:
    """One interest group."""
    group = await taxonomies.get_interest_group(session, group_id)
    return InterestGroupRead.model_validate(group)


@interest_groups.post(
    "", name="create", status_code=status.HTTP_201_CREATED, responses=ADMIN_PROBLEMS
)
async def create_interest_group(
    body: InterestGroupCreate, user: CurrentUser, session: SessionDep
) -> InterestGroupRead:
    """Add an interest group (organisation admins)."""
    group = await taxonomies.create_interest_group(session, user, body)
    return InterestGroupRead.model_validate(group)


@interest_groups.patch("/{group_id}", name="update", responses=ADMIN_PROBLEMS)
async def update_interest_group(
    group_id: Id, body: InterestGroupUpdate, user: CurrentUser, session: SessionDep
) -> InterestGroupRead:
    """Change an interest group's code, kind or name (organisation admins)."""
    group = await taxonomies.update_interest_group(session, user, group_id, body)
    return InterestGroupRead.model_validate(group)


@interest_groups.delete(
    "/{group_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ADMIN_PROBLEMS,
)
async def delete_interest_group(
    group_id: Id, user: CurrentUser, session: SessionDep
) -> None:
    """Delete an interest group; 409 while spaces or residents refer to it."""
    await taxonomies.delete_interest_group(session, user, group_id)


router = APIRouter()
for resource in (scopes, area_types, areas, interest_groups):
    router.include_router(resource)
