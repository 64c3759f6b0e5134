"""The in-app inbox on the app: notifications, unread count, preferences."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import CurrentUser, PathId, SessionDep
from app.mobile import cards
from app.mobile.deps import ReaderDep
from app.mobile.present import Reader
from app.routers.links import page_of
from app.routers.notifications import preferences_read
from app.schemas.notifications import (
    MarkedRead,
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    UnreadCount,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import notifications
from app.services.notifications import (
    PLACEHOLDER_BODY,
    PLACEHOLDER_TITLE,
    InboxItem,
)

router = APIRouter(prefix="/me", tags=["notifications"])


@router.get("/notifications", name="list")
async def list_notifications(
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.NotificationCard]:
    """Your notifications, newest first, in your language."""
    before_id = decode_cursor(cursor, (int,))[0] if cursor else None
    items = await notifications.inbox(
        session, user, unread_only=unread, before_id=before_id, limit=limit
    )
    shown = [_card(reader, item) for item in items]
    return page_of(request, response, shown, limit, lambda last: [last.id])


@router.get("/notifications/unread-count", name="count_unread")
async def count_unread(user: CurrentUser, session: SessionDep) -> UnreadCount:
    """How many notifications you have not read: the badge."""
    return UnreadCount(unread=await notifications.unread_count(session, user))


@router.post("/notifications/read-all", name="mark_all_read")
async def mark_all_read(user: CurrentUser, session: SessionDep) -> MarkedRead:
    """Mark every notification read."""
    return MarkedRead(marked=await notifications.mark_all_read(session, user))


@router.post("/notifications/{notification_id}/read", name="mark_read")
async def mark_read(
    notification_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.NotificationCard:
    """Mark one notification read."""
    item = await notifications.mark_read(session, user, notification_id)
    return _card(reader, item)


@router.get("/notification-preferences", name="get_preferences")
async def get_preferences(
    user: CurrentUser, session: SessionDep
) -> NotificationPreferencesRead:
    """The channels (in app, e-mail, push) of each event type, and the digest."""
    return preferences_read(await notifications.preferences(session, user))


@router.patch("/notification-preferences", name="update_preferences")
async def update_preferences(
    body: NotificationPreferencesUpdate, user: CurrentUser, session: SessionDep
) -> NotificationPreferencesRead:
    """Change the digest and the channels of the event types named."""
    changes = {
        item.event_type: item.model_dump(exclude={"event_type"}, exclude_none=True)
        for item in body.event_types
    }
    updated = await notifications.update_preferences(
        session, user, body.email_digest, changes
    )
    return preferences_read(updated)


def _card(reader: Reader, item: InboxItem) -> cards.NotificationCard:
    notification = item.notification
    shown = item.readable
    title, locale = reader.text(notification.title if shown else PLACEHOLDER_TITLE)
    body = reader.text(notification.body if shown else PLACEHOLDER_BODY)[0]
    return cards.NotificationCard(
        id=notification.id,
        event_type=notification.event_type,
        locale=locale,
        available=shown,
        resource_type=notification.resource_type if shown else None,
        resource_id=notification.resource_id if shown else None,
        title=title,
        body=body,
        url=notification.url if shown else None,
        read_at=notification.read_at,
        created_at=notification.created_at,
    )
