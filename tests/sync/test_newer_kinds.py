"""Debates, posts, budget projects, results and surveys sync like the rest:
records while public, tombstones once they leave public view."""

from dataclasses import dataclass
from typing import Any

import httpx

from app.models.base import utcnow
from app.models.components import Component, ComponentType, Post
from app.models.debates import Debate
from app.models.spaces import Space, Visibility
from app.models.surveys import Survey
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.newer_kinds import Stock, stocked
from tests.search.conftest import debate, post
from tests.sync.conftest import CHANGES, MOBILE, drain, has, keys


@dataclass
class Newer:
    space: Space
    stock: Stock
    debate: Debate
    post: Post

    def keys(self, deleted: bool) -> list[tuple[str, int, bool]]:
        return [
            ("debate", self.debate.id, deleted),
            ("post", self.post.id, deleted),
            ("budget_project", self.stock.project.id, deleted),
            ("result", self.stock.result.id, deleted),
            ("survey", self.stock.survey.id, deleted),
        ]


async def newer(runtime: Runtime, **budget: dict[str, Any]) -> Newer:
    """Committed: a public space holding one of each newer kind."""
    async with runtime.sessionmaker() as session:
        space = await builders.space(session)
        author = await builders.user(session, runtime)
        stock = await stocked(session, space, **budget)
        debates = await builders.component(session, space, type=ComponentType.DEBATES)
        posts = await builders.component(session, space)
        held = await debate(session, debates, author, "Debate sobre calçadas")
        news = await post(session, posts, "Feira de saúde no sábado")
        await session.commit()
    return Newer(space, stock, held, news)


class TestRecords:
    async def test_mobile_sends_a_card_of_each_newer_kind(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)

        changes, _ = await drain(durable_client, MOBILE, until=has(*shown.keys(False)))

        by_key = {(c["type"], c["id"]): c["record"] for c in changes}
        project = by_key[("budget_project", shown.stock.project.id)]
        assert project["title"] == "Reforma da quadra poliesportiva"
        assert project["space_id"] == shown.space.id
        assert project["summary"] == "Quadra coberta no Riacho"
        assert project["votes_count"] is None
        assert by_key[("result", shown.stock.result.id)]["title"] == (
            "Ciclovia da Avenida João César"
        )
        assert by_key[("survey", shown.stock.survey.id)]["title"] == (
            "Mobilidade urbana"
        )
        assert by_key[("debate", shown.debate.id)]["title"] == "Debate sobre calçadas"
        assert by_key[("post", shown.post.id)]["summary"] == "Feira de saúde no sábado"

    async def test_integrators_get_each_newer_kinds_api_record(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)

        changes, _ = await drain(durable_client, CHANGES, until=has(*shown.keys(False)))

        by_key = {(c["type"], c["id"]): c["record"] for c in changes}
        project = by_key[("budget_project", shown.stock.project.id)]
        assert project["budget_id"] == shown.stock.budget.id
        assert project["amount"] == 500
        assert project["votes_count"] is None
        assert by_key[("result", shown.stock.result.id)]["space_id"] == shown.space.id
        assert by_key[("survey", shown.stock.survey.id)]["title"] == {
            "pt-BR": "Mobilidade urbana"
        }
        assert by_key[("debate", shown.debate.id)]["accepts_comments"] is True
        assert by_key[("post", shown.post.id)]["title"] == {
            "pt-BR": "Feira de saúde no sábado"
        }

    async def test_vote_counts_show_once_the_budget_shows_them(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(
            durable_runtime,
            budget_settings={"show_votes": True},
            budget_switches={"votes_enabled": False},
        )

        for path in (MOBILE, CHANGES):
            changes, _ = await drain(
                durable_client,
                path,
                until=has(("budget_project", shown.stock.project.id, False)),
                types="budget_project",
            )
            [project] = [
                c["record"] for c in changes if c["id"] == shown.stock.project.id
            ]
            assert project["votes_count"] == 0

    async def test_types_narrow_to_a_newer_kind(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)

        changes, _ = await drain(
            durable_client,
            MOBILE,
            until=has(("result", shown.stock.result.id, False)),
            types="result",
        )

        assert {c["type"] for c in changes} == {"result"}


class TestTombstones:
    async def test_a_private_space_tombstones_every_newer_kind(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)
        _, cursor = await drain(durable_client, CHANGES, until=has(*shown.keys(False)))
        async with durable_runtime.sessionmaker() as session:
            space = await session.get_one(Space, shown.space.id)
            space.visibility = Visibility.PRIVATE
            await session.commit()

        changes, _ = await drain(
            durable_client, CHANGES, cursor, until=has(*shown.keys(True))
        )

        assert set(shown.keys(True)) <= set(keys(changes))
        assert all(c["deleted"] and c["record"] is None for c in changes)

    async def test_unpublishing_a_survey_or_its_component(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)
        _, cursor = await drain(durable_client, MOBILE, until=has(*shown.keys(False)))
        async with durable_runtime.sessionmaker() as session:
            survey = await session.get_one(Survey, shown.stock.survey.id)
            survey.published_at = None
            component = await session.get_one(
                Component, shown.stock.result.component_id
            )
            component.published_at = None
            await session.commit()

        gone = [
            ("survey", shown.stock.survey.id, True),
            ("result", shown.stock.result.id, True),
        ]
        changes, _ = await drain(durable_client, MOBILE, cursor, until=has(*gone))

        assert set(keys(changes)) == set(gone)

    async def test_a_deleted_post_becomes_a_tombstone(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)
        _, cursor = await drain(durable_client, CHANGES, until=has(*shown.keys(False)))
        async with durable_runtime.sessionmaker() as session:
            gone = await session.get_one(Post, shown.post.id)
            gone.deleted_at = utcnow()
            await session.commit()

        changes, _ = await drain(
            durable_client, CHANGES, cursor, until=has(("post", shown.post.id, True))
        )

        assert keys(changes) == [("post", shown.post.id, True)]

    async def test_deleting_a_budget_tombstones_its_projects(
        self, durable_client: httpx.AsyncClient, durable_runtime: Runtime
    ) -> None:
        shown = await newer(durable_runtime)
        _, cursor = await drain(durable_client, CHANGES, until=has(*shown.keys(False)))
        async with durable_runtime.sessionmaker() as session:
            admin = await builders.actor(session, durable_runtime, UserRole.ADMIN)
            await session.commit()

        answer = await durable_client.delete(
            f"/api/v1/budgets/{shown.stock.budget.id}", headers=admin.headers
        )
        assert answer.status_code == 204, answer.text

        gone = ("budget_project", shown.stock.project.id, True)
        changes, _ = await drain(durable_client, CHANGES, cursor, until=has(gone))
        assert gone in keys(changes)
