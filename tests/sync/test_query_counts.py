"""A sync page runs the same number of queries whatever number of records it holds."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import event

from app.models.comments import Comment
from app.models.components import ComponentType
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.meetings.conftest import meeting
from tests.newer_kinds import stocked
from tests.search.conftest import debate, post
from tests.sync.conftest import CHANGES, MOBILE, drain, has, stage

EXPECTED = {MOBILE: 9, CHANGES: 15}
NEWER = ("debate", "post", "budget_project", "result", "survey")
"""Statements of one page holding spaces, proposals, meetings and comments."""


@pytest.fixture
def durable_queries(durable_runtime: Runtime) -> Iterator[QueryCounter]:
    counter = QueryCounter()

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # Only queries: SQLite's read-only pragmas are no query of the page.
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            counter.statements.append(statement)

    engine = durable_runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield counter
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", [MOBILE, CHANGES])
@pytest.mark.parametrize("rows", [2, 20])
async def test_a_page_runs_the_same_queries_whatever_its_length(
    durable_client: httpx.AsyncClient,
    durable_runtime: Runtime,
    durable_queries: QueryCounter,
    path: str,
    rows: int,
) -> None:
    shown = await stage(durable_runtime)
    async with durable_runtime.sessionmaker() as session:
        comment = shown.comment
        for _ in range(rows):
            proposal = await builders.proposal(session, shown.proposals, shown.author)
            await meeting(session, shown.meetings)
            comment = Comment(
                resource_type="proposal",
                resource_id=proposal.id,
                author_id=shown.author.id,
                body="<p>Boa ideia</p>",
            )
            session.add(comment)
        await session.commit()
    await drain(durable_client, path, until=has(("comment", comment.id, False)))
    durable_queries.statements.clear()

    answer = await durable_client.get(path, params={"limit": 500})

    assert len(answer.json()["changes"]) >= 3 * rows
    assert durable_queries.count == EXPECTED[path]


@pytest.mark.parametrize("path", [MOBILE, CHANGES])
async def test_the_newer_kinds_run_the_same_queries_whatever_their_number(
    durable_client: httpx.AsyncClient,
    durable_runtime: Runtime,
    durable_queries: QueryCounter,
    path: str,
) -> None:
    counted = []
    for rows in (2, 20):
        async with durable_runtime.sessionmaker() as session:
            space = await builders.space(session)
            author = await builders.user(session, durable_runtime)
            debates = await builders.component(
                session, space, type=ComponentType.DEBATES
            )
            posts = await builders.component(session, space)
            for _ in range(rows):
                stock = await stocked(session, space)
                await debate(session, debates, author, "Debate")
                await post(session, posts, "Notícia")
            await session.commit()
        await drain(durable_client, path, until=has(("survey", stock.survey.id, False)))
        durable_queries.statements.clear()
        answer = await durable_client.get(
            path, params={"limit": 500, "types": ",".join(NEWER)}
        )
        assert len(answer.json()["changes"]) >= 5 * rows
        counted.append(durable_queries.count)

    assert counted[0] == counted[1]
