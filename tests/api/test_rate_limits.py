"""Rate limits on sign-in, sign-up and reset: per IP and per account, 429s."""

import os
import uuid

import httpx
import pytest
from limits.aio.storage import RedisStorage

from app.runtime import Runtime
from tests.api.conftest import AppBuilder
from tests.api.problems import assert_problem
from tests.conftest import IN_CI
from tests.factories import PASSWORD, confirmed_account, sign_up_body
from tests.mailbox import Mailbox

SIGN_IN = "/api/v1/auth/sign-in"
REDIS_URL = os.environ.get("DECIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _credentials(email: str | None = None) -> dict[str, str]:
    return {"email": email or f"{uuid.uuid4().hex}@example.org", "password": PASSWORD}


def assert_rate_limited(response: httpx.Response, window_seconds: int = 60) -> None:
    assert_problem(response, 429, "rate-limited")
    assert 1 <= int(response.headers["retry-after"]) <= window_seconds


async def test_fourth_sign_in_from_one_ip_is_429(build_app: AppBuilder):
    client = await build_app(rate_limit_auth_ip="3/minute").client()
    allowed = [await client.post(SIGN_IN, json=_credentials()) for _ in range(3)]

    response = await client.post(SIGN_IN, json=_credentials())

    assert [r.status_code for r in allowed] == [401, 401, 401]
    assert_rate_limited(response)


async def test_the_ip_limit_leaves_other_ips_alone(build_app: AppBuilder):
    under_test = build_app(rate_limit_auth_ip="3/minute")
    busy = await under_test.client(ip="203.0.113.1")
    for _ in range(4):
        await busy.post(SIGN_IN, json=_credentials())
    other = await under_test.client(ip="203.0.113.2")

    response = await other.post(SIGN_IN, json=_credentials())

    assert response.status_code == 401


async def test_fourth_sign_in_to_one_account_from_many_ips_is_429(
    build_app: AppBuilder,
):
    under_test = build_app(rate_limit_auth_account="3/minute")
    email = "target@example.org"
    for last_octet in range(1, 4):
        client = await under_test.client(ip=f"198.51.100.{last_octet}")
        allowed = await client.post(SIGN_IN, json=_credentials(email))
        assert allowed.status_code == 401
    client = await under_test.client(ip="198.51.100.4")

    response = await client.post(SIGN_IN, json=_credentials(email.upper()))

    assert_rate_limited(response)


async def test_the_account_limit_leaves_other_accounts_alone(build_app: AppBuilder):
    client = await build_app(rate_limit_auth_account="3/minute").client()
    for _ in range(4):
        await client.post(SIGN_IN, json=_credentials("target@example.org"))

    response = await client.post(SIGN_IN, json=_credentials("other@example.org"))

    assert response.status_code == 401


async def test_the_limit_spans_both_apis(build_app: AppBuilder):
    client = await build_app(rate_limit_auth_ip="3/minute").client()
    await client.post(SIGN_IN, json=_credentials())
    await client.post("/mobile/v1/auth/sign-in", json=_credentials())
    await client.post("/api/v1/auth/token", data={"username": "a", "password": "b"})

    response = await client.post("/mobile/v1/auth/sign-in", json=_credentials())

    assert_rate_limited(response)


async def test_sign_up_is_limited_per_ip(build_app: AppBuilder):
    client = await build_app(rate_limit_auth_ip="3/minute").client()
    for _ in range(3):
        created = await client.post("/api/v1/auth/sign-up", json=sign_up_body())
        assert created.status_code == 201

    response = await client.post("/api/v1/auth/sign-up", json=sign_up_body())

    assert_rate_limited(response)


async def test_password_reset_is_limited_per_account(build_app: AppBuilder):
    under_test = build_app(rate_limit_auth_account="3/minute")
    body = {"email": "target@example.org"}
    for last_octet in range(1, 4):
        client = await under_test.client(ip=f"198.51.100.{last_octet}")
        accepted = await client.post("/api/v1/auth/password-reset", json=body)
        assert accepted.status_code == 202
    client = await under_test.client(ip="198.51.100.4")

    response = await client.post("/api/v1/auth/password-reset", json=body)

    assert_rate_limited(response)


async def test_password_change_is_limited_per_account(
    build_app: AppBuilder, runtime: Runtime, mailbox: Mailbox
):
    under_test = build_app(rate_limit_auth_account="3/minute")
    client = await under_test.client()
    account = await confirmed_account(client, runtime, mailbox)
    guess = {"current_password": "a guess", "new_password": "another-long-pass-1"}
    for _ in range(3):
        wrong = await client.post(
            "/api/v1/auth/password", json=guess, headers=account.headers
        )
        assert wrong.status_code == 422

    response = await client.post(
        "/api/v1/auth/password", json=guess, headers=account.headers
    )

    assert_rate_limited(response)


async def test_sign_in_and_sign_up_are_counted_apart(build_app: AppBuilder):
    client = await build_app(rate_limit_auth_ip="3/minute").client()
    for _ in range(3):
        await client.post(SIGN_IN, json=_credentials())

    response = await client.post("/api/v1/auth/sign-up", json=sign_up_body())

    assert response.status_code == 201, response.text


@pytest.fixture
async def redis_url() -> str:
    """The test Redis, or a skip that says why (a failure in CI)."""
    storage = RedisStorage(
        REDIS_URL.replace("redis://", "async+redis://", 1), implementation="redispy"
    )
    try:
        reachable = await storage.check()
    except Exception:  # any failure means "not reachable"
        reachable = False
    if not reachable:
        message = f"Redis unreachable at {REDIS_URL} (set DECIDE_TEST_REDIS_URL)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


async def test_limits_hold_in_redis(build_app: AppBuilder, redis_url: str):
    # A fresh IP and e-mail per run: the counts live in a shared Redis.
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
    under_test = build_app(
        redis_url=redis_url,
        rate_limit_auth_ip="3/minute",
        rate_limit_auth_account="2/minute",
    )
    client = await under_test.client(ip=ip)
    email = f"{uuid.uuid4().hex}@example.org"
    per_account = [await client.post(SIGN_IN, json=_credentials(email)) for _ in "ab"]

    account_limited = await client.post(SIGN_IN, json=_credentials(email))
    ip_limited = await client.post(SIGN_IN, json=_credentials())

    assert [r.status_code for r in per_account] == [401, 401]
    assert_rate_limited(account_limited)
    assert_rate_limited(ip_limited)


async def test_limits_hold_in_process_while_redis_is_down(build_app: AppBuilder):
    client = await build_app(
        redis_url="redis://127.0.0.1:1/0", rate_limit_auth_ip="3/minute"
    ).client()
    allowed = [await client.post(SIGN_IN, json=_credentials()) for _ in range(3)]

    response = await client.post(SIGN_IN, json=_credentials())

    assert [r.status_code for r in allowed] == [401, 401, 401]
    assert_rate_limited(response)
