"""Reads carry an ETag, answer If-None-Match with 304, and say how to cache."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.routers.meetings import PUBLIC_FEED_CACHE
from tests import builders
from tests.builders import Actor
from tests.http_caching.conftest import API, MOBILE


async def test_a_read_carries_an_etag_and_cache_headers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await builders.space(session)

    response = await client.get(f"{API}/spaces")

    assert response.status_code == 200
    assert response.headers["etag"].startswith('"')
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["vary"] == "Authorization, Accept-Language"


async def test_a_matching_if_none_match_gets_304_without_a_body(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await builders.space(session)
    first = await client.get(f"{API}/spaces")

    again = await client.get(
        f"{API}/spaces", headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["vary"] == first.headers["vary"]
    assert "content-type" not in again.headers


async def test_a_weak_tag_in_a_list_matches_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await builders.space(session)
    etag = (await client.get(f"{API}/spaces")).headers["etag"]

    again = await client.get(
        f"{API}/spaces", headers={"If-None-Match": f'"other", W/{etag}'}
    )

    assert again.status_code == 304


async def test_a_change_gives_a_new_etag_and_a_full_answer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await builders.space(session)
    first = await client.get(f"{API}/spaces")
    await builders.space(session, title="Orçamento Participativo 2027")

    again = await client.get(
        f"{API}/spaces", headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.status_code == 200
    assert again.headers["etag"] != first.headers["etag"]
    assert "Orçamento Participativo 2027" in again.text


async def test_a_signed_in_read_is_private(
    client: httpx.AsyncClient, participant: Actor
) -> None:
    response = await client.get(f"{API}/me", headers=participant.headers)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization, Accept-Language"
    assert "etag" in response.headers


async def test_the_mobile_api_tags_and_revalidates_too(
    client: httpx.AsyncClient, participant: Actor
) -> None:
    first = await client.get(f"{MOBILE}/me", headers=participant.headers)

    again = await client.get(
        f"{MOBILE}/me",
        headers={**participant.headers, "If-None-Match": first.headers["etag"]},
    )

    assert first.headers["cache-control"] == "private, no-cache"
    assert again.status_code == 304


async def test_a_calendar_feed_keeps_its_own_cache_control(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/meetings.ics")

    assert response.status_code == 200
    assert response.headers["cache-control"] == PUBLIC_FEED_CACHE
    assert response.headers["vary"] == "Authorization, Accept-Language"
    assert "etag" in response.headers


async def test_a_private_no_store_answer_keeps_it(
    client: httpx.AsyncClient, participant: Actor
) -> None:
    response = await client.get(f"{API}/me/declarations", headers=participant.headers)

    assert response.headers["cache-control"] == "private, no-store"


async def test_errors_carry_no_etag(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/spaces/999999")

    assert response.status_code == 404
    assert "etag" not in response.headers
