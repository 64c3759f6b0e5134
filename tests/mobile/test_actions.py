"""What the app writes answers with the updated screen, through the same rules
as /api/v1."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import utcnow
from app.models.devices import Platform, PushDevice
from app.models.meetings import RegistrationType
from app.runtime import Runtime
from tests import builders
from tests.attachments.conftest import phone_photo
from tests.meetings.conftest import meeting
from tests.mobile.conftest import MOBILE, Scene
from tests.proposals.conftest import proposals_component

NEW_PROPOSAL = {
    "title": {"pt-BR": "Semáforo na Avenida João César"},
    "body": {"pt-BR": "<p>Travessia perigosa perto da escola.</p>"},
    "address": "Av. João César de Oliveira, 1200",
    "latitude": -19.9319,
    "longitude": -44.0539,
    "client_draft_id": "ignored-by-the-server",
}


PLACE = ("address", "latitude", "longitude")


class TestProposals:
    async def test_a_proposal_with_a_place_and_a_photo_is_published_from_the_phone(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        component = await proposals_component(
            session, scene.space, attachments_allowed=True, geocoding_enabled=True
        )
        headers = scene.participant.headers

        created = await client.post(
            f"{MOBILE}/components/{component.id}/proposals",
            json=NEW_PROPOSAL,
            headers=headers,
        )
        photo = await client.post(
            f"{MOBILE}/proposals/{created.json()['id']}/photos",
            files={"file": ("IMG_0001.jpg", phone_photo(), "image/jpeg")},
            headers=headers,
        )

        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "published"
        assert body["reference"].startswith("CTG-PROP-")
        assert (body["latitude"], body["longitude"]) == (-19.9319, -44.0539)
        assert body["image_url"] is None
        assert photo.status_code == 201, photo.text
        [url] = photo.json()["image_urls"]
        assert photo.json()["image_url"] == url
        assert url.endswith("/file")

    async def test_a_draft_stays_a_draft_when_asked(
        self, client: httpx.AsyncClient, scene: Scene
    ) -> None:
        unplaced = {k: v for k, v in NEW_PROPOSAL.items() if k not in PLACE}
        created = await client.post(
            f"{MOBILE}/components/{scene.proposals.id}/proposals",
            json={**unplaced, "publish": False},
            headers=scene.participant.headers,
        )

        assert created.status_code == 201, created.text
        assert created.json()["status"] == "draft"

    async def test_support_and_its_withdrawal_show_on_the_screen(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        shown = await builders.proposal(session, scene.proposals, None)
        path = f"{MOBILE}/proposals/{shown.id}/support"

        supported = await client.post(path, headers=scene.participant.headers)
        again = await client.post(path, headers=scene.participant.headers)
        withdrawn = await client.delete(path, headers=scene.participant.headers)

        assert supported.status_code == 200
        assert supported.json()["supports_count"] == 1
        assert supported.json()["viewer"]["supported"] is True
        assert again.status_code == 409
        assert withdrawn.json()["supports_count"] == 0
        assert withdrawn.json()["viewer"]["may_support"] is True


class TestComments:
    async def test_a_comment_and_a_reply(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        shown = await builders.proposal(session, scene.proposals, None)
        path = f"{MOBILE}/resources/proposal/{shown.id}/comments"

        root = await client.post(
            path,
            json={"body": "Apoio, é urgente.", "alignment": "in_favour"},
            headers=scene.participant.headers,
        )
        answer = await client.post(
            path,
            json={"body": "Concordo.", "parent_id": root.json()["id"]},
            headers=scene.participant.headers,
        )

        assert root.status_code == 201
        assert root.json()["body"] == "Apoio, é urgente."
        assert answer.json()["parent_id"] == root.json()["id"]
        assert answer.json()["depth"] == 1

    async def test_a_reply_through_another_resource_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        first = await builders.proposal(session, scene.proposals, None)
        second = await builders.proposal(session, scene.proposals, None)
        root = await client.post(
            f"{MOBILE}/resources/proposal/{first.id}/comments",
            json={"body": "Primeiro."},
            headers=scene.participant.headers,
        )

        answer = await client.post(
            f"{MOBILE}/resources/proposal/{second.id}/comments",
            json={"body": "Resposta.", "parent_id": root.json()["id"]},
            headers=scene.participant.headers,
        )

        assert answer.status_code == 422


class TestRegistrations:
    async def test_registering_and_giving_the_place_up(
        self, client: httpx.AsyncClient, session: AsyncSession, scene: Scene
    ) -> None:
        held = await meeting(
            session,
            scene.meetings,
            registration_type=RegistrationType.ON_PLATFORM,
            capacity=10,
        )
        path = f"{MOBILE}/meetings/{held.id}/registration"

        taken = await client.post(path, json={}, headers=scene.participant.headers)
        given_up = await client.delete(path, headers=scene.participant.headers)

        assert taken.status_code == 200, taken.text
        assert taken.json()["viewer"]["registration"] == "confirmed"
        assert taken.json()["registrations_count"] == 1
        assert given_up.json()["viewer"]["registration"] is None
        assert given_up.json()["registrations_count"] == 0


async def test_signing_out_everywhere_stops_pushes_to_every_device(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, scene: Scene
) -> None:
    for token in ("fcm-phone-1", "fcm-phone-2"):
        session.add(
            PushDevice(
                user_id=scene.participant.id,
                platform=Platform.ANDROID,
                token=token,
                locale="pt-BR",
                last_registered_at=utcnow(),
            )
        )
    await session.flush()

    answer = await client.post(
        f"{MOBILE}/auth/sign-out-everywhere", headers=scene.participant.headers
    )

    assert answer.status_code == 204
    left = await session.scalars(
        select(PushDevice).where(PushDevice.user_id == scene.participant.id)
    )
    assert list(left) == []
