"""Residents' declarations: one's own, privately, and aggregates for admins."""

from typing import Any

from fastapi import APIRouter, Response

from app.deps import CurrentUser, SessionDep
from app.schemas.declarations import (
    DeclarationRead,
    DeclarationSummary,
    DeclarationUpdate,
)
from app.services import declarations

router = APIRouter(tags=["declarations"])

PRIVATE = "private, no-store"
PROBLEMS: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in"}}


@router.get("/me/declarations", name="get_mine", responses=PROBLEMS)
async def get_my_declaration(
    user: CurrentUser, session: SessionDep, response: Response
) -> DeclarationRead:
    """The scope and interest groups you declared; only you can read them."""
    response.headers["Cache-Control"] = PRIVATE
    return await declarations.get_declaration(session, user)


@router.put("/me/declarations", name="replace_mine", responses=PROBLEMS)
async def replace_my_declaration(
    body: DeclarationUpdate, user: CurrentUser, session: SessionDep, response: Response
) -> DeclarationRead:
    """Declare where you live and your interest groups; null and [] withdraw them."""
    response.headers["Cache-Control"] = PRIVATE
    return await declarations.replace_declaration(session, user, body)


@router.get(
    "/declarations/summary",
    name="summary",
    responses={**PROBLEMS, 403: {"description": "Not an organisation admin"}},
)
async def summarise_declarations(
    user: CurrentUser, session: SessionDep
) -> DeclarationSummary:
    """Declared residents per scope and per group; small counts are withheld."""
    return await declarations.summarise(session, user)
