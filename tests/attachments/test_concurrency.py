"""Concurrent uploads and deletions (PostgreSQL: real commits)."""

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.models.action_log import ActionLogEntry
from app.models.attachments import Attachment
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.attachments.conftest import API, minimal_pdf, stored_files, upload
from tests.conftest import make_settings
from tests.mailbox import Mailbox
from tests.structure.components.conftest import post, posts_component

LIMIT = 3


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox, upload_dir: Path) -> Settings:
    """A limit per resource below the connection pool, so that uploads race."""
    return make_settings(
        database_url,
        mailbox.folder,
        upload_dir=upload_dir,
        attachments_per_resource=LIMIT,
    )


async def _post_and_admin(runtime: Runtime) -> tuple[str, dict[str, str]]:
    async with runtime.sessionmaker() as session:
        admin = await builders.user(session, runtime, role=UserRole.ADMIN)
        space = await builders.space(session)
        target = await post(session, await posts_component(session, space))
        await session.commit()
    path = f"{API}/resources/post/{target.id}/attachments"
    return path, builders.bearer(runtime, admin)


async def test_concurrent_uploads_each_get_a_row_and_a_file_of_their_own(
    committed_client: httpx.AsyncClient,
    committed_runtime: Runtime,
    upload_dir: Path,
) -> None:
    path, headers = await _post_and_admin(committed_runtime)

    answers = await asyncio.gather(
        *(
            upload(committed_client, path, minimal_pdf(n), headers=headers)
            for n in range(LIMIT)
        )
    )

    assert [answer.status_code for answer in answers] == [201] * LIMIT
    async with committed_runtime.sessionmaker() as session:
        names = set(await session.scalars(select(Attachment.stored_name)))
    assert {file.name for file in stored_files(upload_dir)} == names
    assert len(names) == LIMIT


async def test_racing_deletions_delete_once(
    committed_client: httpx.AsyncClient,
    committed_runtime: Runtime,
    upload_dir: Path,
) -> None:
    path, headers = await _post_and_admin(committed_runtime)
    created = await upload(committed_client, path, minimal_pdf(), headers=headers)
    attachment_id = created.json()["id"]

    answers = await asyncio.gather(
        *(
            committed_client.delete(
                f"{API}/attachments/{attachment_id}", headers=headers
            )
            for _ in range(6)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [204] + [404] * 5
    assert stored_files(upload_dir) == []
    async with committed_runtime.sessionmaker() as session:
        logged = await session.scalar(
            select(func.count()).where(ActionLogEntry.action == "attachment.deleted")
        )
    assert logged == 1


async def test_concurrent_uploads_stop_at_the_limit_per_resource(
    committed_client: httpx.AsyncClient,
    committed_runtime: Runtime,
    upload_dir: Path,
) -> None:
    path, headers = await _post_and_admin(committed_runtime)

    answers = await asyncio.gather(
        *(
            upload(committed_client, path, minimal_pdf(n), headers=headers)
            for n in range(LIMIT + 5)
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * LIMIT + [409] * 5
    async with committed_runtime.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(Attachment))
    assert rows == LIMIT
    assert len(stored_files(upload_dir)) == LIMIT
