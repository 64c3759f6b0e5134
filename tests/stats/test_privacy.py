"""Only what an anonymous visitor may read is counted."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.comments import Comment
from app.models.spaces import SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.stats.conftest import (
    entry,
    figures,
    one_proposal_each,
    people,
    proposals_in,
    supports,
)


class TestPrivateContent:
    async def test_private_draft_unpublished_and_deleted_content_is_left_out(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        public = await builders.space(session)
        crowd = await people(session, runtime, 10)
        shown = await one_proposal_each(
            session, await proposals_in(session, public), crowd
        )
        private = await builders.space(session, visibility=Visibility.PRIVATE)
        draft = await builders.space(session, status=SpaceStatus.DRAFT)
        hidden_component = await proposals_in(session, public, published=False)
        others = await people(session, runtime, 12)
        for place in (
            await proposals_in(session, private),
            await proposals_in(session, draft),
            hidden_component,
        ):
            await one_proposal_each(session, place, others)
        await one_proposal_each(
            session, await proposals_in(session, public), others, draft=True
        )
        session.add(
            Comment(
                resource_type="proposal",
                resource_id=shown[0].id,
                author_id=others[0].id,
                body="<p>apagado</p>",
                deleted_at=utcnow(),
            )
        )
        await session.flush()

        body = await figures(client, session, runtime)

        assert body["totals"]["figures"]["participants"] == 10
        assert body["totals"]["figures"]["proposals"] == 10
        assert body["totals"]["figures"]["comments"] == 0
        ids = {e["id"] for e in body["spaces"]}
        assert public.id in ids
        assert not ids & {private.id, draft.id}
        assert hidden_component.id not in {e["id"] for e in body["components"]}

    async def test_hidden_supports_are_left_out_while_hidden(
        self, client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
    ) -> None:
        space = await builders.space(session)
        component = await proposals_in(
            session, space, switches={"supports_enabled": True, "supports_hidden": True}
        )
        crowd = await people(session, runtime, 10)
        made = await one_proposal_each(session, component, crowd)
        await supports(session, made[0], crowd)

        hidden = await figures(client, session, runtime)
        component.default_switches = {"supports_enabled": True}
        await session.flush()
        shown = await figures(client, session, runtime)

        assert entry(hidden["spaces"], id=space.id)["figures"]["supports"] == 0
        assert entry(shown["spaces"], id=space.id)["figures"]["supports"] == 10
