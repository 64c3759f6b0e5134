"""The signed-in user's inbox and notification preferences."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import CurrentUser, PathId, SessionDep
from app.routers.links import page_of
from app.schemas.notifications import (
    ChannelsRead,
    MarkedRead,
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    NotificationRead,
    UnreadCount,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import notifications
from app.services.notifications import (
    PLACEHOLDER_BODY,
    PLACEHOLDER_TITLE,
    TOLD_DESPITE_VISIBILITY,
    InboxItem,
    Preferences,
)

router = APIRouter(prefix="/me", tags=["notifications"])


@router.get("/notifications", name="list")
async def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    unread: Annotated[bool, Query(description="Only the unread ones.")] = False,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[NotificationRead]:
    """The signed-in user's notifications, newest first."""
    before_id = decode_cursor(cursor, (int,))[0] if cursor else None
    items = await notifications.inbox(
        session, user, unread_only=unread, before_id=before_id, limit=limit
    )
    shown = [_read(item) for item in items]
    return page_of(request, response, shown, limit, lambda item: [item.id])


@router.get("/notifications/unread-count", name="count_unread")
async def count_unread(user: CurrentUser, session: SessionDep) -> UnreadCount:
    """How many notifications the signed-in user has not read."""
    return UnreadCount(unread=await notifications.unread_count(session, user))


@router.post("/notifications/read-all", name="mark_all_read")
async def mark_all_read(user: CurrentUser, session: SessionDep) -> MarkedRead:
    """Mark every notification read."""
    return MarkedRead(marked=await notifications.mark_all_read(session, user))


@router.post("/notifications/{notification_id}/read", name="mark_read")
async def mark_read(
    notification_id: PathId, user: CurrentUser, session: SessionDep
) -> NotificationRead:
    """Mark one notification read."""
    return _read(await notifications.mark_read(session, user, notification_id))


@router.get("/notification-preferences", name="get_preferences")
async def get_preferences(
    user: CurrentUser, session: SessionDep
) -> NotificationPreferencesRead:
    """The channels of each event type, and the e-mail digest."""
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


def _read(item: InboxItem) -> NotificationRead:
    notification = item.notification
    return NotificationRead(
        id=notification.id,
        event_type=notification.event_type,
        available=item.readable,
        resource_type=notification.resource_type if item.readable else None,
        resource_id=notification.resource_id if item.readable else None,
        title=notification.title
        if item.readable or notification.event_type in TOLD_DESPITE_VISIBILITY
        else PLACEHOLDER_TITLE,
        body=notification.body if item.readable else PLACEHOLDER_BODY,
        url=notification.url if item.readable else None,
        read_at=notification.read_at,
        created_at=notification.created_at,
    )


def preferences_read(found: Preferences) -> NotificationPreferencesRead:
    return NotificationPreferencesRead(
        email_digest=found.email_digest,
        event_types=[
            ChannelsRead(event_type=event_type, **channels.__dict__)
            for event_type, channels in found.channels.items()
        ],
    )
