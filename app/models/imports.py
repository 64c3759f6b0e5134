"""What imports from other platforms remember: which local row each record became."""

from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, JsonDocument, TimestampMixin


class ImportedRecord(IdMixin, TimestampMixin, Base):
    """One record of an export (its site, kind and id there) and the row it became.

    A second import of the same export finds every record here and updates
    the same rows instead of creating new ones.
    """

    __tablename__ = "imported_records"
    __table_args__ = (
        UniqueConstraint("source", "entity", "external_id"),
        Index("ix_imported_records_local", "entity", "local_id"),
    )

    source: Mapped[str] = mapped_column(String(200))
    """The exporting site, e.g. ``www.decidim.barcelona``."""
    entity: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[int] = mapped_column(BigInteger)


class PendingComment(IdMixin, TimestampMixin, Base):
    """An imported comment whose subject is not imported yet.

    It waits here, as read, until an import brings its subject (or, for a
    reply, its parent comment), and is then attached and deleted.
    """

    __tablename__ = "pending_comments"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_pending_comments_subject", "source", "subject_entity"),
    )

    source: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(64))
    subject_entity: Mapped[str] = mapped_column(String(40))
    subject_external_id: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
