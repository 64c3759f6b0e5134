"""Uploaded files: their type told from their bytes, images cleaned, stored safely.

Everything here is blocking file and image work; callers run it in a thread.
The client's file name and declared Content-Type are never trusted: the type
comes from the content (puremagic), images are decoded and re-encoded by Pillow
(which drops EXIF, GPS and every other metadata block), and PDFs must start
with a PDF header. Files are stored under random names.
"""

import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import puremagic
import structlog
from PIL import Image, ImageOps

from app.errors import (
    InvalidInputError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

log = structlog.get_logger()

CHUNK_BYTES = 256 * 1024
_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    extension: str
    pillow_format: str | None
    """The Pillow format that re-encodes it; None for files stored as they are."""


JPEG = FileType("image/jpeg", ".jpg", "JPEG")
PNG = FileType("image/png", ".png", "PNG")
WEBP = FileType("image/webp", ".webp", "WEBP")
PDF = FileType("application/pdf", ".pdf", None)

_KEPT_INFO = ("icc_profile", "transparency")
ACCEPTED = {kind.content_type: kind for kind in (JPEG, PNG, WEBP, PDF)}
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 88},
    "PNG": {},
    "WEBP": {"quality": 88},
}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file written to the upload folder under ``name``."""

    name: str
    content_type: str
    extension: str
    size: int
    width: int | None
    height: int | None


def path_of(folder: Path, name: str) -> Path:
    """Where a stored file lives: two-character shards keep folders small."""
    return folder / name[:2] / name


def store(
    source: IO[bytes], folder: Path, *, max_bytes: int, max_pixels: int
) -> StoredFile:
    """Check ``source`` and write it, cleaned, to ``folder`` under a random name.

    Reading stops as soon as the file passes ``max_bytes``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    received = tempfile.NamedTemporaryFile(  # noqa: SIM115 (moved or removed below)
        dir=folder, prefix=".upload-", delete=False
    )
    try:
        with received:
            size = _copy_within(source, received, max_bytes)
        if size == 0:
            raise _invalid_file("The file is empty.", "empty")
        with open(received.name, "rb") as content:
            kind = _sniff(content.read(_SNIFF_BYTES))

        name = secrets.token_hex(16) + kind.extension
        target = path_of(folder, name)
        target.parent.mkdir(exist_ok=True)
        if kind.pillow_format is None:
            os.replace(received.name, target)
            return StoredFile(name, kind.content_type, kind.extension, size, None, None)
        with open(received.name, "rb") as content:
            width, height = _reencode(content, target, kind, max_pixels)
        return StoredFile(
            name,
            kind.content_type,
            kind.extension,
            target.stat().st_size,
            width,
            height,
        )
    finally:
        Path(received.name).unlink(missing_ok=True)


def remove(folder: Path, name: str) -> None:
    path_of(folder, name).unlink(missing_ok=True)


def _copy_within(source: IO[bytes], target: IO[bytes], max_bytes: int) -> int:
    size = 0
    while chunk := source.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLargeError(
                f"The file is larger than {max_bytes} bytes.", max_bytes=max_bytes
            )
        target.write(chunk)
    target.flush()
    return size


def _sniff(head: bytes) -> FileType:
    """The accepted type the bytes show, whatever the name or declared type."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    detected = matches[0].mime_type if matches else ""
    kind = ACCEPTED.get(detected)
    if kind is None:
        raise UnsupportedMediaTypeError(
            "Only JPEG, PNG and WebP images and PDF documents are accepted; "
            "this file is none of them.",
            accepted=sorted(ACCEPTED),
        )
    if kind is PDF and not head.startswith(b"%PDF-"):
        raise _invalid_file("The file does not start with a PDF header.", "not_pdf")
    return kind


def _reencode(
    source: IO[bytes], target: Path, kind: FileType, max_pixels: int
) -> tuple[int, int]:
    """Decode the image and write it anew: upright, without any metadata."""
    assert kind.pillow_format is not None
    try:
        with Image.open(source, formats=[kind.pillow_format]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except InvalidInputError:
        raise
    except Exception as exc:
        # Pillow's decoders raise many kinds of error on damaged input
        # (OSError, SyntaxError, struct.error, ValueError...).
        log.info("upload.image_refused", error=type(exc).__name__)
        raise _invalid_file(
            "The image is damaged or truncated and cannot be read.", "damaged"
        ) from exc

    # Saving reuses parts of ``info`` (JPEG comments, XMP, EXIF): keep only
    # what renders the pixels right.
    upright.info = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
    options = dict(_SAVE_OPTIONS[kind.pillow_format])
    if icc_profile := upright.info.get("icc_profile"):
        options["icc_profile"] = icc_profile
    if kind is JPEG and upright.mode not in {"L", "RGB", "CMYK"}:
        upright = upright.convert("RGB")
    try:
        with open(target, "xb") as output:
            upright.save(output, format=kind.pillow_format, **options)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return upright.size


def _too_many_pixels(max_pixels: int) -> InvalidInputError:
    return _invalid_file(
        f"The image has more than {max_pixels} pixels.", "too_many_pixels"
    )


def _invalid_file(detail: str, code: str) -> InvalidInputError:
    return InvalidInputError(detail, field="file", location="body", error_code=code)


_UNSAFE = re.compile(r"[^\w .()+-]+")
_SPACES = re.compile(r"\s+")


def clean_file_name(name: str | None, *, limit: int = 255) -> str:
    """A client's file name fit to show and to name a download, or ``""``.

    Only its last path part is kept; control characters, quotes, slashes and
    other punctuation become ``_``; leading dots go (no hidden files).
    """
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    base = _SPACES.sub(" ", _UNSAFE.sub("_", base)).strip().lstrip(".")
    return base[:limit].strip()
