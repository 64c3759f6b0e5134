"""Schemathesis against both OpenAPI documents, signed in and anonymous.

A live server on loopback (its own SQLite file) answers generated requests for
every operation: none may answer 500 or break its own documented schema. The
examples per operation are bounded (DECIDE_SCHEMATHESIS_EXAMPLES, 2 by default)
so that the walk takes a minute or two on two cores.
"""

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from app.config import Settings
from app.main import build_api, build_mobile, create_app
from app.models.components import ComponentType
from app.runtime import Runtime
from tests import builders
from tests.conftest import make_settings, sqlite_copy

EXAMPLES = int(os.environ.get("DECIDE_SCHEMATHESIS_EXAMPLES", "2"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
UNLIMITED = "100000/minute"

pytestmark = pytest.mark.filterwarnings("ignore")


@dataclass
class Live:
    base: str
    headers: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _seed(settings: Settings) -> dict[str, str]:
    """Public content to find, and a participant to sign requests with."""
    runtime = Runtime.build(settings)
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        for kind in (ComponentType.PROPOSALS, ComponentType.DEBATES):
            component = await builders.component(session, space, type=kind)
        person = await builders.user(session, runtime)
        await builders.proposal(session, component, person)
        headers = builders.bearer(runtime, person)
        await session.commit()
    await runtime.engine.dispose()
    return headers


@pytest.fixture(scope="module")
def live(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("schemathesis")
    settings = make_settings(
        sqlite_copy(sqlite_template, folder),
        folder / "mail",
        rate_limit_writes=UNLIMITED,
        rate_limit_writes_ip=UNLIMITED,
        rate_limit_reads=UNLIMITED,
        rate_limit_reads_ip=UNLIMITED,
        rate_limit_auth_ip=UNLIMITED,
        rate_limit_auth_account=UNLIMITED,
    )
    headers = asyncio.run(_seed(settings))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", headers)
    server.should_exit = True
    thread.join(timeout=10)


def _document(build: Callable[[Settings], FastAPI]) -> schemathesis.BaseSchema:
    """The document as the server serves it; built here, so tests collect offline."""
    return schemathesis.openapi.from_dict(build(Settings()).openapi())


api = _document(build_api)
mobile = _document(build_mobile)

BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _call(case: Case, live: Live, prefix: str, signed_in: bool) -> None:
    headers = live.headers if signed_in else {}
    case.call_and_validate(
        base_url=live.base + prefix, headers=headers, checks=CHECKS, timeout=30
    )


@api.parametrize()
@BOUNDED
def test_api_document_holds_signed_in(case: Case, live: Live) -> None:
    _call(case, live, "/api/v1", signed_in=True)


@api.parametrize()
@BOUNDED
def test_api_document_holds_anonymous(case: Case, live: Live) -> None:
    _call(case, live, "/api/v1", signed_in=False)


@mobile.parametrize()
@BOUNDED
def test_mobile_document_holds_signed_in(case: Case, live: Live) -> None:
    _call(case, live, "/mobile/v1", signed_in=True)


@mobile.parametrize()
@BOUNDED
def test_mobile_document_holds_anonymous(case: Case, live: Live) -> None:
    _call(case, live, "/mobile/v1", signed_in=False)
