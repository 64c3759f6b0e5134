"""The figures a visitor reads add up to what people did in public view."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.meetings import MeetingRegistration, RegistrationStatus
from app.models.taxonomies import (
    Area,
    InterestGroup,
    InterestGroupKind,
    UserInterestGroup,
)
from app.runtime import Runtime
from app.services.stats import MIN_PEOPLE
from tests import builders
from tests.meetings.conftest import meeting, meetings_component
from tests.stats.conftest import (
    entry,
    figures,
    one_proposal_each,
    people,
    proposals_in,
    supports,
)


class TestScenario:
    async def test_a_regional_process_counts_everything_once(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        regional = await builders.scope(session, name="Eldorado")
        regional.population = 60_000
        bairro = await builders.scope(session, parent=regional, name="Água Branca")
        health = Area(name={"pt-BR": "Saúde"})
        women = InterestGroup(
            code="mulheres",
            kind=InterestGroupKind.POPULATION,
            name={"pt-BR": "Mulheres"},
        )
        session.add_all([health, women])
        await session.flush()
        space = await builders.space(session, scope_id=bairro.id)
        space.area_id = health.id
        component = await proposals_in(session, space)
        authors = await people(session, runtime, 12)
        supporters = await people(session, runtime, 3)
        made = await one_proposal_each(session, component, authors)
        await supports(session, made[0], authors[1:] + supporters)
        for writer in authors[:4]:
            session.add(
                Comment(
                    resource_type="proposal",
                    resource_id=made[1].id,
                    author_id=writer.id,
                    body="<p>Apoio</p>",
                )
            )
        hall = await meetings_component(session, space)
        held = await meeting(session, hall, starts_at=utcnow() - timedelta(days=1))
        for n, visitor in enumerate(authors):
            session.add(
                MeetingRegistration(
                    meeting_id=held.id,
                    user_id=visitor.id,
                    status=RegistrationStatus.CONFIRMED,
                    code=f"ST{n:05d}",
                    checked_in_at=utcnow() if n < 5 else None,
                )
            )
        for declarer in authors[:10]:
            session.add(
                UserInterestGroup(user_id=declarer.id, interest_group_id=women.id)
            )
        await session.flush()

        body = await figures(client, session, runtime)

        expected = {
            "participants": 15,
            "proposals": 12,
            "supports": 14,
            "comments": 4,
            "meetings": 1,
            "attendees": 5,
            "ballots": 0,
        }
        assert body["min_people"] == MIN_PEOPLE
        assert body["computed_at"]
        assert body["totals"] == {"figures": expected, "suppressed": False}
        assert entry(body["spaces"], id=space.id)["figures"] == expected
        assert entry(body["components"], id=component.id)["figures"]["supports"] == 14
        assert entry(body["components"], id=hall.id)["suppressed"] is False
        region = entry(body["scopes"], id=regional.id)
        assert region["figures"] == expected
        assert region["population"] == 60_000
        assert region["per_1000_inhabitants"]["participants"] == 0.25
        assert region["per_1000_inhabitants"]["proposals"] == 0.2
        assert entry(body["scopes"], id=bairro.id)["per_1000_inhabitants"] is None
        assert entry(body["areas"], id=health.id)["figures"] == expected
        group = entry(body["interest_groups"], id=women.id)
        assert group["figures"]["participants"] == 10
        assert group["figures"]["proposals"] == 10
        assert group["figures"]["supports"] == 9
        assert sum(m["figures"]["proposals"] for m in body["months"]) == 12

    async def test_the_figures_stay_those_of_the_last_refresh(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await proposals_in(session, space)
        await one_proposal_each(session, component, await people(session, runtime, 10))
        before = await figures(client, session, runtime)

        await one_proposal_each(session, component, await people(session, runtime, 2))
        response = await client.get("/api/v1/stats")

        assert response.json()["totals"]["figures"]["proposals"] == 10
        assert response.json()["computed_at"] == before["computed_at"]
        after = await figures(client, session, runtime)
        assert after["totals"]["figures"]["proposals"] == 12
