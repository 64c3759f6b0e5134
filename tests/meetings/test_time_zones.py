"""An organisation zone with summer time: JSON and feeds show the same instants."""

from datetime import datetime

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.conftest import make_settings
from tests.mailbox import Mailbox
from tests.meetings.conftest import API, Cast, meeting_body

ZONE = "America/New_York"


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(database_url, mailbox.folder, time_zone=ZONE)


async def test_a_meeting_across_the_clock_change_keeps_its_instants(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    # New York moves its clocks forward at 02:00 on 10 March 2030.
    body = meeting_body(
        starts_at="2030-03-09T22:00:00-05:00", ends_at="2030-03-10T10:00:00-04:00"
    )
    created = await client.post(
        f"{API}/components/{cast.component.id}/meetings",
        json=body,
        headers=cast.space_admin.headers,
    )
    meeting_id = created.json()["id"]
    await client.post(
        f"{API}/meetings/{meeting_id}/publish", headers=cast.space_admin.headers
    )

    shown = (await client.get(f"{API}/meetings/{meeting_id}")).json()
    feed = await client.get(f"{API}/meetings/{meeting_id}/calendar.ics")
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")

    starts_at = datetime.fromisoformat(shown["starts_at"])
    ends_at = datetime.fromisoformat(shown["ends_at"])
    assert starts_at == datetime.fromisoformat("2030-03-10T03:00:00+00:00")
    assert ends_at == datetime.fromisoformat("2030-03-10T14:00:00+00:00")
    assert event.decoded("DTSTART") == starts_at
    assert event.decoded("DTEND") == ends_at
    assert event["DTSTART"].params["TZID"] == ZONE
    assert event["DTSTART"].to_ical() == b"20300309T220000"
    assert event["DTEND"].to_ical() == b"20300310T100000"
    assert (ends_at - starts_at).total_seconds() == 11 * 3600
    assert b"TZID:America/New_York" in feed.content
    assert b"BEGIN:DAYLIGHT" in feed.content
