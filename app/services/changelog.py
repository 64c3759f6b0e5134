"""The change log: every created, updated or deleted tracked row, in commit order.

Rows are written by a flush hook, so they share the transaction of the change.
On PostgreSQL each row carries its transaction id and readers see only rows of
transactions older than the oldest still running, ordered by (txid, id): a
transaction that commits late can never slip in behind a reader's cursor.
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, inspect, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app.errors import InvalidInputError
from app.models.base import Tracked
from app.models.events import ChangeLogEntry, ChangeOperation

_BIGINT = 2**63 - 1


@dataclass(frozen=True)
class ChangeCursor:
    txid: int
    id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.txid}.{self.id}".encode()).decode()

    @classmethod
    def decode(cls, value: str) -> "ChangeCursor":
        try:
            txid, entry_id = (
                base64.urlsafe_b64decode(value.encode()).decode().split(".")
            )
            cursor = cls(int(txid), int(entry_id))
            if not (0 <= cursor.txid <= _BIGINT and 0 <= cursor.id <= _BIGINT):
                raise ValueError("a cursor holds two non-negative big integers")
            return cursor
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                "The change cursor is malformed; pass a cursor the log returned.",
                field="since",
                error_code="cursor_malformed",
            ) from exc


def _was_changed(instance: Tracked) -> bool:
    state = inspect(instance)
    ignored = instance.__change_ignore__
    for attribute in state.mapper.column_attrs:
        if attribute.key in ignored:
            continue
        if state.attrs[attribute.key].history.has_changes():
            return True
    return False


def _entries(session: Session) -> list[dict[str, Any]]:
    entries = []
    for instance in session.new:
        if isinstance(instance, Tracked):
            entries.append(_entry(instance, ChangeOperation.CREATED))
    for instance in session.dirty:
        if isinstance(instance, Tracked) and _was_changed(instance):
            entries.append(_entry(instance, ChangeOperation.UPDATED))
    for instance in session.deleted:
        if isinstance(instance, Tracked):
            entries.append(_entry(instance, ChangeOperation.DELETED))
    return entries


def _entry(instance: Tracked, operation: ChangeOperation) -> dict[str, Any]:
    return {
        "record_type": instance.__change_type__,
        "record_id": inspect(instance).mapper.primary_key_from_instance(instance)[0],
        "operation": operation,
    }


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _flush: UOWTransaction) -> None:
    entries = _entries(session)
    if not entries:
        return
    connection = session.connection()
    txid = func.txid_current() if connection.dialect.name == "postgresql" else 0
    connection.execute(insert(ChangeLogEntry).values(txid=txid), entries)


async def read_changes(
    session: AsyncSession,
    *,
    since: ChangeCursor | None,
    types: Sequence[str] | None,
    limit: int,
) -> tuple[list[ChangeLogEntry], ChangeCursor | None]:
    """Entries after ``since`` in commit order, and the cursor to resume from."""
    query = select(ChangeLogEntry).order_by(ChangeLogEntry.txid, ChangeLogEntry.id)
    if session.get_bind().dialect.name == "postgresql":
        horizon = text("txid_snapshot_xmin(txid_current_snapshot())")
        query = query.where(ChangeLogEntry.txid < horizon)
    if since is not None:
        position = tuple_(ChangeLogEntry.txid, ChangeLogEntry.id)
        query = query.where(position > tuple_(literal(since.txid), literal(since.id)))
    if types:
        query = query.where(ChangeLogEntry.record_type.in_(types))
    entries = list((await session.scalars(query.limit(limit))).all())
    if entries:
        return entries, ChangeCursor(entries[-1].txid, entries[-1].id)
    return entries, since
