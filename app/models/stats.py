"""Participation figures, computed by a worker job and read as they were left."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, JsonDocument, TimestampMixin


class StatsSnapshot(IdMixin, TimestampMixin, Base):
    """Every figure of one refresh, already suppressed, as the endpoint serves it.

    Only the latest row is read; a refresh deletes the rows older than its own.
    """

    __tablename__ = "stats_snapshots"

    computed_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[int]
    figures: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
