"""Concurrent requests on PostgreSQL: the account limits hold, nothing is a 500.

These tests commit for real through ``committed_client`` (the conftest empties
the tables afterwards) and are deselected on SQLite.
"""

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select

from app.models.users import RefreshToken, User
from app.runtime import Runtime
from tests.factories import PASSWORD, confirm, sign_in, sign_up, sign_up_body
from tests.mailbox import Mailbox

ATTEMPTS = 20


async def test_twenty_sign_ups_with_one_email_make_one_account(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
):
    email = "disputada@example.org"
    bodies = [
        sign_up_body(email=email.upper() if n % 2 else email) for n in range(ATTEMPTS)
    ]

    responses = await asyncio.gather(
        *(committed_client.post("/api/v1/auth/sign-up", json=b) for b in bodies)
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: ATTEMPTS - 1}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["field"] == "email", response.text
    async with committed_runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(User.email_normalized == email)
        )
    assert count == 1


async def test_twenty_sign_ups_with_one_nickname_make_one_account(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime
):
    bodies = [sign_up_body(nickname="disputado") for _ in range(ATTEMPTS)]

    responses = await asyncio.gather(
        *(committed_client.post("/api/v1/auth/sign-up", json=b) for b in bodies)
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: ATTEMPTS - 1}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["field"] == "nickname", response.text
    async with committed_runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(User.nickname == "disputado")
        )
    assert count == 1


async def test_twenty_refreshes_of_one_token_give_at_most_one_pair(
    committed_client: httpx.AsyncClient, committed_runtime: Runtime, mailbox: Mailbox
):
    created = await sign_up(committed_client)
    email = str(created["email"])
    await confirm(committed_client, committed_runtime, mailbox, email)
    tokens = await sign_in(committed_client, email, PASSWORD)
    body = {"refresh_token": tokens["refresh_token"]}

    responses = await asyncio.gather(
        *(committed_client.post("/api/v1/auth/refresh", json=body) for _ in range(20))
    )

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {200, 401}, statuses
    assert statuses[200] <= 1, statuses
    async with committed_runtime.sessionmaker() as session:
        family = await session.scalar(
            select(RefreshToken.family).where(RefreshToken.user_id == created["id"])
        )
        revoked = (
            await session.scalars(
                select(RefreshToken.revoked_at).where(RefreshToken.family == family)
            )
        ).all()
    assert revoked and all(revoked_at is not None for revoked_at in revoked)
    for response in responses:
        if response.status_code == 200:
            newest = {"refresh_token": response.json()["refresh_token"]}
            again = await committed_client.post("/api/v1/auth/refresh", json=newest)
            assert again.status_code == 401
