"""A space with a post, its team and outsiders, and files to attach."""

import io
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.main import create_app
from app.models.components import Component, Post
from app.models.spaces import Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor
from tests.conftest import make_settings
from tests.mailbox import Mailbox
from tests.structure.components.conftest import post, posts_component

API = "/api/v1"


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox, upload_dir: Path) -> Settings:
    return make_settings(database_url, mailbox.folder, upload_dir=upload_dir)


AppWithSettings = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_with_settings(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AppWithSettings:
    """A client of the application with some settings changed, on the test's session."""

    @asynccontextmanager
    async def serve(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        changed = settings.model_copy(update=overrides)
        runtime = Runtime.build(changed, engine=engine)
        runtime.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=create_app(changed, runtime))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test"
        ) as client:
            yield client

    return serve


@dataclass
class Stage:
    """A published public process with a post, and everyone who looks at it."""

    space: Space
    component: Component
    post: Post
    anonymous: Actor
    participant: Actor
    collaborator: Actor
    space_admin: Actor
    other_space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def stage(session: AsyncSession, runtime: Runtime) -> Stage:
    space = await builders.space(session)
    other_space = await builders.space(session)
    component = await posts_component(session, space)
    return Stage(
        space=space,
        component=component,
        post=await post(session, component),
        anonymous=Actor(None, {}),
        participant=await actor(session, runtime),
        collaborator=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.COLLABORATOR
        ),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        other_space_admin=await actor(
            session, runtime, space=other_space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


def post_attachments(stage: Stage) -> str:
    return f"{API}/resources/post/{stage.post.id}/attachments"


async def upload(
    client: httpx.AsyncClient,
    path: str,
    content: bytes,
    *,
    headers: dict[str, str],
    file_name: str = "arquivo.jpg",
    content_type: str = "image/jpeg",
    **fields: Any,
) -> httpx.Response:
    """POST ``content`` as the multipart ``file`` field, as a browser would."""
    return await client.post(
        path,
        files={"file": (file_name, content, content_type)},
        data={key: str(value) for key, value in fields.items()},
        headers=headers,
    )


def image_bytes(
    image_format: str, size: tuple[int, int] = (40, 20), **save: Any
) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save)
    return buffer.getvalue()


GPS_LATITUDE = (19.0, 55.0, 12.5)


def phone_photo() -> bytes:
    """A 40x20 JPEG as a phone takes it: camera, GPS position, turned by EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90 degrees clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (44.0, 3.0, 7.25)
    return image_bytes("JPEG", exif=exif, comment=b"taken at home")


def minimal_pdf(padding: int = 0) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        + b"%"
        + b"x" * padding
        + b"\n"
        + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels: a bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def stored_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.exists():
        return []
    return sorted(path for path in upload_dir.rglob("*") if path.is_file())
