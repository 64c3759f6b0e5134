"""Base classes for request and response bodies."""

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body of ``/api/v1``: unknown fields are refused to catch typos."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    """A response body, read from model attributes."""

    model_config = ConfigDict(from_attributes=True)
