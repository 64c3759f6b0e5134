"""Push devices: an app install registers its provider token."""

from datetime import datetime

from pydantic import Field

from app.models.devices import Platform
from app.schemas.base import ReadModel, RequestModel


class DeviceRegister(RequestModel):
    platform: Platform
    token: str = Field(
        min_length=8,
        max_length=512,
        pattern=r"^[A-Za-z0-9_:\-.]+$",
        description="The FCM registration token or the APNs device token.",
    )
    locale: str = Field(
        default="pt-BR",
        max_length=16,
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="The locale pushes are written in.",
    )
    app_version: str | None = Field(
        default=None, max_length=40, pattern=r"^[A-Za-z0-9.+_\-]+$"
    )


class DeviceRead(ReadModel):
    id: int
    platform: Platform
    locale: str
    app_version: str | None
    last_registered_at: datetime
    created_at: datetime
