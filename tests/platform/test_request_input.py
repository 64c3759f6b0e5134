"""Input the database cannot hold is a 422 naming the field, on every database."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import build_api
from app.models.components import ComponentType
from app.models.users import UserRole
from app.runtime import Runtime
from app.schemas.base import MAX_ID
from tests import builders
from tests.factories import sign_up_body
from tests.structure.councils.conftest import make_council, make_seat

API = "/api/v1"
TOO_BIG = 99999999999999999999


def assert_field_error(
    response: httpx.Response, field: str, location: str = "body"
) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    named = [error for error in errors if error["field"] == field]
    assert named, errors
    assert named[0]["location"] == location
    return named[0]


@pytest.fixture
async def admin_headers(session: AsyncSession, runtime: Runtime) -> dict[str, str]:
    admin = await builders.user(session, runtime, role=UserRole.ADMIN)
    return builders.bearer(runtime, admin)


class TestIdsBeyondBigint:
    @pytest.mark.parametrize("field", ["holder_user_id", "titular_seat_id"])
    async def test_a_new_seat_with_a_huge_id_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
        field: str,
    ) -> None:
        council = await make_council(session)
        body = {"sector": "government", field: TOO_BIG}

        response = await client.post(
            f"{API}/spaces/{council.id}/council/seats", json=body, headers=admin_headers
        )

        assert_field_error(response, field)

    @pytest.mark.parametrize("field", ["holder_user_id", "titular_seat_id"])
    async def test_a_seat_change_with_a_huge_id_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
        field: str,
    ) -> None:
        council = await make_council(session)
        seat = await make_seat(session, council)

        response = await client.patch(
            f"{API}/spaces/{council.id}/council/seats/{seat.id}",
            json={field: MAX_ID + 1},
            headers=admin_headers,
        )

        assert_field_error(response, field)

    async def test_a_component_order_with_a_huge_id_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
    ) -> None:
        space = await builders.space(session)

        response = await client.put(
            f"{API}/spaces/{space.id}/components/order",
            json={"ids": [TOO_BIG]},
            headers=admin_headers,
        )

        assert_field_error(response, "ids.0")

    def test_the_openapi_bound_is_the_exact_largest_bigint(
        self, settings: Settings
    ) -> None:
        document = build_api(settings).openapi()

        schema = document["components"]["schemas"]["MemberAdd"]["properties"]
        assert schema["user_id"]["maximum"] == 9223372036854775807
        assert isinstance(schema["user_id"]["maximum"], int)
        assert isinstance(schema["user_id"]["minimum"], int)


class TestTimesOutsideTheCalendar:
    @pytest.mark.parametrize(
        "published_at",
        [
            "9999-12-31T23:59:59-03:00",
            "0001-01-01T00:00:00+05:00",
            "1899-12-31T23:00:00+00:00",
            "2026-05-01T10:00:00",
        ],
    )
    async def test_a_post_time_that_cannot_be_stored_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
        published_at: str,
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(session, space)
        body = {"title": {"pt-BR": "Notícia"}, "body": {}, "published_at": published_at}

        response = await client.post(
            f"{API}/components/{component.id}/posts", json=body, headers=admin_headers
        )

        assert_field_error(response, "published_at")

    async def test_a_time_within_the_calendar_is_kept(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(session, space)
        body = {
            "title": {"pt-BR": "Notícia"},
            "body": {},
            "published_at": "2026-05-01T10:00:00-03:00",
        }

        response = await client.post(
            f"{API}/components/{component.id}/posts", json=body, headers=admin_headers
        )

        assert response.status_code == 201, response.text
        assert response.json()["published_at"] == "2026-05-01T10:00:00-03:00"

    async def test_a_survey_start_that_overflows_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
    ) -> None:
        space = await builders.space(session)
        body = {
            "type": "surveys",
            "name": {"pt-BR": "Pesquisa"},
            "settings": {"starts_at": "9999-12-31T23:59:59-03:00"},
        }

        response = await client.post(
            f"{API}/spaces/{space.id}/components", json=body, headers=admin_headers
        )

        assert_field_error(response, "surveys.settings.starts_at")


class TestNulCharacters:
    async def test_a_nul_in_a_space_title_is_a_422(
        self, client: httpx.AsyncClient, admin_headers: dict[str, str]
    ) -> None:
        body = {"kind": "process", "slug": "com-nul", "title": {"pt-BR": "a\x00b"}}

        response = await client.post(f"{API}/spaces", json=body, headers=admin_headers)

        error = assert_field_error(response, "title")
        assert error["code"] == "nul_character"

    async def test_a_nul_deep_in_component_settings_is_a_422(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin_headers: dict[str, str],
    ) -> None:
        space = await builders.space(session)
        component = await builders.component(
            session, space, type=ComponentType.MEETINGS
        )
        body = {"settings": {"registration_terms": {"pt-BR": "ok\x00"}}}

        response = await client.patch(
            f"{API}/components/{component.id}", json=body, headers=admin_headers
        )

        assert_field_error(response, "settings")

    async def test_a_nul_in_a_locale_key_is_a_422(
        self, client: httpx.AsyncClient, admin_headers: dict[str, str]
    ) -> None:
        body = {"name": {"pt-BR": "Saúde", "e\x00n": "Health"}}

        response = await client.post(
            f"{API}/area-types", json=body, headers=admin_headers
        )

        assert_field_error(response, "name")

    async def test_a_nul_in_a_mobile_sign_up_is_a_422(
        self, client: httpx.AsyncClient
    ) -> None:
        body = sign_up_body(name="Ana\x00Maria")

        response = await client.post("/mobile/v1/auth/sign-up", json=body)

        assert_field_error(response, "name")

    async def test_a_nul_in_a_query_string_is_a_422(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(f"{API}/spaces?q=%00")

        error = assert_field_error(response, "q", location="query")
        assert error["code"] == "nul_character"

    async def test_a_nul_in_a_path_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/spaces/espaco%00x")

        assert_field_error(response, "id_or_slug", location="path")

    async def test_a_nul_in_the_oauth2_form_is_a_422(
        self, client: httpx.AsyncClient
    ) -> None:
        form = {"username": "ana\x00@example.org", "password": "x", "grant_type": ""}

        response = await client.post(f"{API}/auth/token", data=form)

        assert_field_error(response, "username")

    async def test_the_oauth2_form_still_signs_in(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        account = await builders.user(session, runtime)
        form = {"username": account.email, "password": builders.PASSWORD}

        response = await client.post(f"{API}/auth/token", data=form)

        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "bearer"
