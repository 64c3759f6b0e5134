"""Bodies of the endorsements endpoints."""

from datetime import datetime

from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.comments import CommentAuthor, ResourceType


class EndorsementCreate(RequestModel):
    resource_type: ResourceType
    resource_id: Id


class EndorsementRead(ReadModel):
    """An endorsement and the resource's endorsement count after it."""

    resource_type: str
    resource_id: int
    endorsements_count: int | None
    created_at: datetime


class EndorserRead(ReadModel):
    user: CommentAuthor
    created_at: datetime
