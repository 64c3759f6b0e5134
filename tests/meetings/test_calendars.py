"""iCalendar feeds: one meeting, a space, the organisation, a private address."""

import re
from datetime import timedelta

import httpx
import pytest
from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.spaces import SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import actor
from tests.meetings.conftest import API, Cast, meeting, meetings_component


def parsed(response: httpx.Response) -> list[Event]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert all(isinstance(event, Event) for event in events)
    return [event for event in events if isinstance(event, Event)]


def uids(response: httpx.Response) -> list[str]:
    return [str(event["UID"]) for event in parsed(response)]


class TestOneMeeting:
    async def test_an_event_with_a_stable_uid_and_local_times(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component, latitude=-19.9, longitude=-44.1)

        first = await client.get(f"{API}/meetings/{shown.id}/calendar.ics")
        again = await client.get(f"{API}/meetings/{shown.id}/calendar.ics")

        [event] = parsed(first)
        assert uids(again) == [f"meeting-{shown.id}@127.0.0.1"]
        assert str(event["UID"]) == f"meeting-{shown.id}@127.0.0.1"
        assert str(event["SUMMARY"]) == "Reunião regional"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["DTSTART"].params["TZID"] == "America/Sao_Paulo"
        assert event.decoded("DTSTART") == shown.starts_at
        assert event.decoded("DTEND") == shown.ends_at
        assert b"BEGIN:VTIMEZONE" in first.content
        assert str(event["LOCATION"]) == "Praça da Cemig, 100, Contagem"

    async def test_an_update_bumps_the_sequence(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        url = f"{API}/meetings/{shown.id}/calendar.ics"
        before = parsed(await client.get(url))[0]

        await client.patch(
            f"{API}/meetings/{shown.id}",
            json={"address": "Câmara Municipal"},
            headers=cast.space_admin.headers,
        )
        after = parsed(await client.get(url))[0]

        assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
        assert str(after["LOCATION"]) == "Câmara Municipal"

    async def test_a_cancelled_meeting_is_marked_cancelled(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        await client.post(
            f"{API}/meetings/{shown.id}/cancel",
            json={"reason": "Greve"},
            headers=cast.space_admin.headers,
        )

        [event] = parsed(await client.get(f"{API}/meetings/{shown.id}/calendar.ics"))

        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 1

    async def test_a_draft_has_no_calendar(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        draft = await meeting(session, cast.component, published=False)

        response = await client.get(f"{API}/meetings/{draft.id}/calendar.ics")

        assert_problem(response, 404, "not-found")


class TestFeeds:
    async def test_space_and_organisation_feeds_leave_out_what_is_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        unpublished = await builders.space(session, status=SpaceStatus.DRAFT)
        shown = await meeting(session, cast.component)
        await meeting(session, await meetings_component(session, private))
        await meeting(session, await meetings_component(session, unpublished))
        await meeting(session, cast.component, published=False)
        long_ago = await meeting(
            session, cast.component, starts_at=utcnow() - timedelta(days=400)
        )

        space_feed = await client.get(f"{API}/spaces/{cast.space.id}/meetings.ics")
        organisation = await client.get(f"{API}/meetings.ics")
        private_feed = await client.get(f"{API}/spaces/{private.id}/meetings.ics")

        expected = [f"meeting-{shown.id}@127.0.0.1"]
        assert uids(space_feed) == expected
        assert uids(organisation) == expected
        assert f"meeting-{long_ago.id}@127.0.0.1" not in uids(organisation)
        assert_problem(private_feed, 404, "not-found")


class TestPersonalFeed:
    async def test_the_private_address_lists_ones_registrations(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        mine = await meeting(session, cast.component)
        await meeting(session, cast.component)
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        lost_access = await meeting(session, await meetings_component(session, private))
        for held in (mine, lost_access):
            session.add(
                MeetingRegistration(
                    meeting_id=held.id,
                    user_id=cast.participant.id,
                    status=RegistrationStatus.CONFIRMED,
                    code=f"CODE{held.id:04d}",
                )
            )
        await session.flush()

        issued = await client.post(
            f"{API}/me/calendar-token", headers=cast.participant.headers
        )
        url = issued.json()["url"]
        feed = await client.get(url.removeprefix("http://127.0.0.1:8000"))

        assert issued.status_code == 201
        assert url.startswith("http://127.0.0.1:8000/api/v1/calendars/")
        assert uids(feed) == [f"meeting-{mine.id}@127.0.0.1"]

    async def test_a_new_address_or_a_revocation_ends_the_old_one(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        headers = cast.participant.headers
        first = (await client.post(f"{API}/me/calendar-token", headers=headers)).json()
        second = (await client.post(f"{API}/me/calendar-token", headers=headers)).json()
        path = "http://127.0.0.1:8000"

        old = await client.get(first["url"].removeprefix(path))
        current = await client.get(second["url"].removeprefix(path))
        revoked = await client.delete(f"{API}/me/calendar-token", headers=headers)
        after = await client.get(second["url"].removeprefix(path))

        assert_problem(old, 404, "not-found")
        assert current.status_code == 200
        assert revoked.status_code == 204
        assert_problem(after, 404, "not-found")

    async def test_a_made_up_address_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{API}/calendars/{'x' * 43}.ics")

        assert_problem(response, 404, "not-found")

    async def test_another_users_registrations_stay_out(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        cast: Cast,
    ) -> None:
        theirs = await meeting(session, cast.component)
        other = await actor(session, runtime)
        session.add(
            MeetingRegistration(
                meeting_id=theirs.id,
                user_id=other.id,
                status=RegistrationStatus.CONFIRMED,
                code="ABCDEFGH",
            )
        )
        await session.flush()
        issued = await client.post(
            f"{API}/me/calendar-token", headers=cast.participant.headers
        )

        feed = await client.get(
            issued.json()["url"].removeprefix("http://127.0.0.1:8000")
        )

        assert uids(feed) == []


AWKWARD_TITLES = [
    "a\nb",
    "Linha1\r\nLinha2",
    "só\rCR",
    "vírgula, ponto; e vírgula",
    "x\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:forjada",
    "fim\r\nEND:VCALENDAR",
]


def calendar_name(response: httpx.Response) -> str:
    """X-WR-CALNAME, unescaped (icalendar hands X- properties back raw)."""
    raw = str(Calendar.from_ical(response.content)["X-WR-CALNAME"])
    escapes = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}
    return re.sub(r"\\(.)", lambda found: escapes[found.group(1)], raw)


class TestTextIsEscaped:
    """Line breaks, commas and semicolons in titles never break a feed."""

    @pytest.mark.parametrize("title", AWKWARD_TITLES)
    async def test_a_meeting_title_stays_one_summary_and_one_calendar_name(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast, title: str
    ) -> None:
        shown = await meeting(session, cast.component, title={"pt-BR": title})

        response = await client.get(f"{API}/meetings/{shown.id}/calendar.ics")

        [event] = parsed(response)
        expected = title.replace("\r\n", "\n").replace("\r", "\n")
        assert str(event["SUMMARY"]) == expected
        assert calendar_name(response) == expected

    @pytest.mark.parametrize("title", AWKWARD_TITLES)
    async def test_a_space_title_stays_one_calendar_name(
        self, client: httpx.AsyncClient, session: AsyncSession, title: str
    ) -> None:
        space = await builders.space(session, title=title)
        component = await meetings_component(session, space)
        await meeting(session, component)
        await meeting(session, component, title={"pt-BR": title})

        response = await client.get(f"{API}/spaces/{space.id}/meetings.ics")

        assert len(parsed(response)) == 2
        expected = title.replace("\r\n", "\n").replace("\r", "\n")
        assert calendar_name(response) == expected


class TestCaching:
    async def test_the_private_address_is_never_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        issued = await client.post(
            f"{API}/me/calendar-token", headers=cast.participant.headers
        )

        feed = await client.get(
            issued.json()["url"].removeprefix("http://127.0.0.1:8000")
        )

        assert feed.status_code == 200, feed.text
        assert feed.headers["cache-control"] == "private, no-store"

    async def test_public_feeds_are_cached_briefly_and_only_when_anonymous(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await meeting(session, cast.component)
        paths = [
            f"{API}/meetings/{shown.id}/calendar.ics",
            f"{API}/spaces/{cast.space.id}/meetings.ics",
            f"{API}/meetings.ics",
        ]

        for path in paths:
            anonymous = await client.get(path)
            signed_in = await client.get(path, headers=cast.participant.headers)

            assert anonymous.headers["cache-control"] == "public, no-cache"
            assert signed_in.headers["cache-control"] == "private, no-cache"
            assert anonymous.headers["vary"] == signed_in.headers["vary"]
            assert "authorization" in anonymous.headers["vary"].lower()
