"""A sync page runs the same number of queries whatever number of records it holds."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import event

from app.models.comments import Comment
from app.runtime import Runtime
from tests import builders
from tests.conftest import QueryCounter
from tests.meetings.conftest import meeting
from tests.sync.conftest import CHANGES, MOBILE, drain, has, stage

EXPECTED = {MOBILE: 9, CHANGES: 15}
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
