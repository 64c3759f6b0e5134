"""Who may attach, see, download and delete: the resource's own read rule."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.action_log import ActionLogEntry
from app.models.attachments import Attachment
from app.models.base import utcnow
from app.models.spaces import SpaceStatus, Visibility
from app.models.users import User
from app.services import attachments
from tests import builders
from tests.api.problems import assert_problem, assert_unauthenticated
from tests.attachments.conftest import (
    API,
    Stage,
    image_bytes,
    minimal_pdf,
    post_attachments,
    stored_files,
    upload,
)


async def attach_pdf(client: httpx.AsyncClient, path: str, stage: Stage) -> int:
    response = await upload(
        client,
        path,
        minimal_pdf(),
        file_name="ata.pdf",
        headers=stage.space_admin.headers,
    )
    assert response.status_code == 201, response.text
    attachment_id: int = response.json()["id"]
    return attachment_id


class TestWhoAttaches:
    @pytest.mark.parametrize("who", ["space_admin", "org_admin"])
    async def test_admins_attach_to_a_post_of_the_space(
        self, client: httpx.AsyncClient, stage: Stage, who: str
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=getattr(stage, who).headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["resource_type"] == "post"
        assert response.json()["resource_id"] == stage.post.id

    async def test_a_space_admin_attaches_to_the_space_itself(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        response = await upload(
            client,
            f"{API}/resources/space/{stage.space.id}/attachments",
            image_bytes("PNG"),
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        [entry] = (
            await session.scalars(
                select(ActionLogEntry).where(
                    ActionLogEntry.action == "attachment.added"
                )
            )
        ).all()
        assert entry.space_id == stage.space.id
        assert entry.object_id == response.json()["id"]
        assert entry.public is False

    @pytest.mark.parametrize(
        "who", ["participant", "collaborator", "other_space_admin"]
    )
    async def test_others_get_403(
        self,
        client: httpx.AsyncClient,
        stage: Stage,
        upload_dir: Path,
        who: str,
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=getattr(stage, who).headers,
        )

        assert_problem(response, 403, "forbidden")
        assert stored_files(upload_dir) == []

    async def test_anonymous_gets_401(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await upload(
            client, post_attachments(stage), minimal_pdf(), headers={}
        )

        assert_unauthenticated(response)

    async def test_a_resource_the_uploader_cannot_read_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        draft = await builders.space(session, status=SpaceStatus.DRAFT)

        response = await upload(
            client,
            f"{API}/resources/space/{draft.id}/attachments",
            minimal_pdf(),
            headers=stage.participant.headers,
        )

        assert_problem(response, 404, "not-found")

    @pytest.mark.parametrize(
        "path",
        ["/resources/post/999999/attachments", "/resources/ghost/1/attachments"],
        ids=["missing-post", "unknown-kind"],
    )
    async def test_a_resource_that_does_not_exist_is_404(
        self, client: httpx.AsyncClient, stage: Stage, path: str
    ) -> None:
        response = await upload(
            client, API + path, minimal_pdf(), headers=stage.org_admin.headers
        )

        assert_problem(response, 404, "not-found")


@pytest.fixture
def authors_attach() -> Iterator[set[int]]:
    """Lets the users in the returned set attach to posts, as a domain's rule."""
    authors: set[int] = set()

    async def rule(_session: AsyncSession, user: User, _resource: Any) -> bool:
        return user.id in authors

    attachments.allow_attaching("post", rule)
    yield authors
    attachments._MAY_ATTACH.pop("post")


class TestDomainRule:
    async def test_a_rule_lets_an_author_attach(
        self, client: httpx.AsyncClient, stage: Stage, authors_attach: set[int]
    ) -> None:
        assert stage.participant.user is not None
        authors_attach.add(stage.participant.user.id)

        response = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=stage.participant.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["uploader_id"] == stage.participant.user.id

    async def test_a_rule_that_refuses_leaves_space_admins_their_right(
        self, client: httpx.AsyncClient, stage: Stage, authors_attach: set[int]
    ) -> None:
        refused = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=stage.participant.headers,
        )
        admitted = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=stage.space_admin.headers,
        )

        assert_problem(refused, 403, "forbidden")
        assert admitted.status_code == 201

    async def test_an_author_deletes_their_own_attachment_only(
        self, client: httpx.AsyncClient, stage: Stage, authors_attach: set[int]
    ) -> None:
        assert stage.participant.user is not None
        authors_attach.add(stage.participant.user.id)
        own = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=stage.participant.headers,
        )
        admins = await attach_pdf(client, post_attachments(stage), stage)

        refused = await client.delete(
            f"{API}/attachments/{admins}", headers=stage.participant.headers
        )
        deleted = await client.delete(
            f"{API}/attachments/{own.json()['id']}", headers=stage.participant.headers
        )

        assert_problem(refused, 403, "forbidden")
        assert deleted.status_code == 204


class TestVisibility:
    async def test_anyone_lists_and_downloads_a_public_posts_attachments(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        listed = await client.get(post_attachments(stage))
        shown = await client.get(f"{API}/attachments/{attachment_id}")
        downloaded = await client.get(f"{API}/attachments/{attachment_id}/file")

        assert [item["id"] for item in listed.json()["items"]] == [attachment_id]
        assert shown.status_code == 200
        assert downloaded.content == minimal_pdf()

    @pytest.mark.parametrize("change", ["private", "draft", "post-deleted"])
    async def test_an_unreadable_resource_hides_its_attachments_with_404(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        change: str,
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)
        if change == "private":
            stage.space.visibility = Visibility.PRIVATE
        elif change == "draft":
            stage.space.status = SpaceStatus.DRAFT
        else:
            stage.post.deleted_at = utcnow()
        await session.flush()

        for viewer in (stage.anonymous, stage.participant):
            listed = await client.get(post_attachments(stage), headers=viewer.headers)
            shown = await client.get(
                f"{API}/attachments/{attachment_id}", headers=viewer.headers
            )
            downloaded = await client.get(
                f"{API}/attachments/{attachment_id}/file", headers=viewer.headers
            )
            assert_problem(listed, 404, "not-found")
            assert_problem(shown, 404, "not-found")
            assert_problem(downloaded, 404, "not-found")

    async def test_members_of_a_private_space_see_its_attachments(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)
        stage.space.visibility = Visibility.PRIVATE
        assert stage.participant.user is not None
        await builders.member(session, stage.space, stage.participant.user)

        listed = await client.get(
            post_attachments(stage), headers=stage.participant.headers
        )
        downloaded = await client.get(
            f"{API}/attachments/{attachment_id}/file",
            headers=stage.participant.headers,
        )

        assert [item["id"] for item in listed.json()["items"]] == [attachment_id]
        assert downloaded.status_code == 200

    async def test_the_space_team_sees_attachments_of_a_draft_space(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)
        stage.space.status = SpaceStatus.DRAFT
        await session.flush()

        shown = await client.get(
            f"{API}/attachments/{attachment_id}", headers=stage.collaborator.headers
        )

        assert shown.status_code == 200


class TestDownload:
    async def test_a_pdf_is_a_download_that_never_runs(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        response = await client.get(f"{API}/attachments/{attachment_id}/file")

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            'attachment; filename="ata.pdf"'
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; sandbox"
        )
        assert response.headers["content-length"] == str(len(minimal_pdf()))

    async def test_an_image_is_shown_inline(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        created = await upload(
            client,
            post_attachments(stage),
            image_bytes("JPEG"),
            file_name="praça nova.jpeg",
            headers=stage.space_admin.headers,
        )

        response = await client.get(f"{API}/attachments/{created.json()['id']}/file")

        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["content-disposition"] == (
            "inline; filename*=utf-8''pra%C3%A7a%20nova.jpg"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; sandbox"
        )

    async def test_a_missing_file_is_404_not_500(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        upload_dir: Path,
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)
        [stored] = stored_files(upload_dir)
        stored.unlink()

        response = await client.get(f"{API}/attachments/{attachment_id}/file")

        assert_problem(response, 404, "not-found")


class TestDelete:
    @pytest.mark.parametrize("who", ["space_admin", "org_admin"])
    async def test_admins_delete_and_the_file_goes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        upload_dir: Path,
        who: str,
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)
        assert len(stored_files(upload_dir)) == 1

        response = await client.delete(
            f"{API}/attachments/{attachment_id}", headers=getattr(stage, who).headers
        )

        assert response.status_code == 204
        assert stored_files(upload_dir) == []
        row = await session.get(Attachment, attachment_id)
        assert row is not None
        assert row.deleted_at is not None
        gone = await client.get(f"{API}/attachments/{attachment_id}")
        assert_problem(gone, 404, "not-found")
        listed = await client.get(post_attachments(stage))
        assert listed.json()["items"] == []

    @pytest.mark.parametrize(
        ("who", "status"),
        [("participant", 403), ("other_space_admin", 403), ("anonymous", 401)],
    )
    async def test_others_cannot_delete(
        self,
        client: httpx.AsyncClient,
        stage: Stage,
        upload_dir: Path,
        who: str,
        status: int,
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        response = await client.delete(
            f"{API}/attachments/{attachment_id}", headers=getattr(stage, who).headers
        )

        assert response.status_code == status
        assert len(stored_files(upload_dir)) == 1
        assert (
            await client.get(f"{API}/attachments/{attachment_id}")
        ).status_code == 200


class TestUpdate:
    async def test_an_admin_renames_and_moves_an_attachment(
        self, client: httpx.AsyncClient, session: AsyncSession, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        response = await client.patch(
            f"{API}/attachments/{attachment_id}",
            json={"title": " Ata aprovada ", "position": 7},
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Ata aprovada"
        assert response.json()["position"] == 7
        [entry] = (
            await session.scalars(
                select(ActionLogEntry).where(
                    ActionLogEntry.action == "attachment.updated"
                )
            )
        ).all()
        assert entry.object_id == attachment_id

    @pytest.mark.parametrize(
        "body",
        [{"title": "   "}, {"title": None}, {"position": -1}, {"size": 1}],
        ids=["blank", "null", "negative", "unknown"],
    )
    async def test_bad_values_are_422(
        self, client: httpx.AsyncClient, stage: Stage, body: dict[str, Any]
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        response = await client.patch(
            f"{API}/attachments/{attachment_id}",
            json=body,
            headers=stage.space_admin.headers,
        )

        assert_problem(response, 422, "validation-error")

    async def test_a_participant_gets_403(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        attachment_id = await attach_pdf(client, post_attachments(stage), stage)

        response = await client.patch(
            f"{API}/attachments/{attachment_id}",
            json={"title": "Meu"},
            headers=stage.participant.headers,
        )

        assert_problem(response, 403, "forbidden")
