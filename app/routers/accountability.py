"""Endpoints of accountability: results, their statuses and their timeline."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, FilterId, OptionalUser, PathId, SessionDep, Today
from app.routers.links import page_of
from app.schemas.accountability import (
    ResultCreate,
    ResultRead,
    ResultsFromBudget,
    ResultsFromBudgetRead,
    ResultUpdate,
    StatusCreate,
    StatusRead,
    StatusUpdate,
    TimelineEntryCreate,
    TimelineEntryRead,
)
from app.schemas.pagination import Cursor, Limit, Page
from app.services import accountability, results_from_budget
from app.services.accountability import ResultFilters, decode_after

router = APIRouter(tags=["results"])


@router.get("/components/{component_id}/results", name="list")
async def list_results(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    parent_id: Annotated[
        FilterId, Query(description="The children of this result; else the top.")
    ] = None,
    all_levels: Annotated[
        bool, Query(description="Every level at once, ignoring parent_id.")
    ] = False,
    status_id: FilterId = None,
    scope_id: FilterId = None,
    area_id: FilterId = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ResultRead]:
    """Results of a component, by id; the top level unless a parent is named."""
    filters = ResultFilters(
        parent_id=None if all_levels else parent_id,
        all_levels=all_levels,
        status_id=status_id,
        scope_id=scope_id,
        area_id=area_id,
    )
    found = await accountability.list_results(
        session,
        viewer,
        component_id,
        filters,
        after=decode_after(cursor),
        limit=limit,
    )
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.post(
    "/components/{component_id}/results",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_result(
    component_id: PathId, body: ResultCreate, user: CurrentUser, session: SessionDep
) -> ResultRead:
    """A new result, at the top or under a parent (three levels at most)."""
    return await accountability.create_result(session, user, component_id, body)


@router.post(
    "/components/{component_id}/results/from-budget",
    name="create_from_budget",
    status_code=status.HTTP_201_CREATED,
)
async def create_from_budget(
    component_id: PathId,
    body: ResultsFromBudget,
    user: CurrentUser,
    session: SessionDep,
) -> ResultsFromBudgetRead:
    """One result per project a budget's published outcome selected; again adds
    only projects not yet turned into results."""
    return await results_from_budget.results_from_budget(
        session, user, component_id, body
    )


@router.get("/results/{result_id}", name="get")
async def get_result(
    result_id: PathId, viewer: OptionalUser, session: SessionDep
) -> ResultRead:
    """A result with the links its reader may follow."""
    return await accountability.get_result(session, viewer, result_id)


@router.patch("/results/{result_id}", name="update")
async def update_result(
    result_id: PathId,
    body: ResultUpdate,
    user: CurrentUser,
    session: SessionDep,
    today: Today,
) -> ResultRead:
    """Change a result; its parents' progress follows and its timeline records it."""
    return await accountability.update_result(session, user, result_id, body, today)


@router.delete(
    "/results/{result_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_result(
    result_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a result and its children."""
    await accountability.delete_result(session, user, result_id)


@router.get("/results/{result_id}/timeline", name="list_timeline")
async def list_timeline(
    result_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[TimelineEntryRead]:
    """A result's updates and recorded changes, latest first."""
    found = await accountability.list_timeline(
        session, viewer, result_id, after=decode_after(cursor), limit=limit
    )
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.post(
    "/results/{result_id}/timeline",
    name="add_timeline_entry",
    status_code=status.HTTP_201_CREATED,
)
async def add_timeline_entry(
    result_id: PathId,
    body: TimelineEntryCreate,
    user: CurrentUser,
    session: SessionDep,
    today: Today,
) -> TimelineEntryRead:
    """Tell what happened to a result, optionally with its new progress or status."""
    return await accountability.add_timeline_entry(
        session, user, result_id, body, today
    )


@router.get("/components/{component_id}/result-statuses", name="list_statuses")
async def list_statuses(
    component_id: PathId, viewer: OptionalUser, session: SessionDep
) -> list[StatusRead]:
    """The statuses results of a component may take, by default progress."""
    return await accountability.list_statuses(session, viewer, component_id)


@router.post(
    "/components/{component_id}/result-statuses",
    name="create_status",
    status_code=status.HTTP_201_CREATED,
)
async def create_status(
    component_id: PathId, body: StatusCreate, user: CurrentUser, session: SessionDep
) -> StatusRead:
    """A status with the progress a result takes when given it."""
    return await accountability.create_status(session, user, component_id, body)


@router.patch("/result-statuses/{status_id}", name="update_status")
async def update_status(
    status_id: PathId, body: StatusUpdate, user: CurrentUser, session: SessionDep
) -> StatusRead:
    """Change a status; results keep the progress they have."""
    return await accountability.update_status(session, user, status_id, body)


@router.delete(
    "/result-statuses/{status_id}",
    name="delete_status",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_status(
    status_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a status; its results keep their progress."""
    await accountability.delete_status(session, user, status_id)
