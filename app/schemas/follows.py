"""Bodies of the follows endpoints: what a user wants to hear about."""

from datetime import datetime

from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.comments import ResourceType


class FollowCreate(RequestModel):
    resource_type: ResourceType
    resource_id: Id


class FollowRead(ReadModel):
    id: int
    resource_type: str
    resource_id: int
    created_at: datetime
