"""Every model, imported so that the metadata knows all tables."""

from app.models.base import Base
from app.models.events import ChangeLogEntry, OutboxEvent
from app.models.users import RefreshToken, User, UserToken

__all__ = ["Base", "ChangeLogEntry", "OutboxEvent", "RefreshToken", "User", "UserToken"]
