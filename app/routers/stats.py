"""Participation figures, read from the latest precomputed snapshot."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.deps import FilterId, RuntimeDep, SessionDep
from app.errors import InvalidInputError
from app.schemas.stats import StatsRead
from app.services import stats

router = APIRouter(tags=["stats"])

Month = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, inclusive."),
]


@router.get("/stats", name="read")
async def read_stats(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    space_id: FilterId = None,
    scope_id: FilterId = None,
    area_id: FilterId = None,
    interest_group_id: FilterId = None,
    month_from: Month = None,
    month_to: Month = None,
) -> StatsRead:
    """Participation figures per space, component, scope, area, interest group
    and month, council activity and demand handling; small groups suppressed."""
    _ensure_documented(request)
    filters = stats.StatsFilters(
        space_id=space_id,
        scope_id=scope_id,
        area_id=area_id,
        interest_group_id=interest_group_id,
        month_from=month_from,
        month_to=month_to,
    )
    figures = await stats.read_stats(session, runtime.settings, filters)
    return StatsRead.model_validate(figures)


FILTERS = (
    "space_id",
    "scope_id",
    "area_id",
    "interest_group_id",
    "month_from",
    "month_to",
)


def _ensure_documented(request: Request) -> None:
    """A filter this endpoint does not know is a mistake, not something to ignore."""
    if unknown := sorted(set(request.query_params) - set(FILTERS)):
        raise InvalidInputError(
            f"{unknown[0]}: not a filter of the figures; use one of {FILTERS}.",
            field=unknown[0],
        )
