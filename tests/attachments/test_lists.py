"""A resource's attachments: ordered, paginated, in a constant number of queries."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.attachments import Attachment
from app.models.components import Post
from app.services import attachments
from tests.attachments.conftest import API, Stage, minimal_pdf, upload
from tests.conftest import QueryCounter
from tests.structure.components.conftest import post


async def attached(session: AsyncSession, target: Post, count: int) -> list[int]:
    """``count`` attachment rows on ``target``, positions descending."""
    rows = [
        Attachment(
            resource_type="post",
            resource_id=target.id,
            title=f"Anexo {n}",
            content_type="application/pdf",
            size=10,
            stored_name=f"{target.id:04d}{n:04d}.pdf",
            original_name=f"anexo-{n}.pdf",
            position=count - n,
        )
        for n in range(count)
    ]
    session.add_all(rows)
    await session.flush()
    return [row.id for row in rows]


def path_of(target: Post) -> str:
    return f"{API}/resources/post/{target.id}/attachments"


class TestList:
    async def test_by_position_then_id_across_pages(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        ids = await attached(session, stage.post, 5)
        expected = list(reversed(ids))

        seen: list[int] = []
        first = await client.get(path_of(stage.post), params={"limit": 2})
        seen += [item["id"] for item in first.json()["items"]]
        cursor = first.json()["next_cursor"]
        while cursor is not None:
            page = await client.get(
                path_of(stage.post), params={"limit": 2, "cursor": cursor}
            )
            seen += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]

        assert seen == expected
        assert first.headers["link"].endswith('rel="next"')

    async def test_only_the_resources_own_attachments(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        other = await post(session, stage.component)
        mine = await attached(session, stage.post, 2)
        await attached(session, other, 2)
        created = await upload(
            client,
            f"{API}/resources/space/{stage.space.id}/attachments",
            minimal_pdf(),
            headers=stage.space_admin.headers,
        )
        assert created.status_code == 201

        response = await client.get(path_of(stage.post))

        assert sorted(item["id"] for item in response.json()["items"]) == mine

    async def test_a_malformed_cursor_is_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.get(path_of(stage.post), params={"cursor": "bad"})

        assert response.status_code == 422

    async def test_the_query_count_does_not_grow_with_the_list(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        queries: QueryCounter,
    ) -> None:
        small = await post(session, stage.component)
        large = await post(session, stage.component)
        await attached(session, small, 1)
        await attached(session, large, 30)

        counts = []
        for target, size in ((small, 1), (large, 30)):
            before = queries.count
            response = await client.get(
                path_of(target),
                params={"limit": 100},
                headers=stage.participant.headers,
            )
            assert len(response.json()["items"]) == size
            counts.append(queries.count - before)

        assert counts[0] == counts[1] == 3  # the viewer, the post, the page


class TestAttachmentsOf:
    async def test_groups_the_attachments_of_several_resources_in_one_query(
        self, session: AsyncSession, stage: Stage, queries: QueryCounter
    ) -> None:
        other = await post(session, stage.component)
        bare = await post(session, stage.component)
        first = await attached(session, stage.post, 3)
        second = await attached(session, other, 1)
        before = queries.count

        found = await attachments.attachments_of(
            session, "post", [stage.post.id, other.id, bare.id]
        )

        assert queries.count - before == 1
        assert [row.id for row in found[stage.post.id]] == list(reversed(first))
        assert [row.id for row in found[other.id]] == second
        assert found[bare.id] == []
