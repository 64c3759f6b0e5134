"""Cursor pagination: opaque cursors, a capped limit, a page body."""

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from app.errors import InvalidInputError

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
    """The key values a cursor carries, checked against ``types``; else a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise _malformed() from exc
    if not isinstance(values, list) or len(values) != len(types):
        raise _malformed()
    for value, expected in zip(values, types, strict=True):
        if not isinstance(value, expected) or isinstance(value, bool):
            raise _malformed()
    return values


def _malformed() -> InvalidInputError:
    return InvalidInputError(
        "The cursor is malformed; pass the next_cursor of a previous page.",
        field="cursor",
        error_code="cursor_malformed",
    )
