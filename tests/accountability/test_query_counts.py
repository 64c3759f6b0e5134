"""Result lists run the same number of queries whatever their length."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import ResultLink
from app.models.components import ComponentType
from tests import builders
from tests.accountability.conftest import API, Cast, accountability_component, result
from tests.conftest import QueryCounter


async def _results_with_links(session: AsyncSession, cast: Cast, rows: int) -> str:
    component = await accountability_component(session, cast.space)
    proposals = await builders.component(
        session, cast.space, type=ComponentType.PROPOSALS
    )
    for _ in range(rows):
        made = await result(session, component)
        linked = await builders.proposal(session, proposals, None)
        session.add(
            ResultLink(
                result_id=made.id, resource_type="proposal", resource_id=linked.id
            )
        )
    await session.flush()
    return f"{API}/components/{component.id}/results?limit=100"


async def test_listing_results_with_links_does_not_grow_with_rows(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    queries: QueryCounter,
) -> None:
    counted = []
    for rows in (2, 20):
        url = await _results_with_links(session, cast, rows)
        queries.statements.clear()
        answer = await client.get(url, headers=cast.participant.headers)
        assert answer.status_code == 200
        assert all(len(item["links"]) == 1 for item in answer.json()["items"])
        assert len(answer.json()["items"]) == rows
        counted.append(queries.count)

    assert counted[0] == counted[1]
