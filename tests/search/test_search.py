"""What a search finds, how it ranks and highlights, and how it pages."""

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.search import SearchDocument
from app.models.taxonomies import Area, AreaType
from tests import builders
from tests.search.conftest import (
    API,
    Stage,
    comment,
    debate,
    find,
    found,
    meeting,
    post,
)


class TestMatching:
    async def test_words_without_accents_find_accented_text(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        proposal = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Participação popular"
        )

        body = await find(client, stage.anonymous, "participacao")

        assert found(body) == [("proposal", proposal.id)]
        assert "<mark>" in body["items"][0]["snippet"]
        assert body["items"][0]["title"] == {"pt-BR": "Participação popular"}

    async def test_every_kind_is_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        author = stage.author.user
        assert author is not None
        space = await builders.space(session, title="Conselho de saneamento")
        proposal = await builders.proposal(
            session, stage.proposals, author, title="Saneamento no Eldorado"
        )
        opened = await debate(session, stage.debates, author, "Saneamento básico")
        held = await meeting(session, stage.meetings, "Audiência sobre saneamento")
        news = await post(session, stage.posts, "Obras de saneamento")
        remark = await comment(session, proposal, author, "Falta saneamento aqui")

        body = await find(client, stage.anonymous, "saneamento")

        assert sorted(found(body)) == sorted(
            [
                ("space", space.id),
                ("proposal", proposal.id),
                ("debate", opened.id),
                ("meeting", held.id),
                ("post", news.id),
                ("comment", remark.id),
            ]
        )
        assert body["counts"] == {
            "space": 1,
            "proposal": 1,
            "debate": 1,
            "meeting": 1,
            "post": 1,
            "comment": 1,
        }

    async def test_texts_in_other_locales_are_found(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        proposal = await builders.proposal(
            session,
            stage.proposals,
            stage.author.user,
            title="Escola",
            body={"es": "<p>Más educación pública</p>", "ca": "<p>Més educació</p>"},
        )

        spanish = await find(client, stage.anonymous, "educacion publica")
        catalan = await find(client, stage.anonymous, "educació")

        assert found(spanish) == [("proposal", proposal.id)]
        assert found(catalan) == [("proposal", proposal.id)]

    async def test_a_title_match_ranks_above_a_body_match(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        in_body = await builders.proposal(
            session,
            stage.proposals,
            stage.author.user,
            title="Calçadas",
            body={"pt-BR": "<p>Precisamos de ciclovias e de calçadas largas</p>"},
        )
        in_title = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Ciclovias na Avenida"
        )

        body = await find(client, stage.anonymous, "ciclovias")

        assert found(body) == [("proposal", in_title.id), ("proposal", in_body.id)]

    async def test_snippets_escape_the_text_and_mark_the_words(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        await builders.proposal(
            session,
            stage.proposals,
            stage.author.user,
            title="Sinais",
            body={"pt-BR": "<p><b>Semáforo</b> na esquina, 1 &lt; 2</p>"},
        )

        body = await find(client, stage.anonymous, "semaforo")

        snippet = body["items"][0]["snippet"]
        assert "<mark>Semáforo</mark>" in snippet
        assert "<b>" not in snippet
        assert "1 &lt; 2" in snippet

    async def test_no_words_is_a_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.get(f"{API}/search", params={"q": "  ?! "})

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_an_unknown_type_is_a_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.get(
            f"{API}/search", params={"q": "água", "type": "spaceship"}
        )

        assert response.status_code == 422


class TestFilters:
    async def test_by_type(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        author = stage.author.user
        assert author is not None
        proposal = await builders.proposal(
            session, stage.proposals, author, title="Iluminação pública"
        )
        await debate(session, stage.debates, author, "Iluminação nas praças")

        body = await find(client, stage.anonymous, "iluminacao", type="proposal")

        assert found(body) == [("proposal", proposal.id)]
        assert body["counts"] == {"proposal": 1, "debate": 1}

    async def test_by_space(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        elsewhere = await builders.space(session)
        other = await builders.component(session, elsewhere)
        here = await post(session, stage.posts, "Feira de artesanato")
        await post(session, other, "Feira livre")

        body = await find(client, stage.anonymous, "feira", space_id=stage.space.id)

        assert found(body) == [("post", here.id)]

    async def test_by_scope_includes_its_descendants(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        region = await builders.scope(session, name="Eldorado")
        district = await builders.scope(session, parent=region, name="Água Branca")
        other = await builders.scope(session, name="Ressaca")
        inside = await builders.proposal(
            session,
            stage.proposals,
            stage.author.user,
            title="Praça reformada",
            scope_id=district.id,
        )
        await builders.proposal(
            session,
            stage.proposals,
            stage.author.user,
            title="Praça nova",
            scope_id=other.id,
        )

        body = await find(client, stage.anonymous, "praça", scope_id=region.id)

        assert found(body) == [("proposal", inside.id)]

    async def test_by_area(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        kind = AreaType(name={"pt-BR": "Temas"})
        session.add(kind)
        await session.flush()
        health = Area(area_type_id=kind.id, name={"pt-BR": "Saúde"})
        session.add(health)
        await session.flush()
        clinic = await meeting(
            session, stage.meetings, "Posto de saúde", area_id=health.id
        )
        await meeting(session, stage.meetings, "Posto policial")

        body = await find(client, stage.anonymous, "posto", area_id=health.id)

        assert found(body) == [("meeting", clinic.id)]

    async def test_by_date(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        now = utcnow()
        recent = await post(session, stage.posts, "Mutirão de limpeza")
        await post(
            session,
            stage.posts,
            "Mutirão antigo",
            published_at=now - timedelta(days=40),
        )

        since = (now - timedelta(days=7)).isoformat()
        body = await find(client, stage.anonymous, "mutirao", since=since)

        assert found(body) == [("post", recent.id)]


class TestPaging:
    async def test_pages_follow_the_rank_and_show_each_hit_once(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        ids = set()
        for number in range(5):
            created = await builders.proposal(
                session,
                stage.proposals,
                stage.author.user,
                title=f"Horta comunitária {number}",
                body={"pt-BR": "<p>" + "horta " * number + "</p>"},
            )
            ids.add(created.id)

        seen: list[int] = []
        ranks: list[float] = []
        params: dict[str, str | int] = {"q": "horta", "limit": 2}
        while True:
            response = await client.get(f"{API}/search", params=params)
            page = response.json()
            seen += [item["id"] for item in page["items"]]
            ranks += [item["rank"] for item in page["items"]]
            if page["next_cursor"] is None:
                assert "Link" not in response.headers
                break
            assert 'rel="next"' in response.headers["Link"]
            params["cursor"] = page["next_cursor"]

        assert sorted(seen) == sorted(ids)
        assert ranks == sorted(ranks, reverse=True)

    async def test_a_malformed_cursor_is_a_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.get(
            f"{API}/search", params={"q": "horta", "cursor": "bm90IGEgY3Vyc29y"}
        )

        assert response.status_code == 422


class TestIndex:
    async def test_a_rolled_back_change_leaves_no_entry(
        self, session: AsyncSession, stage: Stage
    ) -> None:
        savepoint = await session.begin_nested()
        proposal = await builders.proposal(
            session, stage.proposals, stage.author.user, title="Transporte"
        )
        entry = select(SearchDocument.id).where(
            SearchDocument.resource_type == "proposal",
            SearchDocument.resource_id == proposal.id,
        )
        assert await session.scalar(entry) is not None

        await savepoint.rollback()

        assert await session.scalar(entry) is None
