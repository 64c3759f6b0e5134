"""Cursor pagination: opaque cursors, a capped limit, a page body."""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from app.errors import InvalidInputError
from app.schemas.base import in_calendar

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page, 1 to 100.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="The `next_cursor` of the previous page."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> list[Any]:
    """The key values a cursor carries, checked against ``types``; else a 422.

    A ``datetime`` in ``types`` takes an ISO 8601 string with an offset, within the
    calendar a request may name (see ``cursor_time``), and hands back a datetime.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise _malformed() from exc
    if not isinstance(values, list) or len(values) != len(types):
        raise _malformed()
    decoded: list[Any] = []
    for value, expected in zip(values, types, strict=True):
        if expected is datetime:
            decoded.append(cursor_time(value))
            continue
        if not isinstance(value, expected) or isinstance(value, bool):
            raise _malformed()
        decoded.append(value)
    return decoded


def cursor_time(value: object) -> datetime:
    """A time read from a cursor: an ISO string with an offset, within the years a
    request may name (so its shift to UTC cannot overflow); else the cursor 422."""
    if not isinstance(value, str):
        raise _malformed()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _malformed() from exc
    if moment.tzinfo is None or not in_calendar(moment):
        raise _malformed()
    return moment


def _malformed() -> InvalidInputError:
    return InvalidInputError(
        "The cursor is malformed; pass the next_cursor of a previous page.",
        field="cursor",
        error_code="cursor_malformed",
    )
