"""The event catalogue in the OpenAPI document, as its ``webhooks`` section.

Each event type becomes a webhook operation whose request body is the message
an integrator receives; the payload models land in ``components.schemas``.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Header

from app.schemas.events import CATALOGUE, EventType, WebhookMessage, message_model

SIGNATURE_HELP = (
    "Signed as Standard Webhooks: `webhook-signature` holds `v1,` and the base64 "
    "HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the "
    "base64-decoded part of the subscription's `whsec_` secret. Reject a timestamp "
    "more than five minutes old; de-duplicate on `webhook-id`. Answer 2xx to "
    "acknowledge; anything else (or no answer) is retried with exponential back-off."
)


def _receiver(model: type[WebhookMessage]) -> Callable[..., Awaitable[None]]:
    async def receive(
        message: model,  # type: ignore[valid-type]
        webhook_id: str = Header(description="The event id; the same on retries."),
        webhook_timestamp: int = Header(description="Seconds since the epoch."),
        webhook_signature: str = Header(description="`v1,` and the signature."),
    ) -> None:
        """Not called: it documents the request the service sends."""

    return receive


def _document(app: FastAPI, event_type: EventType) -> None:
    app.webhooks.add_api_route(
        event_type.name,
        _receiver(message_model(event_type)),
        methods=["POST"],
        name=event_type.name,
        summary=event_type.description,
        description=SIGNATURE_HELP,
        tags=["events"],
        status_code=204,
        operation_id=f"events:{event_type.name}",
    )


ACKNOWLEDGED = {"2XX": {"description": "Received; any other answer is retried."}}


def document_events(app: FastAPI) -> None:
    """Add one webhook per public event type to ``app``'s OpenAPI document."""
    for event_type in sorted(CATALOGUE.values(), key=lambda event: event.name):
        _document(app, event_type)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        # The receiver answers, not us: FastAPI's 422 and 204 do not apply.
        for operations in document.get("webhooks", {}).values():
            for operation in operations.values():
                operation["responses"] = ACKNOWLEDGED
        return document

    app.openapi = openapi  # type: ignore[method-assign]
