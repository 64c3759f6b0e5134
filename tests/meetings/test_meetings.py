"""Meetings from announcement to minutes: create, publish, change, call off, close."""

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.spaces import Phase
from app.runtime import Runtime
from tests.api.problems import assert_problem, failing_fields
from tests.builders import actor
from tests.meetings.conftest import (
    API,
    Cast,
    events,
    meeting,
    meeting_body,
    meetings_component,
)


class TestCreate:
    async def test_an_admin_creates_a_draft_the_public_cannot_see(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=meeting_body(),
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["state"] == "draft"
        assert created["organiser_user_id"] is None
        assert created["space_id"] == cast.space.id
        hidden = await client.get(f"{API}/meetings/{created['id']}")
        assert_problem(hidden, 404, "not-found")

    async def test_times_are_stored_in_utc_with_the_same_instant(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = meeting_body(
            starts_at="2030-03-10T19:00:00-03:00", ends_at="2030-03-10T21:30:00-03:00"
        )

        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=body,
            headers=cast.space_admin.headers,
        )

        created = response.json()
        assert datetime.fromisoformat(created["starts_at"]) == datetime.fromisoformat(
            "2030-03-10T22:00:00+00:00"
        )
        assert created["starts_at"].endswith(("+00:00", "Z"))
        assert created["registrations_close_at"] == created["starts_at"]

    async def test_a_time_without_offset_is_422(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = meeting_body(starts_at="2030-03-10T19:00:00")

        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=body,
            headers=cast.space_admin.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"starts_at"}

    @pytest.mark.parametrize(
        "end", ["9999-12-31T23:59:59-03:00", "0001-01-01T00:00:00+05:00"]
    )
    async def test_a_time_at_the_ends_of_the_calendar_is_422(
        self, client: httpx.AsyncClient, cast: Cast, end: str
    ) -> None:
        body = meeting_body(ends_at=end)

        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=body,
            headers=cast.space_admin.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"ends_at"}

    async def test_an_end_before_the_start_is_422(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = meeting_body(
            starts_at="2030-03-10T19:00:00-03:00", ends_at="2030-03-10T18:00:00-03:00"
        )

        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=body,
            headers=cast.space_admin.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"ends_at"}

    async def test_an_online_meeting_needs_a_link_and_in_person_an_address(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        url = f"{API}/components/{cast.component.id}/meetings"
        online = meeting_body(type="online")
        in_person = meeting_body()
        del in_person["address"]

        no_link = await client.post(url, json=online, headers=cast.space_admin.headers)
        no_address = await client.post(
            url, json=in_person, headers=cast.space_admin.headers
        )

        assert failing_fields(assert_problem(no_link, 422, "validation-error")) == {
            "online_url"
        }
        assert failing_fields(assert_problem(no_address, 422, "validation-error")) == {
            "address"
        }

    async def test_reserved_slots_must_leave_places(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        body = meeting_body(capacity=10, reserved_slots=10)

        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=body,
            headers=cast.space_admin.headers,
        )

        problem = assert_problem(response, 422, "validation-error")
        assert failing_fields(problem) == {"reserved_slots"}

    async def test_a_participant_may_not_organise_by_default(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        response = await client.post(
            f"{API}/components/{cast.component.id}/meetings",
            json=meeting_body(),
            headers=cast.participant.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_a_participant_organises_where_the_component_allows(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await meetings_component(
            session, cast.space, participants_can_create=True
        )
        component.default_switches = {"creation_enabled": True}
        await session.flush()

        response = await client.post(
            f"{API}/components/{component.id}/meetings",
            json=meeting_body(),
            headers=cast.participant.headers,
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert created["organiser_user_id"] == cast.participant.id
        own = await client.get(
            f"{API}/meetings/{created['id']}", headers=cast.participant.headers
        )
        assert own.status_code == 200

    async def test_the_setting_alone_is_not_enough_and_the_403_says_so(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        setting_only = await meetings_component(
            session, cast.space, participants_can_create=True
        )
        switch_only = await meetings_component(session, cast.space)
        switch_only.default_switches = {"creation_enabled": True}
        await session.flush()

        refused = [
            await client.post(
                f"{API}/components/{component.id}/meetings",
                json=meeting_body(),
                headers=cast.participant.headers,
            )
            for component in (setting_only, switch_only)
        ]

        without_switch, without_setting = (
            assert_problem(response, 403, "forbidden")["detail"] for response in refused
        )
        assert "creation_enabled" in without_switch
        assert "participants_can_create" in without_setting

    async def test_the_active_phase_can_close_participant_creation(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await meetings_component(
            session, cast.space, participants_can_create=True
        )
        phase = Phase(space_id=cast.space.id, position=1, title={}, active=True)
        session.add(phase)
        await session.flush()
        component.default_switches = {"creation_enabled": True}
        component.phase_switches = {str(phase.id): {"creation_enabled": False}}
        await session.flush()

        response = await client.post(
            f"{API}/components/{component.id}/meetings",
            json=meeting_body(),
            headers=cast.participant.headers,
        )

        assert_problem(response, 403, "forbidden")


class TestPublish:
    async def test_publishing_shows_it_and_announces_it(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await meeting(session, cast.component, published=False)

        response = await client.post(
            f"{API}/meetings/{draft.id}/publish", headers=cast.space_admin.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["state"] == "published"
        seen = await client.get(f"{API}/meetings/{draft.id}")
        assert seen.status_code == 200
        [payload] = await events(session, "meeting.published")
        assert payload["meeting_id"] == draft.id
        assert payload["space_id"] == cast.space.id

    async def test_publishing_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)

        response = await client.post(
            f"{API}/meetings/{shown.id}/publish", headers=cast.space_admin.headers
        )

        assert_problem(response, 409, "conflict")

    async def test_an_outsider_may_not_publish(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await meeting(session, cast.component, published=False)

        response = await client.post(
            f"{API}/meetings/{draft.id}/publish", headers=cast.participant.headers
        )

        assert_problem(response, 403, "forbidden")
        assert await events(session, "meeting.published") == []


class TestUpdate:
    async def test_a_calendar_change_bumps_the_sequence(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        later = shown.starts_at + timedelta(hours=1)

        moved = await client.patch(
            f"{API}/meetings/{shown.id}",
            json={
                "starts_at": later.isoformat(),
                "ends_at": (later + timedelta(hours=2)).isoformat(),
            },
            headers=cast.space_admin.headers,
        )
        renamed_terms = await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"registration_terms": {"pt-BR": "Aceito"}},
            headers=cast.space_admin.headers,
        )

        assert moved.json()["sequence"] == 1
        assert datetime.fromisoformat(moved.json()["starts_at"]) == later
        assert renamed_terms.json()["sequence"] == 1

    async def test_null_for_a_required_field_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)

        response = await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"starts_at": None},
            headers=cast.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "starts_at"
        }


class TestCallOff:
    async def test_cancelling_keeps_it_listed_with_its_reason(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)

        response = await client.post(
            f"{API}/meetings/{shown.id}/cancel",
            json={"reason": "Chuva forte"},
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        seen = (await client.get(f"{API}/meetings/{shown.id}")).json()
        assert seen["state"] == "cancelled"
        assert seen["cancellation_reason"] == "Chuva forte"
        assert seen["sequence"] == 1
        [payload] = await events(session, "meeting.cancelled")
        assert payload["reason"] == "Chuva forte"

    async def test_cancelling_without_a_reason_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)

        response = await client.post(
            f"{API}/meetings/{shown.id}/cancel",
            json={"reason": ""},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 422, "validation-error")

    async def test_a_cancelled_meeting_cannot_change(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component, cancelled_at=utcnow())

        response = await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"address": "Outro lugar"},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")

    async def test_only_its_participant_organiser_withdraws_it(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await meeting(
            session, cast.component, organiser_user_id=cast.participant.id
        )
        stranger = await actor(session, runtime)

        refused = await client.post(
            f"{API}/meetings/{shown.id}/withdraw",
            json={"reason": "Mudei de ideia"},
            headers=stranger.headers,
        )
        withdrawn = await client.post(
            f"{API}/meetings/{shown.id}/withdraw",
            json={"reason": "Mudei de ideia"},
            headers=cast.participant.headers,
        )

        assert_problem(refused, 403, "forbidden")
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["state"] == "withdrawn"
        assert withdrawn.json()["cancellation_reason"] == "Mudei de ideia"


MINUTES = {
    "closing_report": {"pt-BR": "<p>Aprovado o plano<script>x</script></p>"},
    "attendees_count": 42,
    "contributions_count": 7,
    "attending_organisations": "Associação do Eldorado",
    "video_url": "https://video.example.org/plenaria",
    "minutes_visible": True,
}


class TestClose:
    async def test_closing_records_the_minutes_and_announces_it(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        held = await meeting(
            session, cast.component, starts_at=utcnow() - timedelta(hours=3)
        )

        response = await client.post(
            f"{API}/meetings/{held.id}/close",
            json=MINUTES,
            headers=cast.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        minutes = (await client.get(f"{API}/meetings/{held.id}")).json()["minutes"]
        assert minutes["closing_report"] == {"pt-BR": "<p>Aprovado o plano</p>"}
        assert minutes["attendees_count"] == 42
        assert minutes["contributions_count"] == 7
        assert minutes["attending_organisations"] == "Associação do Eldorado"
        assert minutes["video_url"] == "https://video.example.org/plenaria"
        [payload] = await events(session, "meeting.closed")
        assert payload["attendees_count"] == 42

    async def test_hidden_minutes_are_the_teams_only(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        held = await meeting(
            session, cast.component, starts_at=utcnow() - timedelta(hours=3)
        )
        await client.post(
            f"{API}/meetings/{held.id}/close",
            json=MINUTES | {"minutes_visible": False},
            headers=cast.space_admin.headers,
        )

        public = await client.get(f"{API}/meetings/{held.id}")
        team = await client.get(
            f"{API}/meetings/{held.id}", headers=cast.space_admin.headers
        )

        assert public.json()["state"] == "closed"
        assert public.json()["minutes"] is None
        assert team.json()["minutes"]["attendees_count"] == 42

    async def test_a_meeting_not_started_cannot_close(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        coming = await meeting(session, cast.component)

        response = await client.post(
            f"{API}/meetings/{coming.id}/close",
            json=MINUTES,
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")
        assert await events(session, "meeting.closed") == []


class TestAgenda:
    async def test_the_agenda_is_replaced_in_order(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        start = shown.starts_at
        items = [
            {
                "title": {"pt-BR": "Abertura"},
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(minutes=15)).isoformat(),
            },
            {"title": {"pt-BR": "Votação"}},
        ]

        first = await client.put(
            f"{API}/meetings/{shown.id}/agenda",
            json={"items": items},
            headers=cast.space_admin.headers,
        )
        second = await client.put(
            f"{API}/meetings/{shown.id}/agenda",
            json={"items": items[1:]},
            headers=cast.space_admin.headers,
        )

        assert [item["title"]["pt-BR"] for item in first.json()["agenda"]] == [
            "Abertura",
            "Votação",
        ]
        agenda = (await client.get(f"{API}/meetings/{shown.id}")).json()["agenda"]
        assert second.status_code == 200
        assert [(item["position"], item["title"]["pt-BR"]) for item in agenda] == [
            (0, "Votação")
        ]

    async def test_an_item_outside_the_meeting_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        early = shown.starts_at - timedelta(hours=1)

        response = await client.put(
            f"{API}/meetings/{shown.id}/agenda",
            json={
                "items": [{"title": {"pt-BR": "Café"}, "starts_at": early.isoformat()}]
            },
            headers=cast.space_admin.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "items.0"
        }
