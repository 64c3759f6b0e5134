"""Base classes for request and response bodies."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1
"""The largest id a BIGINT holds; a larger one is refused before the database."""

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class RequestModel(BaseModel):
    """A request body of ``/api/v1``: unknown fields are refused to catch typos."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    """A response body, read from model attributes."""

    model_config = ConfigDict(from_attributes=True)
