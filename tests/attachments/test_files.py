"""Stored files follow the transaction: a rolled-back upload leaves no file."""

from io import BytesIO
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.services import attachments, uploads
from tests.attachments.conftest import Stage, minimal_pdf, stored_files


def a_pdf() -> attachments.NewFile:
    return attachments.NewFile(BytesIO(minimal_pdf()), "ata.pdf", None)


class TestTransactions:
    async def test_a_rolled_back_upload_removes_its_file(
        self, session: AsyncSession, settings: Settings, stage: Stage, upload_dir: Path
    ) -> None:
        assert stage.space_admin.user is not None
        await attachments.attach(
            session, settings, stage.space_admin.user, "post", stage.post.id, a_pdf()
        )
        assert len(stored_files(upload_dir)) == 1

        await session.rollback()

        assert stored_files(upload_dir) == []

    async def test_a_committed_upload_keeps_its_file(
        self, session: AsyncSession, settings: Settings, stage: Stage, upload_dir: Path
    ) -> None:
        assert stage.space_admin.user is not None
        attachment = await attachments.attach(
            session, settings, stage.space_admin.user, "post", stage.post.id, a_pdf()
        )

        await session.commit()

        assert stored_files(upload_dir) == [
            uploads.path_of(upload_dir, attachment.stored_name)
        ]

    async def test_a_rolled_back_deletion_keeps_the_file(
        self, session: AsyncSession, settings: Settings, stage: Stage, upload_dir: Path
    ) -> None:
        assert stage.space_admin.user is not None
        attachment = await attachments.attach(
            session, settings, stage.space_admin.user, "post", stage.post.id, a_pdf()
        )
        await session.commit()
        await attachments.delete_attachment(
            session, settings, stage.space_admin.user, attachment.id
        )

        await session.rollback()

        assert len(stored_files(upload_dir)) == 1


class TestFileNames:
    def test_only_the_last_part_of_a_path_is_kept(self) -> None:
        assert uploads.clean_file_name("C:\\Users\\ana\\foto.jpg") == "foto.jpg"
        assert uploads.clean_file_name("../../etc/passwd") == "passwd"

    def test_quotes_controls_and_hidden_dots_go(self) -> None:
        name = '..\x00"ata"\r\n;<b>.pdf'

        assert uploads.clean_file_name(name) == "_ata_b_.pdf"

    def test_accents_are_kept(self) -> None:
        assert uploads.clean_file_name("Reunião de março.pdf") == (
            "Reunião de março.pdf"
        )

    def test_nothing_usable_is_empty(self) -> None:
        assert uploads.clean_file_name(None) == ""
        assert uploads.clean_file_name("...") == ""
