"""Webhook subscriptions, and the signed delivery of events to them.

An event leaves in two outbox steps, so a process that dies loses nothing:
``fan_out`` (an outbox subscriber) writes one delivery row per subscription
and queues a ``webhook.deliver`` event for each, in one transaction; the
handler of ``webhook.deliver`` posts the signed message, and a failure goes
back to the outbox, which retries with exponential back-off.
"""

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Environment, Settings
from app.errors import InvalidInputError, NotFoundError
from app.models.base import utcnow
from app.models.users import User
from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.schemas.events import CATALOGUE, WebhookMessage
from app.schemas.webhooks import SECRET_PREFIX, WebhookCreate, WebhookUpdate
from app.services import action_log, outbox
from app.services.conversation import insert_ignoring_duplicates
from app.services.permissions import Action, ensure_allowed

log = structlog.get_logger()

WEBHOOK_DELIVER = "webhook.deliver"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
USER_AGENT = "Decide-Webhooks/1"


class DeliveryFailed(Exception):
    """The endpoint did not take the message; the outbox will try again."""


# Addresses


class UnsafeAddress(Exception):
    """The URL is refused: scheme, host or the addresses it resolves to."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the addresses checked, in the resolver's order, and
    the URL's own host for the Host header and TLS."""

    url: str
    host: str
    addresses: tuple[str, ...]
    port: int


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, environment: Environment) -> tuple[str, int]:
    """The host and port of an acceptable URL; https, or http to loopback
    outside production. Raises UnsafeAddress."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("https", "http"):
        raise UnsafeAddress("must be an absolute https URL")
    if parts.username or parts.password:
        raise UnsafeAddress("must not carry credentials")
    production = environment is Environment.PRODUCTION
    if parts.scheme == "http" and (production or not _is_loopback(host)):
        raise UnsafeAddress(
            "must use https (plain http only to loopback, in development)"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeAddress("has an invalid port") from exc
    return host, port


async def resolve(url: str, environment: Environment) -> Target:
    """Check ``url`` and resolve its host; in production every address must be
    public (no private, loopback, link-local or reserved range)."""
    host, port = check_url(url, environment)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise UnsafeAddress(f"host {host} cannot be resolved") from exc
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if environment is Environment.PRODUCTION and not all(map(_is_public, addresses)):
        raise UnsafeAddress(
            f"host {host} resolves to a private, loopback or link-local address"
        )
    return Target(url=url, host=host, addresses=addresses, port=port)


async def _ensure_safe_url(url: str, settings: Settings) -> None:
    try:
        await resolve(url, settings.env)
    except UnsafeAddress as exc:
        raise InvalidInputError(
            f"The URL is refused: {exc}.",
            field="url",
            location="body",
            error_code="url_refused",
        ) from exc


# Subscriptions


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


async def create_subscription(
    session: AsyncSession, actor: User, body: WebhookCreate, settings: Settings
) -> WebhookSubscription:
    ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
    await _ensure_safe_url(body.url, settings)

    subscription = WebhookSubscription(
        url=body.url,
        description=body.description,
        event_types=body.event_types,
        secret=body.secret or new_secret(),
        active=body.active,
        created_by_id=actor.id,
    )
    session.add(subscription)
    await session.flush()
    _log(session, actor, "webhook.created", subscription, {"url": body.url})
    return subscription


async def list_subscriptions(
    session: AsyncSession, actor: User, *, after_id: int | None, limit: int
) -> list[WebhookSubscription]:
    ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if after_id is not None:
        query = query.where(WebhookSubscription.id > after_id)
    return list((await session.scalars(query.limit(limit + 1))).all())


async def get_subscription(
    session: AsyncSession, actor: User, subscription_id: int
) -> WebhookSubscription:
    ensure_allowed(actor, Action.MANAGE_WEBHOOKS)
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFoundError("No such webhook subscription.")
    return subscription


async def update_subscription(
    session: AsyncSession,
    actor: User,
    subscription_id: int,
    body: WebhookUpdate,
    settings: Settings,
) -> WebhookSubscription:
    subscription = await get_subscription(session, actor, subscription_id)
    changes = body.model_dump(exclude_unset=True)
    if "url" in changes:
        await _ensure_safe_url(changes["url"], settings)
    for name, value in changes.items():
        setattr(subscription, name, value)
    await session.flush()

    logged = {name: value for name, value in changes.items() if name != "secret"}
    _log(session, actor, "webhook.updated", subscription, logged)
    return subscription


async def rotate_secret(
    session: AsyncSession, actor: User, subscription_id: int
) -> str:
    """A new secret signs every delivery from now on; the old one stops."""
    subscription = await get_subscription(session, actor, subscription_id)
    subscription.secret = new_secret()
    await session.flush()
    _log(session, actor, "webhook.secret_rotated", subscription, {})
    return subscription.secret


async def delete_subscription(
    session: AsyncSession, actor: User, subscription_id: int
) -> None:
    """Remove a subscription with its delivery log; queued deliveries are dropped."""
    subscription = await get_subscription(session, actor, subscription_id)
    _log(session, actor, "webhook.deleted", subscription, {})
    await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription.id
        )
    )
    await session.delete(subscription)
    await session.flush()


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    subscription: WebhookSubscription,
    changes: dict[str, Any],
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="webhook",
        object_id=subscription.id,
        changes=changes,
    )


# The delivery log


async def list_deliveries(
    session: AsyncSession,
    actor: User,
    subscription_id: int,
    *,
    before_id: int | None,
    limit: int,
) -> list[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    await get_subscription(session, actor, subscription_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
    )
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list((await session.scalars(query.limit(limit + 1))).all())


async def replay_delivery(
    session: AsyncSession, actor: User, subscription_id: int, delivery_id: int
) -> WebhookDelivery:
    """Send a delivery again, with the same webhook-id, whatever its status."""
    await get_subscription(session, actor, subscription_id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFoundError("No such delivery of this subscription.")

    delivery.status = DeliveryStatus.PENDING
    await session.flush()
    _queue(session, delivery)
    return delivery


def _queue(session: AsyncSession, delivery: WebhookDelivery) -> None:
    # ``attempts_before`` lets the handler count this run's attempts alone.
    outbox.emit(
        session,
        WEBHOOK_DELIVER,
        {"delivery_id": delivery.id, "attempts_before": delivery.attempts},
    )


# Fan-out: an outbox subscriber


async def fan_out(
    sessionmaker: async_sessionmaker[AsyncSession], event: outbox.Envelope
) -> None:
    """One delivery per active subscription to the event's type; running it
    again for the same event adds none (unique event and subscription)."""
    if event.event_type not in CATALOGUE:
        return
    async with sessionmaker() as session:
        subscriptions = await session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        )
        for subscription in subscriptions.all():
            if event.event_type in subscription.event_types:
                await _add_delivery(session, subscription, event)
        await session.commit()


async def _add_delivery(
    session: AsyncSession, subscription: WebhookSubscription, event: outbox.Envelope
) -> None:
    now = utcnow()
    values = {
        "subscription_id": subscription.id,
        "event_id": event.id,
        "event_type": event.event_type,
        "occurred_at": event.created_at,
        "payload": event.payload,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert_ignoring_duplicates(session, WebhookDelivery, values)
    delivery_id = await session.scalar(statement.returning(WebhookDelivery.id))
    if delivery_id is not None:
        outbox.emit(
            session, WEBHOOK_DELIVER, {"delivery_id": delivery_id, "attempts_before": 0}
        )


# Delivery: the handler of ``webhook.deliver``


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: ``v1,`` and the base64 HMAC-SHA256 of
    ``{id}.{timestamp}.{body}`` keyed with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def message_body(delivery: WebhookDelivery) -> bytes:
    message = WebhookMessage(
        id=delivery.message_id,
        type=delivery.event_type,
        timestamp=delivery.occurred_at,
        data=delivery.payload,
    )
    return orjson.dumps(message.model_dump(mode="json"))


@dataclass
class Outcome:
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    payload: dict[str, Any],
) -> None:
    """Post one delivery; raise DeliveryFailed so the outbox retries it."""
    async with sessionmaker() as session:
        delivery = await session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
            return
        subscription = await session.get_one(
            WebhookSubscription, delivery.subscription_id
        )
        if not subscription.active:
            delivery.status = DeliveryStatus.CANCELLED
            await session.commit()
            return
        url, secret, body = (
            subscription.url,
            subscription.secret,
            message_body(delivery),
        )
        message_id = delivery.message_id

    outcome = await post(url, secret, message_id, body, settings)

    async with sessionmaker() as session:
        delivery = await session.get_one(WebhookDelivery, payload["delivery_id"])
        _record(delivery, outcome, payload, settings)
        await session.commit()
    log.info(
        "webhook.attempted",
        delivery_id=delivery.id,
        subscription_id=delivery.subscription_id,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        delivered=outcome.delivered,
    )
    if not outcome.delivered:
        raise DeliveryFailed(outcome.error or f"HTTP {outcome.status_code}")


def _record(
    delivery: WebhookDelivery,
    outcome: Outcome,
    payload: dict[str, Any],
    settings: Settings,
) -> None:
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_duration_ms = outcome.duration_ms
    delivery.last_error = outcome.error
    if outcome.delivered:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        return
    this_run = delivery.attempts - int(payload.get("attempts_before", 0))
    gave_up = this_run >= settings.outbox_max_attempts
    delivery.status = DeliveryStatus.FAILED if gave_up else DeliveryStatus.RETRYING


async def post(
    url: str, secret: str, message_id: str, body: bytes, settings: Settings
) -> Outcome:
    """Sign and post ``body`` to the address checked just now, never following
    a redirect."""
    started = time.perf_counter()
    try:
        target = await resolve(url, settings.env)
    except UnsafeAddress as exc:
        return Outcome(error=f"refused: {exc}")

    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }
    try:
        response = await _send(target, headers, body, settings.webhook_timeout_seconds)
    except httpx.HTTPError as exc:
        return Outcome(
            error=f"{type(exc).__name__}: {exc}"[:500], duration_ms=_ms(started)
        )
    error = None if response.is_success else f"HTTP {response.status_code}"
    return Outcome(response.status_code, error, _ms(started))


async def _send(
    target: Target, headers: dict[str, str], body: bytes, seconds: float
) -> httpx.Response:
    """Post to each checked address in turn until one takes the connection."""
    async with httpx.AsyncClient(
        follow_redirects=False, timeout=seconds, trust_env=False
    ) as client:
        for address in target.addresses[:-1]:
            try:
                return await _post_to(client, target, address, headers, body)
            except httpx.ConnectError:
                continue
        return await _post_to(client, target, target.addresses[-1], headers, body)


async def _post_to(
    client: httpx.AsyncClient,
    target: Target,
    address: str,
    headers: dict[str, str],
    body: bytes,
) -> httpx.Response:
    # Connect to an address that was checked, not to a second resolution of
    # the name (DNS rebinding); Host and TLS still name the URL's host.
    url = httpx.URL(target.url)
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    return await client.post(
        url.copy_with(host=address),
        content=body,
        headers={**headers, "host": url.netloc.decode("ascii")},
        extensions=extensions,
    )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
