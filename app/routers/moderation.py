"""Endpoints of moderation: reports, moderators' decisions, blocks."""

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, FilterId, PathId, RuntimeDep, SessionDep, UserAdmin
from app.routers.links import set_next_link
from app.schemas.moderation import (
    BlockCreate,
    BlockRead,
    ModerationRead,
    ModerationState,
    ReportCreate,
    ReportRead,
    ReportSummary,
)
from app.schemas.pagination import Cursor, Limit, Page
from app.services import moderation
from app.services.moderation import ModerationView

router = APIRouter(tags=["moderation"])


def _read(view: ModerationView) -> ModerationRead:
    item = view.moderation
    reports = None
    if view.reports is not None:
        reports = [ReportSummary.model_validate(each) for each in view.reports]
    return ModerationRead(
        id=item.id,
        resource_type=item.resource_type,
        resource_id=item.resource_id,
        space_id=item.space_id,
        state=view.state,
        reports_count=item.reports_count,
        excerpt=view.excerpt,
        hidden_at=item.hidden_at,
        dismissed_at=item.dismissed_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        reports=reports,
    )


@router.post("/reports", name="report", status_code=status.HTTP_201_CREATED)
async def report(
    body: ReportCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> ReportRead:
    """Report content or a person, once; enough reports hide content until reviewed."""
    created = await moderation.report(
        session, user, body, runtime.settings.moderation_hide_threshold
    )
    return ReportRead(
        resource_type=body.resource_type,
        resource_id=body.resource_id,
        reason=created.reason,
        details=created.details,
        created_at=created.created_at,
    )


@router.get("/moderations", name="list")
async def list_moderations(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    space_id: FilterId = None,
    state: ModerationState | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ModerationRead]:
    """Reported things of a space (its moderators) or of all (organisation admins)."""
    views, next_cursor = await moderation.list_moderations(
        session, user, space_id=space_id, state=state, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(items=[_read(view) for view in views], next_cursor=next_cursor)


@router.get("/moderations/{moderation_id}", name="get")
async def get_moderation(
    moderation_id: PathId, user: CurrentUser, session: SessionDep
) -> ModerationRead:
    """One reported thing with its reports, never naming the reporters."""
    return _read(await moderation.get_moderation(session, user, moderation_id))


@router.post("/moderations/{moderation_id}/hide", name="hide")
async def hide(
    moderation_id: PathId, user: CurrentUser, session: SessionDep
) -> ModerationRead:
    """Hide the reported content from everyone; its author is told."""
    return _read(await moderation.hide(session, user, moderation_id))


@router.post("/moderations/{moderation_id}/unhide", name="unhide")
async def unhide(
    moderation_id: PathId, user: CurrentUser, session: SessionDep
) -> ModerationRead:
    """Show hidden content again."""
    return _read(await moderation.unhide(session, user, moderation_id))


@router.post("/moderations/{moderation_id}/dismiss", name="dismiss")
async def dismiss(
    moderation_id: PathId, user: CurrentUser, session: SessionDep
) -> ModerationRead:
    """Judge the reports unfounded: the content shows and stays shown."""
    return _read(await moderation.dismiss(session, user, moderation_id))


@router.post("/users/{user_id}/block", name="block_user")
async def block_user(
    user_id: PathId, body: BlockCreate, admin: UserAdmin, session: SessionDep
) -> BlockRead:
    """Block a person: they can no longer sign in or write (organisation admins)."""
    person, hidden = await moderation.block(
        session, admin, user_id, body.reason, hide_content=body.hide_content
    )
    return BlockRead(
        user_id=person.id,
        blocked_at=person.blocked_at,
        blocked_reason=person.blocked_reason,
        hidden_count=hidden,
    )


@router.post("/users/{user_id}/unblock", name="unblock_user")
async def unblock_user(
    user_id: PathId, admin: UserAdmin, session: SessionDep
) -> BlockRead:
    """Let a blocked person sign in again (organisation admins)."""
    person = await moderation.unblock(session, admin, user_id)
    return BlockRead(
        user_id=person.id,
        blocked_at=person.blocked_at,
        blocked_reason=person.blocked_reason,
    )
