"""Registrations: places, waiting list, codes, terms, check-in, attendee list."""

from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.meetings import Meeting, MeetingRegistration, RegistrationType
from app.models.spaces import SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.builders import Actor, actor
from tests.meetings.conftest import (
    API,
    Cast,
    events,
    meeting,
    meetings_component,
    open_meeting,
)


async def register(
    client: httpx.AsyncClient, meeting_id: int, who: Actor, **body: object
) -> httpx.Response:
    return await client.post(
        f"{API}/meetings/{meeting_id}/registration", json=body, headers=who.headers
    )


async def counters(session: AsyncSession, meeting_id: int) -> tuple[int, int]:
    row = (
        await session.execute(
            select(Meeting.registrations_count, Meeting.waitlist_count)
            .where(Meeting.id == meeting_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1]


class TestRegister:
    async def test_a_place_comes_with_a_code_and_counts(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component, capacity=10)

        response = await register(client, shown.id, cast.participant)

        assert response.status_code == 201, response.text
        registration = response.json()
        assert registration["status"] == "confirmed"
        assert len(registration["code"]) == 8
        seen = (await client.get(f"{API}/meetings/{shown.id}")).json()
        assert seen["registrations_count"] == 1
        assert seen["remaining_places"] == 9
        [payload] = await events(session, "registration.confirmed")
        assert payload["user_id"] == cast.participant.id
        assert payload["meeting_id"] == shown.id

    async def test_reserved_slots_are_not_offered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(
            session, cast.component, capacity=3, reserved_slots=2
        )
        other = await actor(session, runtime)

        first = await register(client, shown.id, cast.participant)
        second = await register(client, shown.id, other)

        assert first.status_code == 201
        assert_problem(second, 409, "conflict")
        assert (await client.get(f"{API}/meetings/{shown.id}")).json()[
            "remaining_places"
        ] == 0

    async def test_registering_twice_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)

        await register(client, shown.id, cast.participant)
        again = await register(client, shown.id, cast.participant)

        assert_problem(again, 409, "conflict")
        assert await counters(session, shown.id) == (1, 0)

    async def test_unlimited_places_have_no_remaining_count(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)

        await register(client, shown.id, cast.participant)

        seen = (await client.get(f"{API}/meetings/{shown.id}")).json()
        assert seen["capacity"] == 0
        assert seen["remaining_places"] is None
        assert seen["registrations_count"] == 1

    async def test_terms_must_be_accepted(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        component = await meetings_component(
            session, cast.space, registration_terms={"pt-BR": "Uso de imagem"}
        )
        shown = await open_meeting(session, component)

        refused = await register(client, shown.id, cast.participant)
        accepted = await register(client, shown.id, cast.participant, accept_terms=True)

        problem = assert_problem(refused, 422, "validation-error")
        assert failing_fields(problem) == {"accept_terms"}
        assert accepted.status_code == 201

    async def test_a_started_or_ended_meeting_takes_no_registration(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        running = await open_meeting(
            session, cast.component, starts_at=utcnow() - timedelta(minutes=5)
        )
        ended = await open_meeting(
            session, cast.component, starts_at=utcnow() - timedelta(days=2)
        )

        for shown in (running, ended):
            response = await register(client, shown.id, cast.participant)
            assert_problem(response, 409, "conflict")
        assert await session.scalar(select(func.count(MeetingRegistration.id))) == 0

    async def test_registrations_respect_their_opening_and_closing(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        not_yet = await open_meeting(
            session,
            cast.component,
            registrations_open_at=utcnow() + timedelta(days=1),
        )
        closed = await open_meeting(
            session,
            cast.component,
            registrations_close_at=utcnow() - timedelta(minutes=1),
        )

        assert_problem(
            await register(client, not_yet.id, cast.participant), 409, "conflict"
        )
        assert_problem(
            await register(client, closed.id, cast.participant), 409, "conflict"
        )

    async def test_disabled_or_external_registration_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        disabled = await meeting(session, cast.component)
        external = await meeting(
            session,
            cast.component,
            registration_type=RegistrationType.EXTERNAL,
            registration_url="https://forms.example.org/x",
        )

        for shown in (disabled, external):
            assert_problem(
                await register(client, shown.id, cast.participant), 409, "conflict"
            )

    async def test_anonymous_gets_401(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)

        response = await client.post(f"{API}/meetings/{shown.id}/registration", json={})

        assert_problem(response, 401, "unauthenticated")

    async def test_a_meeting_of_a_private_space_is_404_to_outsiders(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        component = await meetings_component(session, private)
        shown = await open_meeting(session, component)

        response = await register(client, shown.id, cast.participant)

        assert_problem(response, 404, "not-found")


class TestWaitingList:
    async def test_a_full_meeting_without_a_list_refuses(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(session, cast.component, capacity=1)
        late = await actor(session, runtime)
        await register(client, shown.id, cast.participant)

        response = await register(client, shown.id, late)

        assert_problem(response, 409, "conflict")
        assert response.json()["error_code"] == "meeting_full"

    async def test_cancelling_promotes_the_queue_in_order(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(
            session, cast.component, capacity=1, waitlist_enabled=True
        )
        second = await actor(session, runtime)
        third = await actor(session, runtime)
        await register(client, shown.id, cast.participant)
        queued = [
            (await register(client, shown.id, who)).json() for who in (second, third)
        ]

        cancelled = await client.delete(
            f"{API}/meetings/{shown.id}/registration", headers=cast.participant.headers
        )

        assert [entry["status"] for entry in queued] == ["waiting", "waiting"]
        assert cancelled.status_code == 204
        assert await counters(session, shown.id) == (1, 1)
        mine = await client.get(
            f"{API}/meetings/{shown.id}/registration", headers=second.headers
        )
        still = await client.get(
            f"{API}/meetings/{shown.id}/registration", headers=third.headers
        )
        assert mine.json()["status"] == "confirmed"
        assert still.json()["status"] == "waiting"
        [payload] = await events(session, "registration.promoted")
        assert payload["user_id"] == second.id

    async def test_more_places_promote_the_queue(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(
            session, cast.component, capacity=1, waitlist_enabled=True
        )
        await register(client, shown.id, cast.participant)
        waiting = await actor(session, runtime)
        await register(client, shown.id, waiting)

        await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"capacity": 5},
            headers=cast.space_admin.headers,
        )

        assert await counters(session, shown.id) == (2, 0)

    async def test_places_cannot_drop_below_the_registered(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(session, cast.component, capacity=5)
        await register(client, shown.id, cast.participant)
        await register(client, shown.id, await actor(session, runtime))

        response = await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"capacity": 1},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 409, "conflict")

    async def test_cancelling_a_registration_one_does_not_hold_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)

        response = await client.delete(
            f"{API}/meetings/{shown.id}/registration", headers=cast.participant.headers
        )

        assert_problem(response, 404, "not-found")


class TestCheckIn:
    async def test_an_admin_checks_in_a_code_once(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)
        code = (await register(client, shown.id, cast.participant)).json()["code"]
        url = f"{API}/meetings/{shown.id}/check-ins"

        first = await client.post(
            url, json={"code": code.lower()}, headers=cast.space_admin.headers
        )
        again = await client.post(
            url, json={"code": code}, headers=cast.space_admin.headers
        )

        assert first.status_code == 200, first.text
        assert first.json()["checked_in_at"] is not None
        assert_problem(again, 409, "conflict")

    async def test_a_participant_may_not_check_in(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)
        code = (await register(client, shown.id, cast.participant)).json()["code"]

        response = await client.post(
            f"{API}/meetings/{shown.id}/check-ins",
            json={"code": code},
            headers=cast.participant.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_an_unknown_code_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await open_meeting(session, cast.component)

        response = await client.post(
            f"{API}/meetings/{shown.id}/check-ins",
            json={"code": "ZZZZZZZZ"},
            headers=cast.space_admin.headers,
        )

        assert_problem(response, 404, "not-found")


class TestAttendees:
    async def test_only_those_who_opt_in_are_listed_by_name(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(session, cast.component)
        listed = await actor(session, runtime, name="Maria Aparecida")
        await register(client, shown.id, listed, public_participation=True)
        await register(client, shown.id, cast.participant)

        response = await client.get(f"{API}/meetings/{shown.id}/attendees")

        assert response.status_code == 200
        assert [(a["user_id"], a["name"]) for a in response.json()["items"]] == [
            (listed.id, "Maria Aparecida")
        ]

    async def test_attendees_of_an_unpublished_space_are_404(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        draft = await builders.space(session, status=SpaceStatus.DRAFT)
        component = await meetings_component(session, draft)
        shown = await open_meeting(session, component)

        response = await client.get(f"{API}/meetings/{shown.id}/attendees")

        assert_problem(response, 404, "not-found")


async def test_a_transparent_space_is_read_by_all_but_joined_by_members(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, cast: Cast
) -> None:
    transparent = await builders.space(session, visibility=Visibility.PRIVATE)
    transparent.transparent = True
    await session.flush()
    shown = await open_meeting(session, await meetings_component(session, transparent))
    member = await actor(session, runtime)
    assert member.user is not None
    await builders.member(session, transparent, member.user)

    outsider = await register(client, shown.id, cast.participant)
    inside = await register(client, shown.id, member)

    assert_problem(outsider, 403, "forbidden")
    assert inside.status_code == 201, inside.text


class TestTeamList:
    async def test_the_team_sees_every_registration_in_order(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        shown = await open_meeting(
            session, cast.component, capacity=1, waitlist_enabled=True
        )
        waiting = await actor(session, runtime, name="Joana Darc")
        await register(client, shown.id, cast.participant)
        await register(client, shown.id, waiting)
        url = f"{API}/meetings/{shown.id}/registrations"

        first = await client.get(
            url, params={"limit": 1}, headers=cast.space_admin.headers
        )
        second = await client.get(
            url,
            params={"limit": 1, "cursor": first.json()["next_cursor"]},
            headers=cast.space_admin.headers,
        )
        refused = await client.get(url, headers=cast.participant.headers)

        [confirmed] = first.json()["items"]
        [queued] = second.json()["items"]
        assert (confirmed["user_id"], confirmed["status"]) == (
            cast.participant.id,
            "confirmed",
        )
        assert (queued["name"], queued["status"]) == ("Joana Darc", "waiting")
        assert second.json()["next_cursor"] is None
        assert_problem(refused, 403, "forbidden")
