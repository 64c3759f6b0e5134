"""The search index: one row per searchable resource, kept by app/services/search.py.

A row holds the resource's texts (plain, per locale) and the facets search
filters on; who may read the resource is decided at query time by the resource
registry, never stored here. On PostgreSQL ``document`` is the weighted,
unaccented tsvector of every locale; on SQLite the FTS5 table ``search_fts``
(rowid = this row's id, created by the migration) holds the same texts.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument

SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class SearchDocument(IdMixin, Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id"),
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
        Index("ix_search_documents_space", "space_id", "resource_type"),
    )

    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    space_id: Mapped[int | None] = mapped_column(BigId)
    scope_id: Mapped[int | None] = mapped_column(BigId, index=True)
    area_id: Mapped[int | None] = mapped_column(BigId, index=True)
    occurred_at: Mapped[datetime | None]
    """The content's date for the date filter: its publication, or a meeting's start."""
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    document: Mapped[Any] = mapped_column(SearchVector, nullable=True)
