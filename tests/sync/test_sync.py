"""Delta sync for the app and for integrators: records, tombstones, cursors."""

import base64

import httpx
import pytest

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.components import Component
from app.models.proposals import Proposal
from app.models.spaces import Space, SpaceStatus, Visibility
from app.runtime import Runtime
from tests.sync.conftest import CHANGES, MOBILE, drain, has, keys, stage


class TestFirstSync:
    async def test_mobile_sends_compact_cards_of_public_content(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)

        changes, cursor = await drain(
            durable_client,
            MOBILE,
            until=has(("comment", shown.comment.id, False)),
            headers={},
        )

        by_key = {(c["type"], c["id"]): c for c in changes}
        proposal = by_key[("proposal", shown.proposal.id)]["record"]
        assert proposal["title"] == shown.proposal.title["pt-BR"]
        assert proposal["space_id"] == shown.space.id
        assert "body" not in proposal
        comment = by_key[("comment", shown.comment.id)]["record"]
        assert comment["body"] == "Concordo & apoio"
        assert ("space", shown.space.id, False) in keys(changes)
        assert ("meeting", shown.meeting.id, False) in keys(changes)
        assert cursor

    async def test_integrators_get_full_api_records(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)

        changes, _ = await drain(
            durable_client,
            CHANGES,
            until=has(("proposal", shown.proposal.id, False)),
        )

        by_key = {(c["type"], c["id"]): c["record"] for c in changes}
        assert by_key[("proposal", shown.proposal.id)]["title"] == (
            shown.proposal.title
        )
        assert by_key[("component", shown.proposals.id)]["space_id"] == shown.space.id
        assert by_key[("meeting", shown.meeting.id)]["state"] == "published"

    async def test_each_record_comes_once_in_commit_order(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)

        changes, _ = await drain(
            durable_client,
            CHANGES,
            until=has(("comment", shown.comment.id, False)),
            limit=2,
        )

        order = [(c["type"], c["id"]) for c in changes]
        assert len(order) == len(set(order))
        assert order.index(("space", shown.space.id)) < order.index(
            ("proposal", shown.proposal.id)
        )


class TestResuming:
    async def test_a_cursor_sends_only_what_changed_after_it(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)
        _, cursor = await drain(
            durable_client, MOBILE, until=has(("comment", shown.comment.id, False))
        )
        async with durable_runtime.sessionmaker() as session:
            proposal = await session.get_one(Proposal, shown.proposal.id)
            proposal.title = {"pt-BR": "Título novo", "en": "New title"}
            await session.commit()

        changes, _ = await drain(
            durable_client,
            MOBILE,
            cursor,
            until=has(("proposal", shown.proposal.id, False)),
        )

        assert keys(changes) == [("proposal", shown.proposal.id, False)]
        assert changes[0]["record"]["title"] == "Título novo"

    async def test_types_narrow_the_changes(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)

        changes, _ = await drain(
            durable_client,
            MOBILE,
            until=has(("meeting", shown.meeting.id, False)),
            types="meeting",
        )

        assert {c["type"] for c in changes} == {"meeting"}


class TestTombstones:
    async def test_making_a_space_private_tombstones_everything_in_it(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)
        _, cursor = await drain(
            durable_client, MOBILE, until=has(("comment", shown.comment.id, False))
        )
        async with durable_runtime.sessionmaker() as session:
            space = await session.get_one(Space, shown.space.id)
            space.visibility = Visibility.PRIVATE
            await session.commit()

        gone = [
            ("space", shown.space.id, True),
            ("proposal", shown.proposal.id, True),
            ("meeting", shown.meeting.id, True),
            ("comment", shown.comment.id, True),
        ]
        changes, _ = await drain(durable_client, MOBILE, cursor, until=has(*gone))

        assert set(keys(changes)) == set(gone)
        assert all(c["record"] is None for c in changes)

    async def test_publishing_a_draft_space_sends_content_written_before(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime, status=SpaceStatus.DRAFT)
        first, cursor = await drain(
            durable_client, CHANGES, until=has(("comment", shown.comment.id, True))
        )
        assert all(c["deleted"] for c in first)

        async with durable_runtime.sessionmaker() as session:
            space = await session.get_one(Space, shown.space.id)
            space.status = SpaceStatus.PUBLISHED
            space.published_at = utcnow()
            await session.commit()

        changes, _ = await drain(
            durable_client,
            CHANGES,
            cursor,
            until=has(
                ("proposal", shown.proposal.id, False),
                ("comment", shown.comment.id, False),
            ),
        )
        assert ("meeting", shown.meeting.id, False) in keys(changes)
        assert ("component", shown.proposals.id, False) in keys(changes)

    async def test_unpublishing_a_component_tombstones_its_proposals(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)
        _, cursor = await drain(
            durable_client, CHANGES, until=has(("comment", shown.comment.id, False))
        )
        async with durable_runtime.sessionmaker() as session:
            component = await session.get_one(Component, shown.proposals.id)
            component.published_at = None
            await session.commit()

        gone = [
            ("component", shown.proposals.id, True),
            ("proposal", shown.proposal.id, True),
            ("comment", shown.comment.id, True),
        ]
        changes, _ = await drain(durable_client, CHANGES, cursor, until=has(*gone))
        assert set(keys(changes)) == set(gone)

    async def test_a_deleted_comment_becomes_a_tombstone(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)
        _, cursor = await drain(
            durable_client, MOBILE, until=has(("comment", shown.comment.id, False))
        )
        async with durable_runtime.sessionmaker() as session:
            comment = await session.get_one(Comment, shown.comment.id)
            comment.deleted_at = utcnow()
            await session.commit()

        changes, _ = await drain(
            durable_client,
            MOBILE,
            cursor,
            until=has(("comment", shown.comment.id, True)),
        )
        assert keys(changes) == [("comment", shown.comment.id, True)]

    async def test_a_comment_hidden_by_a_moderator_becomes_a_tombstone(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await stage(durable_runtime)
        _, cursor = await drain(
            durable_client, CHANGES, until=has(("comment", shown.comment.id, False))
        )
        async with durable_runtime.sessionmaker() as session:
            comment = await session.get_one(Comment, shown.comment.id)
            comment.hidden_at = utcnow()
            await session.commit()

        changes, _ = await drain(
            durable_client,
            CHANGES,
            cursor,
            until=has(("comment", shown.comment.id, True)),
        )
        assert keys(changes) == [("comment", shown.comment.id, True)]


class TestRefusals:
    async def test_an_unknown_type_is_422(self, client: httpx.AsyncClient) -> None:
        answer = await client.get(MOBILE, params={"types": "proposal,ballot"})

        assert answer.status_code == 422
        assert "ballot" in answer.json()["detail"]

    async def test_a_malformed_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        answer = await client.get(CHANGES, params={"since": "not-a-cursor"})

        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "cursor",
    ["9223372036854775808.0", "1.99999999999999999999", "-5.0", "3.-1"],
)
async def test_a_cursor_out_of_range_is_422(
    client: httpx.AsyncClient, cursor: str
) -> None:
    since = base64.urlsafe_b64encode(cursor.encode()).decode()

    for path in (MOBILE, CHANGES):
        answer = await client.get(path, params={"since": since})

        assert answer.status_code == 422, answer.text
        assert "cursor is malformed" in answer.json()["detail"]
