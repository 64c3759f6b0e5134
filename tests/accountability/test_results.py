"""Results: statuses with a default progress, a tree whose parents follow their
children, links to where a result came from, and a timeline of its updates."""

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import ComponentType
from app.models.events import ChangeLogEntry, ChangeOperation
from app.models.spaces import SpaceStatus, Visibility
from tests import builders
from tests.accountability.conftest import (
    API,
    Cast,
    accountability_component,
    result,
    status,
)


async def create(client: httpx.AsyncClient, cast: Cast, **body: Any) -> httpx.Response:
    body.setdefault("title", {"pt-BR": "Nova creche"})
    return await client.post(
        f"{API}/components/{cast.component.id}/results",
        json=body,
        headers=cast.space_admin.headers,
    )


async def patch(
    client: httpx.AsyncClient, cast: Cast, result_id: int, **body: Any
) -> httpx.Response:
    return await client.patch(
        f"{API}/results/{result_id}", json=body, headers=cast.space_admin.headers
    )


async def progress_of(client: httpx.AsyncClient, result_id: int) -> float | None:
    answer = await client.get(f"{API}/results/{result_id}")
    value: float | None = answer.json()["progress"]
    return value


class TestStatuses:
    async def test_a_status_brings_its_default_progress(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        made = await client.post(
            f"{API}/components/{cast.component.id}/result-statuses",
            json={"key": "em_obras", "name": {"pt-BR": "Em obras"}, "progress": 50},
            headers=cast.space_admin.headers,
        )
        assert made.status_code == 201, made.text

        created = await create(client, cast, status_id=made.json()["id"])

        assert created.status_code == 201, created.text
        assert created.json()["progress"] == 50

    async def test_changing_status_moves_progress_unless_one_is_sent(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        planned = await status(session, cast.component, "planejado", 10)
        done = await status(session, cast.component, "concluido", 100)
        shown = await result(session, cast.component, status_id=planned.id)

        moved = await patch(client, cast, shown.id, status_id=done.id)
        kept = await patch(client, cast, shown.id, status_id=planned.id, progress=70)

        assert moved.json()["progress"] == 100
        assert kept.json()["progress"] == 70

    async def test_a_status_of_another_component_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        other = await accountability_component(session, cast.space)
        foreign = await status(session, other, "feito", 100)

        answer = await create(client, cast, status_id=foreign.id)

        assert answer.status_code == 422

    async def test_a_duplicate_key_conflicts(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        await status(session, cast.component, "feito", 100)

        answer = await client.post(
            f"{API}/components/{cast.component.id}/result-statuses",
            json={"key": "feito", "name": {"pt-BR": "Feito"}},
            headers=cast.space_admin.headers,
        )

        assert answer.status_code == 409


class TestTree:
    async def test_parent_follows_the_mean_of_its_children(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        parent = (await create(client, cast)).json()["id"]
        first = (await create(client, cast, parent_id=parent, progress=20)).json()
        await create(client, cast, parent_id=parent, progress=60)
        assert await progress_of(client, parent) == 40

        await patch(client, cast, first["id"], progress=80)

        assert await progress_of(client, parent) == 70
        listed = await client.get(
            f"{API}/components/{cast.component.id}/results",
            params={"parent_id": parent},
        )
        assert [r["progress"] for r in listed.json()["items"]] == [80, 60]

    async def test_weighted_parent_counts_each_child_by_weight(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        cast.component.settings = {
            **cast.component.settings,
            "progress_aggregation": "weighted",
        }
        await session.flush()
        parent = (await create(client, cast)).json()["id"]
        await create(client, cast, parent_id=parent, progress=20, weight=1)
        await create(client, cast, parent_id=parent, progress=60, weight=3)

        assert await progress_of(client, parent) == 50

    async def test_a_grandchild_moves_the_root_too(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        root = (await create(client, cast)).json()["id"]
        middle = (await create(client, cast, parent_id=root)).json()["id"]
        await create(client, cast, parent_id=root, progress=100)
        leaf = (await create(client, cast, parent_id=middle, progress=50)).json()
        assert await progress_of(client, root) == 75

        await patch(client, cast, leaf["id"], progress=100)

        assert await progress_of(client, middle) == 100
        assert await progress_of(client, root) == 100
        fourth = await create(client, cast, parent_id=leaf["id"])
        assert fourth.status_code == 422
        assert "3 levels" in fourth.json()["detail"]

    async def test_removing_a_child_recomputes_the_parent(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        parent = (await create(client, cast)).json()["id"]
        slow = (await create(client, cast, parent_id=parent, progress=0)).json()
        await create(client, cast, parent_id=parent, progress=90)

        removed = await client.delete(
            f"{API}/results/{slow['id']}", headers=cast.space_admin.headers
        )

        assert removed.status_code == 204
        assert await progress_of(client, parent) == 90
        read = await client.get(f"{API}/results/{parent}")
        assert read.json()["children_count"] == 1

    async def test_a_parents_progress_cannot_be_set_by_hand(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        parent = (await create(client, cast)).json()["id"]
        await create(client, cast, parent_id=parent, progress=10)

        answer = await patch(client, cast, parent, progress=99)

        assert answer.status_code == 409

    async def test_participants_may_not_write(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        answer = await client.post(
            f"{API}/components/{cast.component.id}/results",
            json={"title": {"pt-BR": "x"}},
            headers=cast.participant.headers,
        )

        assert answer.status_code == 403


class TestTimeline:
    async def test_changes_and_described_updates_are_listed_latest_first(
        self, client: httpx.AsyncClient, cast: Cast
    ) -> None:
        made = (await create(client, cast, progress=10)).json()["id"]
        await patch(client, cast, made, progress=30)
        entry = await client.post(
            f"{API}/results/{made}/timeline",
            json={"description": {"pt-BR": "Fundação concluída"}, "progress": 45},
            headers=cast.space_admin.headers,
        )

        timeline = await client.get(f"{API}/results/{made}/timeline")

        assert entry.status_code == 201, entry.text
        items = timeline.json()["items"]
        assert [item["progress"] for item in items] == [45, 30]
        assert items[0]["description"] == {"pt-BR": "Fundação concluída"}
        assert items[1]["changes"] == {"progress": [10, 30]}
        assert await progress_of(client, made) == 45


class TestLinks:
    async def test_links_to_readable_content_of_the_same_space(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        proposals = await builders.component(
            session, cast.space, type=ComponentType.PROPOSALS
        )
        chosen = await builders.proposal(session, proposals, None)
        elsewhere_space = await builders.space(session)
        elsewhere = await builders.component(
            session, elsewhere_space, type=ComponentType.PROPOSALS
        )
        foreign = await builders.proposal(session, elsewhere, None)
        await session.flush()

        linked = await create(
            client,
            cast,
            links=[{"resource_type": "proposal", "resource_id": chosen.id}],
        )
        other_space = await create(
            client,
            cast,
            links=[{"resource_type": "proposal", "resource_id": foreign.id}],
        )
        missing = await create(
            client, cast, links=[{"resource_type": "proposal", "resource_id": 999999}]
        )
        unknown_kind = await create(
            client,
            cast,
            links=[{"resource_type": "space", "resource_id": cast.space.id}],
        )

        assert linked.status_code == 201, linked.text
        assert linked.json()["links"] == [
            {"resource_type": "proposal", "resource_id": chosen.id}
        ]
        assert other_space.status_code == 422
        assert other_space.json()["errors"][0]["message"] == (
            "must be in the result's space"
        )
        assert missing.status_code == 422
        assert unknown_kind.status_code == 422

    async def test_a_link_the_reader_may_not_read_is_left_out(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        proposals = await builders.component(
            session, cast.space, type=ComponentType.PROPOSALS
        )
        chosen = await builders.proposal(session, proposals, None)
        linked = await create(
            client,
            cast,
            links=[{"resource_type": "proposal", "resource_id": chosen.id}],
        )
        proposals.published_at = None
        await session.flush()

        public = await client.get(f"{API}/results/{linked.json()['id']}")
        team = await client.get(
            f"{API}/results/{linked.json()['id']}", headers=cast.space_admin.headers
        )

        assert public.json()["links"] == []
        assert len(team.json()["links"]) == 1


class TestVisibility:
    async def test_unpublished_component_and_private_space_do_not_leak(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden_component = await accountability_component(
            session, cast.space, published=False
        )
        hidden = await result(session, hidden_component)
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        private_component = await accountability_component(session, private)
        secret = await result(session, private_component)
        draft_space = await builders.space(session, status=SpaceStatus.DRAFT)
        draft = await result(
            session, await accountability_component(session, draft_space)
        )

        for shown in (hidden, secret, draft):
            assert (await client.get(f"{API}/results/{shown.id}")).status_code == 404
            listed = await client.get(
                f"{API}/components/{shown.component_id}/results",
                headers=cast.participant.headers,
            )
            assert listed.status_code == 404
        team = await client.get(
            f"{API}/results/{hidden.id}", headers=cast.space_admin.headers
        )
        assert team.status_code == 200

    async def test_timeline_and_statuses_of_a_hidden_component_do_not_leak(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        hidden_component = await accountability_component(
            session, cast.space, published=False
        )
        await status(session, hidden_component, "feito", 100)
        hidden = await result(session, hidden_component)

        timeline = await client.get(f"{API}/results/{hidden.id}/timeline")
        statuses = await client.get(
            f"{API}/components/{hidden_component.id}/result-statuses"
        )

        assert timeline.status_code == 404
        assert statuses.status_code == 404
        assert "feito" not in statuses.text

    async def test_results_take_comments_and_follows(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        shown = await result(session, cast.component)

        follow = await client.post(
            f"{API}/me/follows",
            json={"resource_type": "result", "resource_id": shown.id},
            headers=cast.participant.headers,
        )

        comment = await client.post(
            f"{API}/comments",
            json={
                "resource_type": "result",
                "resource_id": shown.id,
                "body": "Quando fica pronta?",
            },
            headers=cast.participant.headers,
        )
        assert comment.status_code == 201, comment.text
        assert follow.status_code == 201
        read = await client.get(f"{API}/results/{shown.id}")
        assert read.json()["comments_count"] == 1


class TestSync:
    async def test_removing_a_result_leaves_a_tombstone_for_it_and_its_children(
        self, client: httpx.AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        parent = (await create(client, cast)).json()["id"]
        child = (await create(client, cast, parent_id=parent)).json()["id"]

        await client.delete(f"{API}/results/{parent}", headers=cast.space_admin.headers)

        deleted = await session.scalars(
            select(ChangeLogEntry.record_id).where(
                ChangeLogEntry.record_type == "result",
                ChangeLogEntry.operation == ChangeOperation.DELETED,
            )
        )
        assert sorted(deleted) == [parent, child]
