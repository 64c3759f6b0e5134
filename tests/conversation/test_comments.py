"""Comments on debates and posts: threads, limits, tombstones, votes, ordering."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.components import ComponentType, Post
from app.models.debates import Debate
from app.models.events import ChangeLogEntry
from app.models.spaces import Phase, SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated, failing_fields
from tests.builders import actor
from tests.conversation.conftest import (
    API,
    Stage,
    about,
    comment_on,
    debate,
    debate_counts,
    debates_component,
    events,
    ids,
    live_comments,
    reply_to,
)


class TestCreate:
    async def test_a_comment_counts_on_the_debate_and_is_announced(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        open_debate: Debate,
    ) -> None:
        response = await client.post(
            f"{API}/comments",
            json={
                **about(open_debate),
                "body": "Sou a favor",
                "alignment": "in_favour",
            },
            headers=stage.other.headers,
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["depth"] == 0
        assert body["parent_id"] is None
        assert body["alignment"] == "in_favour"
        assert body["body"] == "Sou a favor"
        assert body["author"]["id"] == stage.other.id
        assert body["accepts_replies"] is True
        assert await debate_counts(session, open_debate.id) == (1, 0)
        [event] = await events(session, "comment.created")
        assert event["action"] == "commented"
        assert event["comment_id"] == body["id"]
        assert event["resource_type"] == "debate"
        assert event["resource_id"] == open_debate.id
        assert event["space_id"] == stage.space.id

    async def test_the_commenter_follows_the_debate(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        await comment_on(client, about(open_debate), stage.other)

        follows = await client.get(f"{API}/me/follows", headers=stage.other.headers)

        assert [
            (f["resource_type"], f["resource_id"]) for f in follows.json()["items"]
        ] == [("debate", open_debate.id)]

    async def test_anonymous_gets_401(
        self, client: httpx.AsyncClient, open_debate: Debate
    ) -> None:
        response = await client.post(
            f"{API}/comments", json={**about(open_debate), "body": "Oi"}
        )

        assert_unauthenticated(response)

    async def test_a_thousand_code_points_pass_and_one_more_is_422(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        exactly = await client.post(
            f"{API}/comments",
            json={**about(open_debate), "body": "😀" * 1000},
            headers=stage.other.headers,
        )
        beyond = await client.post(
            f"{API}/comments",
            json={**about(open_debate), "body": "😀" * 1001},
            headers=stage.other.headers,
        )

        assert exactly.status_code == 201, exactly.text
        assert len(exactly.json()["body"]) == 1000
        assert failing_fields(assert_problem(beyond, 422, "validation-error")) == {
            "body"
        }

    async def test_the_component_may_set_a_lower_limit(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        component = await debates_component(
            session, stage.space, settings={"comments_max_length": 10}
        )
        short = await debate(session, component, stage.participant)

        response = await client.post(
            f"{API}/comments",
            json={**about(short), "body": "x" * 11},
            headers=stage.other.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "too_long"

    async def test_markup_only_is_an_empty_comment(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        response = await client.post(
            f"{API}/comments",
            json={**about(open_debate), "body": "<script>alert(1)</script>"},
            headers=stage.other.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "empty"

    @pytest.mark.parametrize("kind", ["space", "component", "nothing"])
    async def test_a_kind_that_takes_no_comments_is_422(
        self, client: httpx.AsyncClient, stage: Stage, kind: str
    ) -> None:
        response = await client.post(
            f"{API}/comments",
            json={"resource_type": kind, "resource_id": stage.space.id, "body": "Oi"},
            headers=stage.other.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"resource_type"}

    async def test_a_debate_of_a_private_space_is_404_to_outsiders(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        hidden = await debate(
            session, await debates_component(session, private), stage.participant
        )

        created = await client.post(
            f"{API}/comments",
            json={**about(hidden), "body": "Oi"},
            headers=stage.other.headers,
        )
        listed = await client.get(f"{API}/comments", params=about(hidden))

        assert_problem(created, 404, "not-found")
        assert_problem(listed, 404, "not-found")

    async def test_a_debate_of_an_unpublished_component_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        draft = await debates_component(session, stage.space, published=False)
        hidden = await debate(session, draft, stage.space_admin)

        response = await client.get(
            f"{API}/comments", params=about(hidden), headers=stage.other.headers
        )

        assert_problem(response, 404, "not-found")

    async def test_a_transparent_space_reads_but_takes_comments_from_members(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
    ) -> None:
        space = await builders.space(session, visibility=Visibility.PRIVATE)
        space.transparent = True
        member = await actor(session, runtime)
        assert member.user is not None
        await builders.member(session, space, member.user)
        seen = await debate(
            session, await debates_component(session, space), stage.space_admin
        )

        outsider = await client.post(
            f"{API}/comments",
            json={**about(seen), "body": "Oi"},
            headers=stage.other.headers,
        )
        inside = await client.post(
            f"{API}/comments",
            json={**about(seen), "body": "Oi"},
            headers=member.headers,
        )

        assert assert_problem(outsider, 403, "forbidden")["reason"] == "not_member"
        assert inside.status_code == 201, inside.text


class TestSwitches:
    @pytest.mark.parametrize(
        ("component_settings", "switches", "reason"),
        [
            ({"comments_enabled": False}, {}, "comments_disabled"),
            ({}, {"comments_enabled": False}, "comments_disabled"),
            ({}, {"comments_blocked": True}, "comments_blocked"),
        ],
        ids=["component-setting", "switch-off", "switch-blocked"],
    )
    async def test_comments_switched_off_are_403_but_still_listed(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        component_settings: dict[str, bool],
        switches: dict[str, bool],
        reason: str,
    ) -> None:
        component = await debates_component(
            session, stage.space, settings=component_settings, switches=switches
        )
        quiet = await debate(session, component, stage.participant)

        created = await client.post(
            f"{API}/comments",
            json={**about(quiet), "body": "Oi"},
            headers=stage.other.headers,
        )
        listed = await client.get(f"{API}/comments", params=about(quiet))

        assert assert_problem(created, 403, "forbidden")["reason"] == reason
        assert listed.status_code == 200

    async def test_the_active_phase_switches_override_the_defaults(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        phase = Phase(
            space_id=stage.space.id, position=1, title={"pt-BR": "Fase"}, active=True
        )
        session.add(phase)
        await session.flush()
        stage.component.phase_switches = {str(phase.id): {"comments_enabled": False}}
        await session.flush()
        quiet = await debate(session, stage.component, stage.participant)

        response = await client.post(
            f"{API}/comments",
            json={**about(quiet), "body": "Oi"},
            headers=stage.other.headers,
        )

        assert (
            assert_problem(response, 403, "forbidden")["reason"] == "comments_disabled"
        )

    @pytest.mark.parametrize(
        ("starts", "ends", "closed"),
        [(None, None, True), (1, None, False), (None, -1, False)],
        ids=["closed", "not-started", "ended"],
    )
    async def test_a_debate_that_is_not_open_takes_no_comments(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        starts: int | None,
        ends: int | None,
        closed: bool,
    ) -> None:
        now = utcnow()
        shut = await debate(
            session,
            stage.component,
            stage.space_admin,
            starts_at=None if starts is None else now + timedelta(days=starts),
            ends_at=None if ends is None else now + timedelta(days=ends),
            closed_at=now if closed else None,
        )

        response = await client.post(
            f"{API}/comments",
            json={**about(shut), "body": "Oi"},
            headers=stage.other.headers,
        )

        assert assert_problem(response, 409, "conflict")["reason"] == "not_open"


class TestThreads:
    async def test_replies_go_three_levels_deep_and_no_further(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        open_debate: Debate,
    ) -> None:
        root = await comment_on(client, about(open_debate), stage.participant)
        one = await reply_to(client, root["id"], stage.other)
        two = await reply_to(client, one["id"], stage.participant)
        three = await reply_to(client, two["id"], stage.other)

        response = await client.post(
            f"{API}/comments/{three['id']}/replies",
            json={"body": "Mais fundo"},
            headers=stage.participant.headers,
        )

        assert [one["depth"], two["depth"], three["depth"]] == [1, 2, 3]
        assert three["accepts_replies"] is False
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "too_deep"
        assert await debate_counts(session, open_debate.id) == (4, 0)
        replied = await events(session, "comment.created")
        assert [event["action"] for event in replied] == [
            "commented",
            "replied",
            "replied",
            "replied",
        ]
        assert replied[1]["parent_author_id"] == stage.participant.id

    async def test_the_roots_list_holds_roots_and_replies_hang_below(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        root = await comment_on(client, about(open_debate), stage.participant)
        first = await reply_to(client, root["id"], stage.other, "Primeira")
        second = await reply_to(client, root["id"], stage.other, "Segunda")
        other_root = await comment_on(client, about(open_debate), stage.other)

        roots = await client.get(f"{API}/comments", params=about(open_debate))
        replies = await client.get(f"{API}/comments/{root['id']}/replies")

        assert ids(roots.json()) == [root["id"], other_root["id"]]
        assert roots.json()["items"][0]["replies_count"] == 2
        assert ids(replies.json()) == [first["id"], second["id"]]

    async def test_the_replies_are_paginated(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        root = await comment_on(client, about(open_debate), stage.participant)
        made = [
            (await reply_to(client, root["id"], stage.other))["id"] for _ in range(5)
        ]

        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = await client.get(
                f"{API}/comments/{root['id']}/replies", params=params
            )
            seen += ids(page.json())
            pages += 1
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
            assert 'rel="next"' in page.headers["link"]

        assert seen == made
        assert pages == 3

    async def test_comments_on_a_post_use_the_same_threads(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        posts = await builders.component(session, stage.space, type=ComponentType.POSTS)
        news = Post(
            component_id=posts.id,
            title={"pt-BR": "Notícia"},
            body={"pt-BR": "<p>Notícia</p>"},
            published_at=utcnow(),
        )
        session.add(news)
        await session.flush()
        target: dict[str, str | int] = {"resource_type": "post", "resource_id": news.id}

        root = await comment_on(client, target, stage.participant)
        await reply_to(client, root["id"], stage.other)
        news.deleted_at = utcnow()
        await session.flush()
        gone = await client.get(f"{API}/comments", params=target)
        single = await client.get(f"{API}/comments/{root['id']}")

        assert root["resource_type"] == "post"
        assert_problem(gone, 404, "not-found")
        assert_problem(single, 404, "not-found")


class TestEditAndDelete:
    async def test_the_author_edits_their_comment(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)

        response = await client.patch(
            f"{API}/comments/{created['id']}",
            json={"body": "<p>Melhor <em>assim</em></p>"},
            headers=stage.other.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["body"] == "<p>Melhor <em>assim</em></p>"
        assert response.json()["edited_at"] is not None

    async def test_someone_else_gets_403(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)

        edited = await client.patch(
            f"{API}/comments/{created['id']}",
            json={"body": "Outro"},
            headers=stage.participant.headers,
        )
        deleted = await client.delete(
            f"{API}/comments/{created['id']}", headers=stage.space_admin.headers
        )

        assert_problem(edited, 403, "forbidden")
        assert_problem(deleted, 403, "forbidden")

    async def test_a_deleted_comment_leaves_a_tombstone_that_keeps_its_replies(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        open_debate: Debate,
    ) -> None:
        root = await comment_on(client, about(open_debate), stage.other, "Segredo")
        answer = await reply_to(client, root["id"], stage.participant)

        first = await client.delete(
            f"{API}/comments/{root['id']}", headers=stage.other.headers
        )
        again = await client.delete(
            f"{API}/comments/{root['id']}", headers=stage.other.headers
        )
        roots = await client.get(f"{API}/comments", params=about(open_debate))
        replies = await client.get(f"{API}/comments/{root['id']}/replies")
        reply = await client.post(
            f"{API}/comments/{root['id']}/replies",
            json={"body": "Oi"},
            headers=stage.participant.headers,
        )

        assert (first.status_code, again.status_code) == (204, 204)
        [tombstone] = roots.json()["items"]
        assert tombstone["id"] == root["id"]
        assert tombstone["body"] is None
        assert tombstone["author"] is None
        assert tombstone["deleted_at"] is not None
        assert "Segredo" not in roots.text
        assert ids(replies.json()) == [answer["id"]]
        assert_problem(reply, 409, "conflict")
        assert await debate_counts(session, open_debate.id) == (1, 0)
        assert await live_comments(session, open_debate.id) == 1

    async def test_a_deleted_comment_cannot_be_edited(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)
        await client.delete(
            f"{API}/comments/{created['id']}", headers=stage.other.headers
        )

        response = await client.patch(
            f"{API}/comments/{created['id']}",
            json={"body": "De volta"},
            headers=stage.other.headers,
        )

        assert_problem(response, 409, "conflict")


class TestVotes:
    async def test_one_vote_per_user_that_changes_and_goes(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)
        path = f"{API}/comments/{created['id']}/vote"
        headers = stage.participant.headers

        up = await client.put(path, json={"direction": "up"}, headers=headers)
        up_again = await client.put(path, json={"direction": "up"}, headers=headers)
        down = await client.put(path, json={"direction": "down"}, headers=headers)
        seen = await client.get(f"{API}/comments/{created['id']}", headers=headers)
        gone = await client.delete(path, headers=headers)
        gone_again = await client.delete(path, headers=headers)

        counts = [
            (r.json()["up_votes"], r.json()["down_votes"], r.json()["my_vote"])
            for r in (up, up_again, down, seen, gone, gone_again)
        ]
        assert counts == [
            (1, 0, "up"),
            (1, 0, "up"),
            (0, 1, "down"),
            (0, 1, "down"),
            (0, 0, None),
            (0, 0, None),
        ]

    async def test_one_may_not_vote_on_ones_own_comment(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)

        response = await client.put(
            f"{API}/comments/{created['id']}/vote",
            json={"direction": "up"},
            headers=stage.other.headers,
        )

        assert_problem(response, 403, "forbidden")

    async def test_a_bad_direction_is_422(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        created = await comment_on(client, about(open_debate), stage.other)

        response = await client.put(
            f"{API}/comments/{created['id']}/vote",
            json={"direction": "sideways"},
            headers=stage.participant.headers,
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "direction"
        }


class TestOrdering:
    async def _three_rated(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        open_debate: Debate,
    ) -> list[int]:
        """Three roots rated 0, +2 and +2 (oldest first); returns their ids."""
        made = [
            (await comment_on(client, about(open_debate), stage.other))["id"]
            for _ in range(3)
        ]
        for comment_id in made[1:]:
            for _ in range(2):
                voter = await actor(session, runtime)
                response = await client.put(
                    f"{API}/comments/{comment_id}/vote",
                    json={"direction": "up"},
                    headers=voter.headers,
                )
                assert response.status_code == 200, response.text
        return made

    @pytest.mark.parametrize(
        ("order", "expected"),
        [("oldest", [0, 1, 2]), ("recent", [2, 1, 0]), ("best_rated", [1, 2, 0])],
    )
    async def test_each_order_pages_without_repeats_or_gaps(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        runtime: Runtime,
        stage: Stage,
        open_debate: Debate,
        order: str,
        expected: list[int],
    ) -> None:
        made = await self._three_rated(client, session, runtime, stage, open_debate)

        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {**about(open_debate), "order": order}
            params["limit"] = 1
            if cursor:
                params["cursor"] = cursor
            page = await client.get(f"{API}/comments", params=params)
            assert page.status_code == 200, page.text
            seen += ids(page.json())
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break

        assert seen == [made[n] for n in expected]

    async def test_a_cursor_of_another_order_is_422(
        self, client: httpx.AsyncClient, stage: Stage, open_debate: Debate
    ) -> None:
        for _ in range(2):
            await comment_on(client, about(open_debate), stage.other)
        first = await client.get(
            f"{API}/comments", params={**about(open_debate), "limit": 1}
        )

        response = await client.get(
            f"{API}/comments",
            params={
                **about(open_debate),
                "order": "best_rated",
                "cursor": first.json()["next_cursor"],
            },
        )

        assert failing_fields(assert_problem(response, 422, "validation-error")) == {
            "cursor"
        }


async def test_a_space_unpublished_again_hides_its_comments(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    open_debate: Debate,
) -> None:
    created = await comment_on(client, about(open_debate), stage.other)
    stage.space.status = SpaceStatus.DRAFT
    await session.flush()

    response = await client.get(f"{API}/comments/{created['id']}")

    assert_problem(response, 404, "not-found")


async def test_sync_clients_learn_of_a_comment_and_its_tombstone(
    client: httpx.AsyncClient,
    session: AsyncSession,
    stage: Stage,
    open_debate: Debate,
) -> None:
    created = await comment_on(client, about(open_debate), stage.other)
    await client.delete(f"{API}/comments/{created['id']}", headers=stage.other.headers)

    operations = await session.scalars(
        select(ChangeLogEntry.operation)
        .where(
            ChangeLogEntry.record_type == "comment",
            ChangeLogEntry.record_id == created["id"],
        )
        .order_by(ChangeLogEntry.id)
    )
    assert list(operations) == ["created", "updated"]
