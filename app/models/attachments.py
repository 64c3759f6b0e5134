"""Files attached to a resource of any registered kind: images and PDFs."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, TimestampMixin, Tracked


class Attachment(IdMixin, TimestampMixin, Tracked, Base):
    """A file attached to the resource named by (``resource_type``, ``resource_id``).

    The file lives in the upload folder under ``stored_name``, a random name;
    the client's file name is kept, sanitised, only to name the download.
    """

    __tablename__ = "attachments"
    __change_type__ = "attachment"
    __table_args__ = (
        Index(
            "ix_attachments_resource",
            "resource_type",
            "resource_id",
            "position",
            "id",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(BigId)
    uploader_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int | None]
    height: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None]

    @property
    def file_name(self) -> str:
        """The name to download it under: the client's, with the true extension."""
        stem, dot, _extension = self.original_name.rpartition(".")
        extension = "." + self.stored_name.rpartition(".")[2]
        return (stem if dot else self.original_name or "anexo") + extension
