"""Shared checks and builders of the platform tests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.types import ASGIApp

from app.errors import PROBLEM_BASE
from app.models.users import User

PROBLEM_TYPE = "application/problem+json"

_serial = count(1)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of ``code``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + code
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def failing_fields(body: dict[str, Any]) -> dict[str | None, str]:
    """The ``errors`` of a problem as field -> error code."""
    return {error["field"]: error["code"] for error in body["errors"]}


def sign_up_body(**changes: Any) -> dict[str, Any]:
    serial = next(_serial)
    body = {
        "email": f"plataforma{serial}@example.org",
        "name": f"Plataforma {serial}",
        "nickname": f"plataforma_{serial}",
        "password": "correct horse battery",
        "locale": "pt-BR",
        "tos_accepted": True,
    }
    body.update(changes)
    return body


def new_user(**values: Any) -> User:
    """A user row built directly, for tests of the storage layer."""
    serial = next(_serial)
    fields: dict[str, Any] = {
        "email": f"registro{serial}@example.org",
        "email_normalized": f"registro{serial}@example.org",
        "name": f"Registro {serial}",
        "nickname": f"registro_{serial}",
        "password_hash": "not-a-hash",
    }
    fields.update(values)
    return User(**fields)


def mounted(app: FastAPI, prefix: str) -> FastAPI:
    """The sub-application that ``app`` mounts at ``prefix`` (``/api/v1``)."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == prefix:
            sub_app = route.app
            assert isinstance(sub_app, FastAPI)
            return sub_app
    raise LookupError(f"nothing mounted at {prefix}")


@asynccontextmanager
async def serve(
    app: ASGIApp, *, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` over ASGI."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
