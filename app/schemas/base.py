"""Base classes for request and response bodies, and the types they share."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1
"""The largest id a BIGINT holds; a larger one is refused before the database."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
"""Years a time may fall in, in UTC: beyond them it is a typo, and near the ends of
the calendar a shift to UTC overflows."""


def in_calendar(value: datetime) -> bool:
    """Whether an aware ``value`` falls between the years we accept, in UTC."""
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        return False
    return EARLIEST_YEAR <= year < LATEST_YEAR


def _in_range(value: datetime) -> datetime:
    if not in_calendar(value):
        raise ValueError(
            f"must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR} in UTC"
        )
    return value


Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_in_range),
    Field(
        description=(
            f"ISO 8601 with an offset; between the years {EARLIEST_YEAR} and "
            f"{LATEST_YEAR} in UTC."
        )
    ),
]
"""A time in a request: it must carry an offset and stay within the calendar."""

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (U+0000), which is not allowed"


def contains_nul(value: Any) -> bool:
    """Whether a NUL character hides in ``value``, its items or its keys."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(
            contains_nul(key) or contains_nul(item) for key, item in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_nul(item) for item in value)
    if isinstance(value, BaseModel):
        return contains_nul(vars(value))
    return False


def refuse_nul(value: Any) -> Any:
    # PostgreSQL cannot store a NUL in text or JSON; SQLite would, silently.
    if contains_nul(value):
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


class RequestModel(BaseModel):
    """A request body of ``/api/v1``: unknown fields are refused to catch typos,
    and a NUL character in any text is refused on every database alike."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _no_nul = field_validator("*")(refuse_nul)


class ReadModel(BaseModel):
    """A response body, read from model attributes."""

    model_config = ConfigDict(from_attributes=True)
