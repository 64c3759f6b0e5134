"""Dependencies of ``/mobile/v1``: the reader's locale and who reads."""

import re
from typing import Annotated

from fastapi import Depends, Header, Response

from app.deps import OptionalUser, RuntimeDep
from app.errors import UpgradeRequiredError
from app.mobile.present import Reader

_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def negotiate(header: str | None, default: str) -> str:
    """The preferred locale of an ``Accept-Language`` header, else ``default``.

    Tags are taken by quality (``q``), then by order; ``*`` and malformed
    tags are skipped. A region is normalised to upper case (``pt-br``).
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        if quality > 0 and _TAG.match(tag):
            ranked.append((-quality, position, _normalise(tag)))
    return min(ranked)[2] if ranked else default


def _normalise(tag: str) -> str:
    language, *rest = tag.split("-")
    return "-".join(
        [language.lower(), *(part.upper() if len(part) == 2 else part for part in rest)]
    )


async def get_reader(
    viewer: OptionalUser,
    runtime: RuntimeDep,
    response: Response,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> Reader:
    """The reader; the response names the locale it serves (Content-Language)."""
    settings = runtime.settings
    locale = negotiate(accept_language, settings.default_locale)
    response.headers["Content-Language"] = locale
    return Reader(
        viewer=viewer,
        locale=locale,
        default_locale=settings.default_locale,
        base_url=settings.public_url.rstrip("/"),
    )


ReaderDep = Annotated[Reader, Depends(get_reader, scope="function")]


_VERSION_PART = re.compile(r"^(\d+)")


def version_key(version: str) -> tuple[int, ...]:
    """``2.10.1-beta`` as (2, 10, 1): numeric parts compared as numbers."""
    parts = []
    for part in version.split(".")[:4]:
        match = _VERSION_PART.match(part)
        parts.append(int(match.group(1)) if match else 0)
    return tuple(parts)


async def require_app_version(
    runtime: RuntimeDep,
    x_app_version: Annotated[str | None, Header(max_length=40)] = None,
) -> None:
    """A 426 for an app older than the oldest version still served.

    Requests without the header (a browser, curl) are served.
    """
    minimum = runtime.settings.min_app_version
    if minimum is None or x_app_version is None:
        return
    if version_key(x_app_version) < version_key(minimum):
        raise UpgradeRequiredError(
            f"This version of the app ({x_app_version}) is no longer supported; "
            f"update it to {minimum} or later from the app store.",
            minimum_version=minimum,
        )
