"""Every error a client meets is RFC 9457 problem+json with one shape."""

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep
from app.errors import ConflictError, InvalidInputError
from tests.platform.conftest import AppFactory
from tests.platform.helpers import (
    assert_problem,
    failing_fields,
    mounted,
    serve,
    sign_up_body,
)

BODY_LIMIT = 2048


class TestUnknownRoute:
    @pytest.mark.parametrize(
        "path", ["/nothing-here", "/api/v1/nothing-here", "/mobile/v1/nothing-here"]
    )
    async def test_gets_404_problem_naming_the_path(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.get(path)

        body = assert_problem(response, 404, "not-found")
        assert body["title"] == "Not found"
        assert path in body["detail"]

    async def test_unknown_api_version_gets_404_problem(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/v2/auth/sign-up", json=sign_up_body())

        assert_problem(response, 404, "not-found")


class TestWrongMethod:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/api/v1/auth/sign-up", "POST"),
            ("GET", "/mobile/v1/auth/sign-in", "POST"),
            ("POST", "/healthz", "GET"),
        ],
    )
    async def test_gets_405_problem_with_allow(
        self, client: httpx.AsyncClient, method: str, path: str, allowed: str
    ) -> None:
        response = await client.request(method, path)

        body = assert_problem(response, 405, "method-not-allowed")
        assert response.headers["allow"] == allowed
        assert method in body["detail"]


class TestMalformedJson:
    @pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
    async def test_truncated_body_gets_400_problem(
        self, client: httpx.AsyncClient, prefix: str
    ) -> None:
        response = await client.post(
            f"{prefix}/auth/sign-up",
            content=b'{"email": "ana@example.org", "name": ',
            headers={"content-type": "application/json"},
        )

        body = assert_problem(response, 400, "malformed-json")
        [error] = body["errors"]
        assert error["field"] is None
        assert error["location"] == "body"
        assert error["code"] == "json_invalid"
        assert error["position"] == 37
        assert "position 37" in error["message"]

    async def test_body_that_is_not_an_object_gets_422_on_the_whole_body(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/v1/auth/sign-up", json=["ana"])

        body = assert_problem(response, 422, "validation-error")
        [error] = body["errors"]
        assert error["field"] is None
        assert error["location"] == "body"


class TestInvalidFields:
    async def test_wrong_type_and_overlong_field_are_both_named(
        self, client: httpx.AsyncClient
    ) -> None:
        body = sign_up_body(email=3, name="x" * 101)

        response = await client.post("/api/v1/auth/sign-up", json=body)

        problem = assert_problem(response, 422, "validation-error")
        codes = failing_fields(problem)
        assert set(codes) == {"email", "name"}
        assert codes["email"] == "string_type"
        assert codes["name"].endswith("too_long")
        for error in problem["errors"]:
            assert error["location"] == "body"
            assert error["message"]

    async def test_missing_field_is_named(self, client: httpx.AsyncClient) -> None:
        body = sign_up_body()
        del body["password"]

        response = await client.post("/mobile/v1/auth/sign-up", json=body)

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"password": "missing"}

    async def test_out_of_range_query_parameter_is_named(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        api = mounted(app, "/api/v1")

        @api.get("/probe/limited")
        async def limited(limit: int = 25) -> dict[str, int]:
            return {"limit": limit}

        response = await client.get("/api/v1/probe/limited?limit=many")

        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"][0]["location"] == "query"
        assert failing_fields(problem) == {"limit": "int_parsing"}


class TestUnknownFields:
    async def test_api_refuses_a_typo(self, client: httpx.AsyncClient) -> None:
        body = sign_up_body(nicknam="ana")

        response = await client.post("/api/v1/auth/sign-up", json=body)

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"nicknam": "extra_forbidden"}

    async def test_mobile_ignores_a_field_it_does_not_know(
        self, client: httpx.AsyncClient
    ) -> None:
        body = sign_up_body(favourite_colour="verde")

        response = await client.post("/mobile/v1/auth/sign-up", json=body)

        assert response.status_code == 201, response.text
        assert response.json()["email"] == body["email"]
        assert "favourite_colour" not in response.json()


class TestOversizedBody:
    @pytest.fixture
    async def small_client(self, app_with: AppFactory) -> httpx.AsyncClient:
        async with serve(app_with(max_body_bytes=BODY_LIMIT)) as client:
            yield client

    @pytest.mark.parametrize("prefix", ["/api/v1", "/mobile/v1"])
    async def test_declared_length_over_the_limit_gets_413_problem(
        self, small_client: httpx.AsyncClient, prefix: str
    ) -> None:
        body = sign_up_body(name="x" * (BODY_LIMIT * 2))

        response = await small_client.post(f"{prefix}/auth/sign-up", json=body)

        problem = assert_problem(response, 413, "payload-too-large")
        assert str(BODY_LIMIT) in problem["detail"]

    async def test_streamed_body_over_the_limit_gets_413_problem(
        self, small_client: httpx.AsyncClient
    ) -> None:
        async def chunks():
            for _ in range(4):
                yield b" " * 1000

        response = await small_client.post(
            "/api/v1/auth/sign-up",
            content=chunks(),
            headers={"content-type": "application/json"},
        )

        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload-too-large")

    async def test_refusal_carries_cors_headers_for_a_browser_to_read_it(
        self, app_with: AppFactory
    ) -> None:
        origin = "https://decide.contagem.mg.gov.br"
        app = app_with(max_body_bytes=BODY_LIMIT, cors_origins=[origin])
        body = sign_up_body(name="x" * (BODY_LIMIT * 2))

        async with serve(app) as client:
            response = await client.post(
                "/api/v1/auth/sign-up", json=body, headers={"Origin": origin}
            )

        assert_problem(response, 413, "payload-too-large")
        assert response.headers["access-control-allow-origin"] == origin

    async def test_body_under_the_limit_is_read(
        self, small_client: httpx.AsyncClient
    ) -> None:
        body = sign_up_body(name="x" * 90)

        response = await small_client.post("/api/v1/auth/sign-up", json=body)

        assert response.status_code == 201, response.text


class TestAuthenticationRequired:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}],
    )
    async def test_gets_401_problem_with_www_authenticate(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get("/api/v1/me", headers=headers)

        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"


class TestRateLimited:
    async def test_gets_429_problem_with_retry_after(
        self, app_with: AppFactory
    ) -> None:
        app = app_with(rate_limit_auth_ip="2/minute")
        credentials = {"email": "ninguem@example.org", "password": "wrong-password"}

        async with serve(app) as client:
            for _ in range(2):
                refused = await client.post("/api/v1/auth/sign-in", json=credentials)
                assert refused.status_code == 401
            response = await client.post("/api/v1/auth/sign-in", json=credentials)

        assert_problem(response, 429, "rate-limited")
        assert 1 <= int(response.headers["retry-after"]) <= 60


class TestValueTheDatabaseCannotStore:
    async def test_a_nul_character_is_a_422_not_a_500(
        self, client: httpx.AsyncClient
    ) -> None:
        body = sign_up_body(name="Ana\x00")

        response = await client.post("/api/v1/auth/sign-up", json=body)

        problem = assert_problem(response, 422, "validation-error")
        assert [(error["field"], error["code"]) for error in problem["errors"]] == [
            ("name", "nul_character")
        ]


class TestDatabaseErrors:
    @pytest.fixture
    def probed(self, app: FastAPI) -> FastAPI:
        @mounted(app, "/api/v1").post("/probe/statement")
        async def statement(sql: str, session: SessionDep) -> None:
            await session.execute(text("SET LOCAL statement_timeout = '20ms'"))
            await session.execute(text(sql))

        return app

    @pytest.mark.postgres
    async def test_a_statement_timeout_is_a_503_to_retry(self, probed: FastAPI) -> None:
        async with serve(probed) as client:
            response = await client.post(
                "/api/v1/probe/statement", params={"sql": "SELECT pg_sleep(1)"}
            )

        assert_problem(response, 503, "unavailable")
        assert response.headers["retry-after"] == "1"

    @pytest.mark.postgres
    async def test_a_broken_query_stays_a_500(self, probed: FastAPI) -> None:
        with structlog.testing.capture_logs():
            async with serve(probed, raise_app_exceptions=False) as client:
                response = await client.post(
                    "/api/v1/probe/statement",
                    params={"sql": "SELECT * FROM no_such_table"},
                )

        assert_problem(response, 500, "internal-error")


class TestDomainErrors:
    async def test_extensions_and_headers_reach_the_client(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        @mounted(app, "/api/v1").post("/probe/conflict")
        async def conflict() -> None:
            raise ConflictError("Already taken.", field="nickname")

        response = await client.post("/api/v1/probe/conflict")

        problem = assert_problem(response, 409, "conflict")
        assert problem["detail"] == "Already taken."
        assert problem["field"] == "nickname"

    async def test_invalid_input_names_its_field_like_validation_does(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        @mounted(app, "/mobile/v1").get("/probe/invalid")
        async def invalid() -> None:
            raise InvalidInputError("The cursor is malformed.", field="cursor")

        response = await client.get("/mobile/v1/probe/invalid")

        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"] == [
            {
                "field": "cursor",
                "location": "query",
                "message": "The cursor is malformed.",
                "code": "invalid",
            }
        ]


class TestUnexpectedError:
    SECRET = "password=hunter2 at db.internal"

    @pytest.mark.parametrize("prefix", ["", "/api/v1", "/mobile/v1"])
    async def test_gets_500_problem_showing_only_the_request_id(
        self, app: FastAPI, prefix: str
    ) -> None:
        target = mounted(app, prefix) if prefix else app

        @target.get("/probe/crash")
        async def crash() -> None:
            raise RuntimeError(self.SECRET)

        with structlog.testing.capture_logs() as logs:
            async with serve(app, raise_app_exceptions=False) as client:
                response = await client.get(
                    f"{prefix}/probe/crash", headers={"X-Request-ID": "req-500"}
                )

        body = assert_problem(response, 500, "internal-error")
        assert set(body) == {
            "type",
            "title",
            "status",
            "detail",
            "instance",
            "request_id",
        }
        assert body["request_id"] == "req-500"
        assert "hunter2" not in response.text
        assert "RuntimeError" not in response.text
        assert [entry["error"] for entry in logs if entry["log_level"] == "error"] == [
            "RuntimeError"
        ]
