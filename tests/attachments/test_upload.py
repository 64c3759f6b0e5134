"""Uploading: the type told from the bytes, images cleaned, bad files refused."""

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models.attachments import Attachment
from tests.api.problems import assert_problem, failing_fields
from tests.attachments.conftest import (
    GPS_LATITUDE,
    AppWithSettings,
    Stage,
    image_bytes,
    minimal_pdf,
    phone_photo,
    png_claiming,
    post_attachments,
    stored_files,
    upload,
)


class TestImages:
    async def test_a_phone_photo_loses_its_exif_and_gps_and_is_turned_upright(
        self, client: httpx.AsyncClient, stage: Stage, upload_dir: Path
    ) -> None:
        photo = phone_photo()
        sent = Image.open(io.BytesIO(photo))
        assert sent.getexif().get_ifd(0x8825)[2] == GPS_LATITUDE

        response = await upload(
            client, post_attachments(stage), photo, headers=stage.space_admin.headers
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["content_type"] == "image/jpeg"
        assert (body["width"], body["height"]) == (20, 40)
        download = await client.get(f"/api/v1/attachments/{body['id']}/file")
        assert download.status_code == 200
        kept = Image.open(io.BytesIO(download.content))
        assert kept.format == "JPEG"
        assert kept.size == (20, 40)
        assert dict(kept.getexif()) == {}
        assert "exif" not in kept.info
        assert "comment" not in kept.info
        assert b"Exif" not in download.content
        assert b"PhoneMaker" not in download.content
        assert b"taken at home" not in download.content
        assert body["size"] == len(download.content)
        [stored] = stored_files(upload_dir)
        assert stored.read_bytes() == download.content

    async def test_the_type_comes_from_the_bytes_not_the_name(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        png = image_bytes("PNG")

        response = await upload(
            client,
            post_attachments(stage),
            png,
            file_name="foto.jpg",
            content_type="image/jpeg",
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "image/png"
        assert response.json()["file_name"] == "foto.png"
        download = await client.get(f"/api/v1/attachments/{response.json()['id']}/file")
        assert download.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(download.content)).format == "PNG"

    async def test_a_webp_image_is_kept_as_webp(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            image_bytes("WEBP"),
            file_name="mapa.webp",
            content_type="image/webp",
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["content_type"] == "image/webp"
        assert (body["width"], body["height"]) == (40, 20)

    async def test_a_transparent_png_keeps_its_transparency(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")

        response = await upload(
            client,
            post_attachments(stage),
            buffer.getvalue(),
            file_name="logo.png",
            headers=stage.space_admin.headers,
        )

        download = await client.get(f"/api/v1/attachments/{response.json()['id']}/file")
        kept = Image.open(io.BytesIO(download.content))
        assert kept.mode == "RGBA"
        assert kept.getpixel((0, 0)) == (0, 0, 0, 0)


class TestPdf:
    async def test_a_pdf_is_stored_as_it_came_under_a_random_name(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        upload_dir: Path,
    ) -> None:
        pdf = minimal_pdf()

        response = await upload(
            client,
            post_attachments(stage),
            pdf,
            file_name="../../etc/Ata da reunião.pdf",
            content_type="application/octet-stream",
            headers=stage.space_admin.headers,
            title="  Ata de março ",
            position=3,
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["content_type"] == "application/pdf"
        assert body["file_name"] == "Ata da reunião.pdf"
        assert body["title"] == "Ata de março"
        assert body["position"] == 3
        assert body["size"] == len(pdf)
        assert (body["width"], body["height"]) == (None, None)
        assert body["uploader_id"] == stage.space_admin.user.id  # type: ignore[union-attr]
        [stored] = stored_files(upload_dir)
        assert stored.read_bytes() == pdf
        assert "Ata" not in stored.name
        row = await session.scalar(select(Attachment))
        assert row is not None
        assert stored.name == row.stored_name
        assert row.original_name == "Ata da reunião.pdf"

    async def test_the_title_defaults_to_the_file_name(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            file_name="Relatório final.pdf",
            headers=stage.space_admin.headers,
        )

        assert response.json()["title"] == "Relatório final"

    async def test_a_pdf_up_to_the_attachment_limit_passes_the_body_limit(
        self, client: httpx.AsyncClient, stage: Stage, settings: Settings
    ) -> None:
        pdf = minimal_pdf(padding=3 * settings.max_body_bytes)

        response = await upload(
            client,
            post_attachments(stage),
            pdf,
            file_name="grande.pdf",
            headers=stage.space_admin.headers,
        )

        assert response.status_code == 201, response.text
        assert response.json()["size"] == len(pdf)


class TestRefused:
    async def test_an_empty_file_is_422(
        self, client: httpx.AsyncClient, stage: Stage, upload_dir: Path
    ) -> None:
        response = await upload(
            client, post_attachments(stage), b"", headers=stage.space_admin.headers
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["field"] == "file"
        assert body["errors"][0]["code"] == "empty"
        assert stored_files(upload_dir) == []

    @pytest.mark.parametrize(
        ("content", "file_name", "content_type"),
        [
            (
                b"<!DOCTYPE html><html><script>alert(1)</script></html>",
                "a.jpg",
                "image/jpeg",
            ),
            (
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "a.png",
                "image/png",
            ),
            (
                b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                b"<script>alert(1)</script></svg>",
                "a.svg",
                "image/svg+xml",
            ),
            (b"MZ\x90\x00" + b"\x00" * 200, "a.jpg", "image/jpeg"),
            (b"GIF89a" + image_bytes("GIF")[6:], "a.gif", "image/gif"),
            (b"just some text", "a.pdf", "application/pdf"),
        ],
        ids=["html", "svg-as-png", "svg", "exe", "gif", "text"],
    )
    async def test_a_disguised_or_unsupported_file_is_415(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        stage: Stage,
        upload_dir: Path,
        content: bytes,
        file_name: str,
        content_type: str,
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            content,
            file_name=file_name,
            content_type=content_type,
            headers=stage.space_admin.headers,
        )

        body = assert_problem(response, 415, "unsupported-media-type")
        assert body["accepted"] == [
            "application/pdf",
            "image/jpeg",
            "image/png",
            "image/webp",
        ]
        assert stored_files(upload_dir) == []
        assert await session.scalar(select(Attachment.id)) is None

    async def test_a_truncated_image_is_422(
        self, client: httpx.AsyncClient, stage: Stage, upload_dir: Path
    ) -> None:
        photo = image_bytes("JPEG", size=(400, 300))

        response = await upload(
            client,
            post_attachments(stage),
            photo[: len(photo) // 2],
            headers=stage.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "damaged"
        assert stored_files(upload_dir) == []

    async def test_a_decompression_bomb_is_422_before_it_is_decoded(
        self, client: httpx.AsyncClient, stage: Stage, upload_dir: Path
    ) -> None:
        bomb = png_claiming(100_000, 100_000)

        response = await upload(
            client,
            post_attachments(stage),
            bomb,
            file_name="bomba.png",
            content_type="image/png",
            headers=stage.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "too_many_pixels"
        assert stored_files(upload_dir) == []

    async def test_an_image_over_the_pixel_limit_is_422(
        self, app_with_settings: AppWithSettings, stage: Stage
    ) -> None:
        async with app_with_settings(attachment_max_pixels=799) as client:
            response = await upload(
                client,
                post_attachments(stage),
                image_bytes("PNG", size=(40, 20)),
                headers=stage.space_admin.headers,
            )

        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["code"] == "too_many_pixels"

    async def test_a_file_over_the_limit_is_413(
        self,
        client: httpx.AsyncClient,
        stage: Stage,
        settings: Settings,
        upload_dir: Path,
    ) -> None:
        pdf = minimal_pdf(padding=settings.attachment_max_bytes)

        response = await upload(
            client,
            post_attachments(stage),
            pdf,
            file_name="grande.pdf",
            headers=stage.space_admin.headers,
        )

        body = assert_problem(response, 413, "payload-too-large")
        assert body["max_bytes"] == settings.attachment_max_bytes
        assert stored_files(upload_dir) == []

    async def test_a_body_far_over_the_limit_is_413_before_it_is_read(
        self, client: httpx.AsyncClient, stage: Stage, settings: Settings
    ) -> None:
        pdf = minimal_pdf(padding=settings.attachment_max_bytes + 200_000)

        response = await upload(
            client,
            post_attachments(stage),
            pdf,
            file_name="enorme.pdf",
            headers=stage.space_admin.headers,
        )

        assert_problem(response, 413, "payload-too-large")

    async def test_a_streamed_body_is_cut_once_it_passes_the_limit(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        sent = 0

        async def endless() -> AsyncIterator[bytes]:
            nonlocal sent
            yield b'--b\r\nContent-Disposition: form-data; name="file"; '
            yield b'filename="x.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-'
            while True:
                sent += 1
                yield b"x" * 1_048_576

        response = await client.post(
            post_attachments(stage),
            content=endless(),
            headers={
                **stage.space_admin.headers,
                "content-type": "multipart/form-data; boundary=b",
            },
        )

        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload-too-large")
        assert sent <= 12

    async def test_a_title_over_200_characters_is_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await upload(
            client,
            post_attachments(stage),
            minimal_pdf(),
            headers=stage.space_admin.headers,
            title="á" * 201,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"title"}

    async def test_no_file_is_422(
        self, client: httpx.AsyncClient, stage: Stage
    ) -> None:
        response = await client.post(
            post_attachments(stage),
            data={"title": "Sem arquivo"},
            files={"other": ("a.txt", b"x", "text/plain")},
            headers=stage.space_admin.headers,
        )

        body = assert_problem(response, 422, "validation-error")
        assert failing_fields(body) == {"file"}


class TestLimitPerResource:
    async def test_past_the_limit_is_409_until_one_is_deleted(
        self, app_with_settings: AppWithSettings, stage: Stage, upload_dir: Path
    ) -> None:
        headers = stage.space_admin.headers
        async with app_with_settings(attachments_per_resource=2) as client:
            first = await upload(
                client, post_attachments(stage), minimal_pdf(), headers=headers
            )
            await upload(
                client, post_attachments(stage), minimal_pdf(), headers=headers
            )

            refused = await upload(
                client, post_attachments(stage), minimal_pdf(), headers=headers
            )
            files_when_refused = len(stored_files(upload_dir))
            await client.delete(
                f"/api/v1/attachments/{first.json()['id']}", headers=headers
            )
            admitted = await upload(
                client, post_attachments(stage), minimal_pdf(), headers=headers
            )

        body = assert_problem(refused, 409, "conflict")
        assert body["limit"] == 2
        assert files_when_refused == 2
        assert admitted.status_code == 201
