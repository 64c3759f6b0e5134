"""Base classes for request and response bodies, and the types they share."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
)

MAX_ID = 2**63 - 1
"""The largest id a BIGINT holds; a larger one is refused before the database."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
"""Years a time may fall in, in UTC: beyond them it is a typo, and near the ends of
the calendar a shift to UTC overflows."""


def _in_range(value: datetime) -> datetime:
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = value.year
    if not EARLIEST_YEAR <= year < LATEST_YEAR:
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


class RequestModel(BaseModel):
    """A request body of ``/api/v1``: unknown fields are refused to catch typos."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    """A response body, read from model attributes."""

    model_config = ConfigDict(from_attributes=True)
