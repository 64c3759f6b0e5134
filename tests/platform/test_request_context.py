"""X-Request-ID in and out, and one structured access log line per request."""

import json
import re

import httpx
import pytest
import structlog
from fastapi import FastAPI

from app.runtime import Runtime
from tests.factories import PASSWORD, confirmed_account
from tests.mailbox import Mailbox
from tests.platform.helpers import assert_problem, mounted, serve

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


async def raw_request(app: FastAPI, headers: list[tuple[bytes, bytes]]) -> dict:
    """Sends one GET /healthz with headers no HTTP client would let through."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(
        message for message in sent if message["type"] == "http.response.start"
    )
    return {name.decode(): value.decode() for name, value in start["headers"]}


class TestRequestId:
    async def test_a_sane_id_from_the_client_is_echoed(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "app-7.f_3"})

        assert response.headers["x-request-id"] == "app-7.f_3"

    async def test_each_request_without_one_gets_its_own(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await client.get("/healthz")
        second = await client.get("/healthz")

        assert GENERATED_ID.fullmatch(first.headers["x-request-id"])
        assert GENERATED_ID.fullmatch(second.headers["x-request-id"])
        assert first.headers["x-request-id"] != second.headers["x-request-id"]

    @pytest.mark.parametrize(
        "path", ["/api/v1/none", "/mobile/v1/auth/sign-in", "/api/v1/me"]
    )
    async def test_errors_carry_it_in_header_and_body(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.post(
            path, content=b"{", headers={"X-Request-ID": "trace-1"}
        )

        assert response.status_code >= 400
        assert response.headers["x-request-id"] == "trace-1"
        assert response.json()["request_id"] == "trace-1"

    @pytest.mark.parametrize(
        "hostile",
        ["a" * 129, "spaces are not allowed", 'quote"d', "<script>", "ç"],
    )
    async def test_a_hostile_id_is_replaced(
        self, client: httpx.AsyncClient, hostile: str
    ) -> None:
        response = await client.get(
            "/healthz", headers={"X-Request-ID": hostile.encode("utf-8")}
        )

        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])

    @pytest.mark.parametrize("hostile", [b"abc\n", b"abc\r\nSet-Cookie: x=1"])
    async def test_an_id_with_a_line_break_is_replaced(
        self, app: FastAPI, hostile: bytes
    ) -> None:
        headers = await raw_request(app, [(b"x-request-id", hostile)])

        assert GENERATED_ID.fullmatch(headers["x-request-id"])
        assert "set-cookie" not in headers

    async def test_the_response_has_exactly_one(self, app: FastAPI) -> None:
        headers = await raw_request(app, [(b"x-request-id", b"only-one")])

        assert headers["x-request-id"] == "only-one"


class TestAccessLog:
    async def test_one_line_per_request_with_its_context(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ) -> None:
        account = await confirmed_account(client, runtime, mailbox)

        with structlog.testing.capture_logs(
            processors=[structlog.contextvars.merge_contextvars]
        ) as logs:
            response = await client.get(
                "/api/v1/me",
                headers={**account.headers, "X-Request-ID": "log-1"},
            )

        [line] = [entry for entry in logs if entry["event"] == "http.request"]
        assert response.status_code == 200
        assert line["request_id"] == "log-1"
        assert line["method"] == "GET"
        assert line["path"] == "/api/v1/me"
        assert line["status"] == 200
        assert line["user_id"] == account.id
        assert line["duration_ms"] >= 0

    async def test_a_hostile_app_version_is_not_logged(
        self, client: httpx.AsyncClient
    ) -> None:
        with structlog.testing.capture_logs(
            processors=[structlog.contextvars.merge_contextvars]
        ) as logs:
            await client.get("/healthz", headers={"X-App-Version": "1.0\x1b[31mred"})
            await client.get("/healthz", headers={"X-App-Version": "2.3.1+build.7"})

        versions = [entry["app_version"] for entry in logs]
        assert versions == [None, "2.3.1+build.7"]

    async def test_no_password_or_token_reaches_the_logs(
        self, client: httpx.AsyncClient, runtime: Runtime, mailbox: Mailbox
    ) -> None:
        with structlog.testing.capture_logs(
            processors=[structlog.contextvars.merge_contextvars]
        ) as logs:
            account = await confirmed_account(client, runtime, mailbox)
            refreshed = await client.post(
                "/api/v1/auth/refresh", json={"refresh_token": account.refresh_token}
            )
            await client.post(
                "/api/v1/auth/sign-in",
                json={"email": account.email, "password": "wrong password!"},
            )

        written = json.dumps(logs, default=str)
        confirmation_token = mailbox.last_token(account.email)
        assert refreshed.status_code == 200
        assert {"account.signed_up", "account.signed_in"} <= {
            entry["event"] for entry in logs
        }
        for secret in (
            PASSWORD,
            "wrong password!",
            account.access_token,
            account.refresh_token,
            refreshed.json()["refresh_token"],
            confirmation_token,
        ):
            assert secret not in written

    async def test_an_unexpected_error_is_logged_once(self, app: FastAPI) -> None:
        api = mounted(app, "/api/v1")

        @api.get("/probe/crash")
        async def crash() -> None:
            raise RuntimeError("boom")

        with structlog.testing.capture_logs() as logs:
            async with serve(app, raise_app_exceptions=False) as client:
                response = await client.get("/api/v1/probe/crash")

        assert_problem(response, 500, "internal-error")
        failures = [entry for entry in logs if entry["event"] == "request.failed"]
        assert len(failures) == 1
        assert failures[0]["error"] == "RuntimeError"
