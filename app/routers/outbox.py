"""Admins' view of the outbox: events that failed too often, and their retry."""

from fastapi import APIRouter, Request, Response

from app.deps import PathId, SessionDep, UserAdmin
from app.models.events import OutboxStatus
from app.routers.links import page_of
from app.schemas.notifications import OutboxEventRead
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import outbox

router = APIRouter(prefix="/admin/outbox-events", tags=["outbox"])


@router.get("", name="list")
async def list_events(
    _admin: UserAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    status: OutboxStatus = OutboxStatus.PARKED,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[OutboxEventRead]:
    """Outbox events in a status (parked by default), newest first."""
    before_id = decode_cursor(cursor, (int,))[0] if cursor else None
    found = await outbox.list_events(session, status, before_id=before_id, limit=limit)
    shown = [OutboxEventRead.model_validate(event) for event in found]
    return page_of(request, response, shown, limit, lambda event: [event.id])


@router.post("/{event_id}/retry", name="retry")
async def retry_event(
    event_id: PathId, admin: UserAdmin, session: SessionDep
) -> OutboxEventRead:
    """Queue a parked event again, with its attempts reset."""
    return OutboxEventRead.model_validate(await outbox.retry(session, admin, event_id))
