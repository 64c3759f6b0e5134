"""Webhook subscriptions and their delivery log (organisation admins)."""

from typing import Any

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, PathId, RuntimeDep, SessionDep
from app.routers.links import page_of
from app.schemas.events import CATALOGUE
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.schemas.webhooks import (
    EventTypeRead,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookSecretRead,
    WebhookUpdate,
)
from app.services import webhooks

router = APIRouter(tags=["webhooks"])

ADMIN_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not an organisation admin"},
}


def _after(cursor: str | None) -> int | None:
    return int(decode_cursor(cursor, (int,))[0]) if cursor else None


@router.get("/event-types", name="list_event_types")
async def list_event_types() -> list[EventTypeRead]:
    """The event types webhooks may subscribe to; payloads are under webhooks."""
    return [
        EventTypeRead(name=event.name, description=event.description)
        for event in sorted(CATALOGUE.values(), key=lambda event: event.name)
    ]


@router.get("/webhooks", name="list", responses=ADMIN_PROBLEMS)
async def list_webhooks(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[WebhookRead]:
    """Webhook subscriptions, oldest first."""
    found = await webhooks.list_subscriptions(
        session, user, after_id=_after(cursor), limit=limit
    )
    page = page_of(request, response, found, limit, lambda row: [row.id])
    return Page(
        items=[WebhookRead.model_validate(row) for row in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/webhooks",
    name="create",
    status_code=status.HTTP_201_CREATED,
    responses=ADMIN_PROBLEMS,
)
async def create_webhook(
    body: WebhookCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> WebhookCreated:
    """Subscribe a URL to event types; the secret is shown in this answer only."""
    subscription = await webhooks.create_subscription(
        session, user, body, runtime.settings
    )
    return WebhookCreated.model_validate(subscription)


@router.get("/webhooks/{webhook_id}", name="get", responses=ADMIN_PROBLEMS)
async def get_webhook(
    webhook_id: PathId, user: CurrentUser, session: SessionDep
) -> WebhookRead:
    """A subscription, without its secret."""
    subscription = await webhooks.get_subscription(session, user, webhook_id)
    return WebhookRead.model_validate(subscription)


@router.patch("/webhooks/{webhook_id}", name="update", responses=ADMIN_PROBLEMS)
async def update_webhook(
    webhook_id: PathId,
    body: WebhookUpdate,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> WebhookRead:
    """Change a subscription's URL, event types, description, secret or state."""
    subscription = await webhooks.update_subscription(
        session, user, webhook_id, body, runtime.settings
    )
    return WebhookRead.model_validate(subscription)


@router.delete(
    "/webhooks/{webhook_id}",
    name="delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ADMIN_PROBLEMS,
)
async def delete_webhook(
    webhook_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a subscription and its delivery log."""
    await webhooks.delete_subscription(session, user, webhook_id)


@router.post(
    "/webhooks/{webhook_id}/secret", name="rotate_secret", responses=ADMIN_PROBLEMS
)
async def rotate_webhook_secret(
    webhook_id: PathId, user: CurrentUser, session: SessionDep
) -> WebhookSecretRead:
    """A new signing secret, shown in this answer only; the old one stops."""
    secret = await webhooks.rotate_secret(session, user, webhook_id)
    return WebhookSecretRead(secret=secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    name="list_deliveries",
    responses=ADMIN_PROBLEMS,
)
async def list_webhook_deliveries(
    webhook_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[WebhookDeliveryRead]:
    """The delivery log of a subscription, newest first: status, attempts, times."""
    found = await webhooks.list_deliveries(
        session, user, webhook_id, before_id=_after(cursor), limit=limit
    )
    page = page_of(request, response, found, limit, lambda row: [row.id])
    return Page(
        items=[WebhookDeliveryRead.model_validate(row) for row in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    name="replay_delivery",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ADMIN_PROBLEMS,
)
async def replay_webhook_delivery(
    webhook_id: PathId, delivery_id: PathId, user: CurrentUser, session: SessionDep
) -> WebhookDeliveryRead:
    """Send a delivery again, with the same webhook-id; it goes out shortly."""
    delivery = await webhooks.replay_delivery(session, user, webhook_id, delivery_id)
    return WebhookDeliveryRead.model_validate(delivery)
