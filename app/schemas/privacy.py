"""Bodies of the personal-data endpoints: terms, data exports, profiles."""

from datetime import datetime

from pydantic import Field

from app.schemas.base import ReadModel, RequestModel


class TermsAcceptance(RequestModel):
    version: str = Field(
        min_length=1,
        max_length=40,
        description="The version in force, as the 428 problem names it.",
    )


class DataExportRead(ReadModel):
    """Where to download the archive: once, by its owner, before it expires."""

    download_url: str
    expires_at: datetime
    sections: list[str]


class ProfileRead(ReadModel):
    """What anyone may see of a participant."""

    id: int
    name: str
    nickname: str
    created_at: datetime
