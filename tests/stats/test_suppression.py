"""Groups of fewer than ten people show no figures, and no subtraction finds them."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import Runtime
from app.services.stats import METRICS
from tests import builders
from tests.stats.conftest import entry, figures, one_proposal_each, people, proposals_in

NOTHING = dict.fromkeys(METRICS)


async def _space_with(session: AsyncSession, runtime: Runtime, count: int) -> int:
    space = await builders.space(session)
    component = await proposals_in(session, space)
    await one_proposal_each(session, component, await people(session, runtime, count))
    return space.id


class TestSuppression:
    async def test_a_space_of_three_people_shows_nulls(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        small = await _space_with(session, runtime, 3)
        large = await _space_with(session, runtime, 12)
        larger = await _space_with(session, runtime, 15)

        body = await figures(client, session, runtime)

        assert entry(body["spaces"], id=small) == {
            **entry(body["spaces"], id=small),
            "figures": NOTHING,
            "suppressed": True,
        }
        assert body["totals"]["figures"]["proposals"] == 30
        visible = [e for e in body["spaces"] if not e["suppressed"]]
        assert [e["id"] for e in visible] == [larger]
        # The smallest other space hides too: 30 - 15 gives two spaces, not one.
        assert entry(body["spaces"], id=large)["suppressed"] is True

    async def test_a_small_group_is_not_recovered_from_its_parent(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        big = await proposals_in(session, space)
        small = await proposals_in(session, space)
        await one_proposal_each(session, big, await people(session, runtime, 20))
        await one_proposal_each(session, small, await people(session, runtime, 2))

        body = await figures(client, session, runtime, space_id=space.id)

        assert entry(body["spaces"], id=space.id)["figures"]["proposals"] == 22
        components = {e["id"]: e for e in body["components"]}
        assert components[small.id]["figures"] == NOTHING
        assert components[big.id]["figures"] == NOTHING

    async def test_a_platform_of_few_people_suppresses_its_totals(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        await _space_with(session, runtime, 4)

        body = await figures(client, session, runtime)

        assert body["totals"] == {"figures": NOTHING, "suppressed": True}

    async def test_an_interest_group_declared_by_few_stays_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        from app.models.taxonomies import (
            InterestGroup,
            InterestGroupKind,
            UserInterestGroup,
        )

        space = await builders.space(session)
        component = await proposals_in(session, space)
        crowd = await people(session, runtime, 12)
        await one_proposal_each(session, component, crowd)
        groups = [
            InterestGroup(
                code=code, kind=InterestGroupKind.POPULATION, name={"pt-BR": code}
            )
            for code in ("juventude", "pcd")
        ]
        session.add_all(groups)
        await session.flush()
        for person in crowd[:2]:
            session.add(
                UserInterestGroup(user_id=person.id, interest_group_id=groups[0].id)
            )
        for person in crowd[2:]:
            session.add(
                UserInterestGroup(user_id=person.id, interest_group_id=groups[1].id)
            )
        await session.flush()

        body = await figures(client, session, runtime)

        assert entry(body["interest_groups"], id=groups[0].id)["figures"] == NOTHING
        assert entry(body["interest_groups"], id=groups[1].id)["figures"] == NOTHING
