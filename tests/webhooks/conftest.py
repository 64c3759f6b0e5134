"""An integrator's endpoint on loopback, admins, and the outbox run by hand."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.users import UserRole
from app.runtime import Runtime
from app.services import outbox
from app.services.outbox import Dispatcher
from tests.builders import Actor, actor

API = "/api/v1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that answers with the statuses queued
    in ``answers`` (then 204) and keeps every request it got."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            receiver.requests.append(Received(self.path, headers, body))
            status, headers = receiver.answers.pop(0) if receiver.answers else (204, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver("")))
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
async def admin(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime, role=UserRole.ADMIN)


@pytest.fixture
async def participant(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime)


def dispatcher(runtime: Runtime) -> Dispatcher:
    """The outbox as the worker runs it, retrying at once instead of backing off."""
    return Dispatcher(
        runtime.sessionmaker,
        runtime.handlers,
        max_attempts=runtime.settings.outbox_max_attempts,
        interval_seconds=1,
        retry_delay=lambda _attempts: timedelta(0),
        subscribers=runtime.subscribers,
    )


async def run_outbox(runtime: Runtime, rounds: int = 1) -> None:
    """Run the outbox ``rounds`` times: fan-out, then delivery, then retries."""
    worker = dispatcher(runtime)
    for _ in range(rounds):
        await worker.run_once()


async def subscribe(
    client: httpx.AsyncClient, admin: Actor, url: str, *event_types: str
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/webhooks",
        json={"url": url, "event_types": list(event_types) or ["meeting.published"]},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def emit_meeting_published(session: AsyncSession, meeting_id: int = 7) -> None:
    """The event a published meeting emits, committed as the service commits it."""
    outbox.emit(
        session,
        "meeting.published",
        {
            "meeting_id": meeting_id,
            "component_id": 3,
            "space_id": 2,
            "starts_at": "2026-12-10T19:00:00+00:00",
            "ends_at": "2026-12-10T21:00:00+00:00",
        },
    )
    await session.commit()
