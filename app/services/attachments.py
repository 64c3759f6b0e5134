"""Attachments: images and PDFs on a resource of any registered kind.

A resource's attachments are seen by whoever may read the resource (the kind's
own rule, through the resource registry). Space admins attach to anything in
their space; a domain lets more people attach to its own resources (the
authors of a proposal) by registering a rule with ``allow_attaching``. A
component whose settings carry ``attachments_allowed`` (proposals) governs that
rule: when it is off, only those who may attach anyway (space admins) do.
"""

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import structlog
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.models.attachments import Attachment
from app.models.base import utcnow
from app.models.components import Component
from app.models.users import User
from app.schemas.attachments import TITLE_MAX, AttachmentUpdate
from app.schemas.components import stored_settings
from app.services import action_log, resources, uploads
from app.services.permissions import Action, ensure_can

log = structlog.get_logger()

MayAttach = Callable[[AsyncSession, User, Any], Awaitable[bool]]
"""Whether a user may attach files to a resource (given as its model row)."""

_MAY_ATTACH: dict[str, MayAttach] = {}


def allow_attaching(kind_name: str, rule: MayAttach) -> None:
    """Let ``rule`` admit uploaders to ``kind_name`` resources beyond space admins.

    The proposals domain, say, lets the authors of a proposal attach to it
    while it may still be edited. Space admins may attach in any case.
    """
    if kind_name in _MAY_ATTACH:
        raise ValueError(f"Attaching to {kind_name!r} already has a rule.")
    _MAY_ATTACH[kind_name] = rule


@dataclass(frozen=True, slots=True)
class NewFile:
    """An upload as the client sent it: its bytes, and what it claims to be."""

    content: IO[bytes]
    file_name: str | None
    title: str | None
    position: int = 0


async def attach(
    session: AsyncSession,
    settings: Settings,
    actor: User,
    resource_type: str,
    resource_id: int,
    upload: NewFile,
) -> Attachment:
    """Check, clean and store ``upload``, attached to the resource."""
    resource = await resources.get_readable(session, actor, resource_type, resource_id)
    space_id = await resources.space_of(session, resource_type, resource.id)
    await _ensure_may_attach(session, actor, resource_type, resource, space_id)
    await _ensure_room(session, settings, resource_type, resource.id)

    stored = await asyncio.to_thread(
        uploads.store,
        upload.content,
        settings.upload_dir,
        max_bytes=settings.attachment_max_bytes,
        max_pixels=settings.attachment_max_pixels,
    )
    _settle_file(session, settings.upload_dir, stored.name, keep_on_commit=True)
    original_name = uploads.clean_file_name(upload.file_name)
    attachment = Attachment(
        resource_type=resource_type,
        resource_id=resource.id,
        uploader_id=actor.id,
        title=upload.title or _title_from(original_name),
        content_type=stored.content_type,
        size=stored.size,
        stored_name=stored.name,
        original_name=original_name,
        width=stored.width,
        height=stored.height,
        position=upload.position,
    )
    session.add(attachment)
    await session.flush()

    _log(session, actor, "attachment.added", attachment, space_id)
    return attachment


async def list_attachments(
    session: AsyncSession,
    viewer: User | None,
    resource_type: str,
    resource_id: int,
    *,
    after: tuple[int, int] | None,
    limit: int,
) -> list[Attachment]:
    """A readable resource's attachments by position, ``limit + 1`` to tell if more.

    ``after`` is the (position, id) of the last attachment of the previous page.
    """
    resource = await resources.get_readable(session, viewer, resource_type, resource_id)

    query = (
        select(Attachment)
        .where(
            Attachment.resource_type == resource_type,
            Attachment.resource_id == resource.id,
            Attachment.deleted_at.is_(None),
        )
        .order_by(Attachment.position, Attachment.id)
        .limit(limit + 1)
    )
    if after is not None:
        position, last_id = after
        query = query.where(
            (Attachment.position > position)
            | ((Attachment.position == position) & (Attachment.id > last_id))
        )
    return list((await session.scalars(query)).all())


async def attachments_of(
    session: AsyncSession, resource_type: str, resource_ids: Collection[int]
) -> dict[int, list[Attachment]]:
    """The attachments of several resources of one kind, by position, in one query.

    For a domain that embeds attachments in its own reads; the caller has
    already narrowed ``resource_ids`` to what the viewer may read.
    """
    found: dict[int, list[Attachment]] = {
        resource_id: [] for resource_id in resource_ids
    }
    if not found:
        return found
    rows = await session.scalars(
        select(Attachment)
        .where(
            Attachment.resource_type == resource_type,
            Attachment.resource_id.in_(found),
            Attachment.deleted_at.is_(None),
        )
        .order_by(Attachment.position, Attachment.id)
    )
    for attachment in rows:
        found[attachment.resource_id].append(attachment)
    return found


async def get_attachment(
    session: AsyncSession,
    viewer: User | None,
    attachment_id: int,
    *,
    lock: bool = False,
) -> Attachment:
    """The attachment, if ``viewer`` may read its resource; otherwise 404.

    ``lock`` holds the row until the transaction ends.
    """
    query = select(Attachment).where(
        Attachment.id == attachment_id, Attachment.deleted_at.is_(None)
    )
    attachment = await session.scalar(query.with_for_update() if lock else query)
    if attachment is None:
        raise _not_found(attachment_id)
    try:
        await resources.get_readable(
            session, viewer, attachment.resource_type, attachment.resource_id
        )
    except NotFoundError:
        raise _not_found(attachment_id) from None
    return attachment


async def file_of(
    session: AsyncSession, settings: Settings, viewer: User | None, attachment_id: int
) -> tuple[Attachment, Path]:
    """A readable attachment and the path of its stored file."""
    attachment = await get_attachment(session, viewer, attachment_id)
    path = uploads.path_of(settings.upload_dir, attachment.stored_name)
    if not await asyncio.to_thread(path.is_file):
        log.warning("attachment.file_missing", attachment_id=attachment.id)
        raise NotFoundError(f"The file of attachment {attachment_id} is missing.")
    return attachment, path


async def update_attachment(
    session: AsyncSession, actor: User, attachment_id: int, data: AttachmentUpdate
) -> Attachment:
    """Rename or move an attachment (its uploader or a space admin)."""
    attachment, space_id = await _attachment_for(session, actor, attachment_id)

    changes = action_log.apply_changes(attachment, data)
    await session.flush()

    if changes:
        _log(session, actor, "attachment.updated", attachment, space_id)
    return attachment


async def delete_attachment(
    session: AsyncSession, settings: Settings, actor: User, attachment_id: int
) -> None:
    """Delete an attachment (its uploader or a space admin); the file goes too."""
    attachment, space_id = await _attachment_for(session, actor, attachment_id)

    attachment.deleted_at = utcnow()
    await session.flush()

    _settle_file(session, settings.upload_dir, attachment.stored_name)
    _log(session, actor, "attachment.deleted", attachment, space_id)


async def _attachment_for(
    session: AsyncSession, actor: User, attachment_id: int
) -> tuple[Attachment, int | None]:
    """A live attachment, locked, and its space, once ``actor`` may change it.

    The lock makes the second of two concurrent deletions find it gone.
    """
    attachment = await get_attachment(session, actor, attachment_id, lock=True)
    space_id = await resources.space_of(
        session, attachment.resource_type, attachment.resource_id
    )
    if attachment.uploader_id != actor.id:
        await ensure_can(session, actor, Action.ATTACH_FILES, space_id)
    return attachment, space_id


async def _ensure_may_attach(
    session: AsyncSession,
    actor: User,
    resource_type: str,
    resource: Any,
    space_id: int | None,
) -> None:
    rule = _MAY_ATTACH.get(resource_type)
    if rule is None or not await rule(session, actor, resource):
        await ensure_can(session, actor, Action.ATTACH_FILES, space_id)
        return
    if await _component_allows_attachments(session, resource_type, resource):
        return
    try:
        await ensure_can(session, actor, Action.ATTACH_FILES, space_id)
    except PermissionDeniedError as exc:
        if type(exc) is not PermissionDeniedError:
            raise
        raise PermissionDeniedError(
            "This component does not allow participants to attach files "
            "(its attachments_allowed setting is off); only space admins may.",
            action=Action.ATTACH_FILES,
        ) from exc


async def _component_allows_attachments(
    session: AsyncSession, resource_type: str, resource: Any
) -> bool:
    """Whether the resource's component lets participants attach: its
    ``attachments_allowed`` setting, for component types that have one."""
    column = resources.kind_named(resource_type).component_column
    if column is None:
        return True
    component = await session.get(Component, getattr(resource, column.key))
    if component is None:
        return True
    return bool(getattr(stored_settings(component), "attachments_allowed", True))


async def _ensure_room(
    session: AsyncSession, settings: Settings, resource_type: str, resource_id: int
) -> None:
    """Refuse an attachment past the limit per resource.

    The resource's row stays locked until the transaction ends, so that
    concurrent uploads to one resource are counted one after the other.
    """
    kind = resources.kind_named(resource_type)
    await session.execute(
        select(kind.model.id).where(kind.model.id == resource_id).with_for_update()
    )
    held = await session.scalar(
        select(func.count()).where(
            Attachment.resource_type == resource_type,
            Attachment.resource_id == resource_id,
            Attachment.deleted_at.is_(None),
        )
    )
    limit = settings.attachments_per_resource
    if (held or 0) >= limit:
        raise ConflictError(
            f"A {resource_type} holds at most {limit} attachments; delete one first.",
            limit=limit,
        )


def _settle_file(
    session: AsyncSession, folder: Path, name: str, *, keep_on_commit: bool = False
) -> None:
    """Remove a stored file once the transaction ends the way that drops it.

    A new file goes if the transaction rolls back (its row never existed); a
    deleted attachment's file goes once the deletion is committed.
    """
    sync_session = session.sync_session
    settled = False

    def on_commit(_session: Session) -> None:
        nonlocal settled
        if not settled:
            settled = True
            if not keep_on_commit:
                uploads.remove(folder, name)

    def on_rollback(_session: Session) -> None:
        nonlocal settled
        if not settled:
            settled = True
            if keep_on_commit:
                uploads.remove(folder, name)

    event.listen(sync_session, "after_commit", on_commit)
    event.listen(sync_session, "after_rollback", on_rollback)


def _title_from(file_name: str) -> str:
    stem, dot, _extension = file_name.rpartition(".")
    return ((stem if dot else file_name) or "Anexo")[:TITLE_MAX]


def _not_found(attachment_id: int) -> NotFoundError:
    return NotFoundError(f"There is no attachment {attachment_id}.")


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    attachment: Attachment,
    space_id: int | None,
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="attachment",
        object_id=attachment.id,
        space_id=space_id,
        changes={
            "resource": [attachment.resource_type, attachment.resource_id],
            "title": attachment.title,
            "content_type": attachment.content_type,
        },
    )
