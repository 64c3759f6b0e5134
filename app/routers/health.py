"""Liveness, readiness and metrics, at the root of the service."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import READ_ONLY
from app.errors import ServiceUnavailableError
from app.runtime import Runtime

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, str]:
    runtime: Runtime = request.app.state.runtime
    try:
        # A database that accepts connections but never answers must not hang
        # the probe; a read-only round trip takes no SQLite write lock.
        async with asyncio.timeout(runtime.settings.readiness_timeout_seconds):
            async with runtime.engine.connect() as connection:
                reader = await connection.execution_options(**{READ_ONLY: True})
                await reader.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        raise ServiceUnavailableError("The database is not reachable.") from exc
    return {"status": "ok", "database": "ok"}


@router.get("/metrics")
async def metrics() -> PlainTextResponse:
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)
