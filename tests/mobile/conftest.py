"""A public space with proposals and meetings, and a participant on the app."""

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component
from app.models.spaces import Space
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import cast as budget_cast
from tests.builders import Actor
from tests.meetings.conftest import meetings_component
from tests.proposals.conftest import proposals_component

MOBILE = "/mobile/v1"


@dataclass
class Scene:
    space: Space
    proposals: Component
    meetings: Component
    participant: Actor


@pytest.fixture
async def scene(session: AsyncSession, runtime: Runtime) -> Scene:
    space = await builders.space(session, title="Orçamento participativo")
    space.title = {"pt-BR": "Orçamento participativo", "en": "Participatory budget"}
    space.description = {"pt-BR": "<p>Decida <strong>onde</strong> investir.</p>"}
    return Scene(
        space=space,
        proposals=await proposals_component(session, space),
        meetings=await meetings_component(session, space),
        participant=await builders.actor(session, runtime),
    )


cast = budget_cast
"""A space with a budget open for voting (``tests.budgets``), for the app's tests."""
