"""Cursor pagination: opaque cursors, a capped limit, a page body and Link."""

import base64
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request, Response

from app.errors import InvalidInputError
from app.routers.links import set_next_link
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from tests.platform.helpers import assert_problem, mounted

NAMES = [f"bairro-{number:02}" for number in range(1, 8)]


def _raw(values: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


@pytest.fixture
def paged_app(app: FastAPI) -> FastAPI:
    """A list route over a fixed sequence, keyed by (name, position)."""

    @mounted(app, "/api/v1").get("/probe/neighbourhoods")
    async def neighbourhoods(
        request: Request, response: Response, limit: Limit = 3, cursor: Cursor = None
    ) -> Page[str]:
        start = 0
        if cursor:
            _name, position = decode_cursor(cursor, (str, int))
            start = position + 1
        chunk = NAMES[start : start + limit]
        more = start + limit < len(NAMES)
        next_cursor = encode_cursor([chunk[-1], start + limit - 1]) if more else None
        set_next_link(request, response, next_cursor)
        return Page(items=chunk, next_cursor=next_cursor)

    return app


class TestCursorEncoding:
    @pytest.mark.parametrize(
        ("values", "types"),
        [([42], (int,)), (["2026-01-01T00:00:00Z", 7], (str, int)), ([1.5], (float,))],
    )
    def test_round_trip(self, values: list[object], types: tuple[type, ...]) -> None:
        cursor = encode_cursor(values)

        assert decode_cursor(cursor, types) == values
        assert "=" not in cursor

    @pytest.mark.parametrize(
        "cursor",
        [
            "***",
            "e30",  # {} : not a list
            _raw([1, 2]),  # one value too many
            _raw(["7"]),  # a string where an int belongs
            _raw([True]),  # a bool is no id
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        ],
    )
    def test_a_malformed_cursor_is_invalid_input_on_the_cursor(
        self, cursor: str
    ) -> None:
        with pytest.raises(InvalidInputError) as raised:
            decode_cursor(cursor, (int,))

        [error] = raised.value.extensions["errors"]
        assert (error["field"], error["location"]) == ("cursor", "query")
        assert error["code"] == "cursor_malformed"


class TestCursorTimes:
    def test_a_time_comes_back_as_an_aware_datetime(self) -> None:
        cursor = encode_cursor(["2026-05-01T10:00:00-03:00", 7])

        moment, last_id = decode_cursor(cursor, (datetime, int))

        assert moment == datetime(2026, 5, 1, 13, 0, tzinfo=UTC)
        assert last_id == 7

    @pytest.mark.parametrize(
        "value",
        [
            "9999-12-31T23:59:59-14:00",  # overflows when shifted to UTC
            "0001-01-01T00:00:00+14:00",
            "9500-01-01T00:00:00+00:00",  # beyond the years a request may name
            "2026-05-01T10:00:00",  # no offset
            "yesterday",
            12,
            None,
        ],
    )
    def test_a_time_beyond_the_calendar_is_a_malformed_cursor(
        self, value: object
    ) -> None:
        with pytest.raises(InvalidInputError) as raised:
            decode_cursor(_raw([value, 7]), (datetime, int))

        [error] = raised.value.extensions["errors"]
        assert error["code"] == "cursor_malformed"


class TestPagedList:
    async def test_following_next_cursor_walks_the_whole_list_once(
        self, paged_app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        url = "/api/v1/probe/neighbourhoods?limit=3"
        pages, links = [], []

        while url:
            response = await client.get(url)
            assert response.status_code == 200
            body = response.json()
            pages.append(body["items"])
            links.append(response.headers.get("link"))
            url = (
                f"/api/v1/probe/neighbourhoods?limit=3&cursor={body['next_cursor']}"
                if body["next_cursor"]
                else ""
            )

        assert pages == [NAMES[:3], NAMES[3:6], NAMES[6:]]
        assert links[-1] is None
        assert all(link and link.endswith('>; rel="next"') for link in links[:-1])
        assert "cursor=" in str(links[0])

    async def test_the_link_header_leads_to_the_next_page(
        self, paged_app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        first = await client.get("/api/v1/probe/neighbourhoods?limit=2")
        target = first.headers["link"].split(">")[0].lstrip("<")

        second = await client.get(target)

        assert second.json()["items"] == NAMES[2:4]

    async def test_a_malformed_cursor_is_a_422_problem(
        self, paged_app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/v1/probe/neighbourhoods?cursor=bm90LWpzb24")

        problem = assert_problem(response, 422, "validation-error")
        assert [error["field"] for error in problem["errors"]] == ["cursor"]

    @pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
    async def test_a_limit_outside_1_to_100_is_a_422_problem(
        self, paged_app: FastAPI, client: httpx.AsyncClient, limit: str
    ) -> None:
        response = await client.get(f"/api/v1/probe/neighbourhoods?limit={limit}")

        problem = assert_problem(response, 422, "validation-error")
        assert [error["field"] for error in problem["errors"]] == ["limit"]

    async def test_an_overlong_cursor_is_a_422_problem(
        self, paged_app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"/api/v1/probe/neighbourhoods?cursor={'A' * 513}")

        problem = assert_problem(response, 422, "validation-error")
        assert [error["field"] for error in problem["errors"]] == ["cursor"]
