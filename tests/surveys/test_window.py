"""A survey takes answers on the days it names, as days fall in Contagem."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.services.surveys import SurveyView, closed_reason
from tests.surveys.conftest import API, Cast, full_answers, question_ids, survey

CONTAGEM = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (datetime(2026, 3, 10, 2, 59, tzinfo=UTC), "it opens on 2026-03-10"),
        (datetime(2026, 3, 10, 3, 0, tzinfo=UTC), None),
        (datetime(2026, 3, 13, 2, 59, tzinfo=UTC), None),
        (datetime(2026, 3, 13, 3, 0, tzinfo=UTC), "it closed on 2026-03-12"),
    ],
    ids=["23:59 the day before", "midnight", "23:59 the last day", "midnight after"],
)
async def test_days_begin_and_end_at_midnight_in_contagem(
    session: AsyncSession, cast: Cast, moment: datetime, reason: str | None
) -> None:
    shown = await survey(
        session,
        cast.component,
        opens_on=date(2026, 3, 10),
        closes_on=date(2026, 3, 12),
    )
    view = SurveyView(shown, cast.component, team=False, answered=False)

    assert closed_reason(view, moment, CONTAGEM) == reason


async def test_a_closed_survey_refuses_answers_and_says_so(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    yesterday = (utcnow().astimezone(CONTAGEM) - timedelta(days=1)).date()
    shown = await survey(session, cast.component, closes_on=yesterday)
    ids = await question_ids(session, shown)

    read = await client.get(f"{API}/surveys/{shown.id}")
    answer = await client.post(
        f"{API}/surveys/{shown.id}/responses",
        json=full_answers(ids),
        headers=cast.participant.headers,
    )

    assert read.json()["open"] is False
    assert answer.status_code == 409
    assert f"it closed on {yesterday.isoformat()}" in answer.json()["detail"]


async def test_the_components_period_also_bounds_answers(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    starts = (utcnow() + timedelta(hours=1)).isoformat()
    cast.component.settings = {**cast.component.settings, "starts_at": starts}
    shown = await survey(session, cast.component)
    ids = await question_ids(session, shown)

    answer = await client.post(
        f"{API}/surveys/{shown.id}/responses",
        json=full_answers(ids),
        headers=cast.participant.headers,
    )

    assert answer.status_code == 409
    assert "has not started" in answer.json()["detail"]


async def test_closing_before_opening_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    shown = await survey(session, cast.component, opens_on=date(2026, 5, 1))

    answer = await client.patch(
        f"{API}/surveys/{shown.id}",
        json={"closes_on": "2026-04-30"},
        headers=cast.space_admin.headers,
    )

    assert answer.status_code == 422
