"""Pages: static texts of a pages component (a council's statute, say)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, NotFoundError
from app.models.base import utcnow
from app.models.components import Component, ComponentType, Page
from app.models.spaces import Space
from app.models.users import User
from app.schemas.pages import PageCreate, PageUpdate
from app.services import action_log
from app.services.components import (
    ensure_permutation,
    ensure_type,
    get_component_for,
    get_readable_component,
)
from app.services.permissions import Action
from app.services.resources import ResourceKind, register
from app.services.richtext import sanitize_translations
from app.services.visibility import readable_components


def readable_pages(viewer: User | None) -> ColumnElement[bool]:
    """Pages ``viewer`` may read; the query must join their Component and Space."""
    return readable_components(viewer) & Page.deleted_at.is_(None)


def _restrict(query: Select[Any], viewer: User | None, _now: datetime) -> Select[Any]:
    return (
        query.join(Component, Component.id == Page.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_pages(viewer))
    )


register(
    ResourceKind(
        "page",
        Page,
        _restrict,
        component_column=Page.component_id,
    )
)


async def list_pages(
    session: AsyncSession,
    viewer: User | None,
    component_id: int,
    *,
    after: tuple[int, int] | None,
    limit: int,
) -> list[Page]:
    """A component's pages in their order, ``limit + 1`` of them to tell if more.

    ``after`` is the (position, id) of the last page of the previous page.
    """
    component = await get_readable_component(session, viewer, component_id)
    ensure_type(component, ComponentType.PAGES)

    query = (
        _readable(viewer)
        .where(Page.component_id == component.id)
        .order_by(Page.position, Page.id)
        .limit(limit + 1)
    )
    if after is not None:
        position, last_id = after
        query = query.where(
            (Page.position > position)
            | ((Page.position == position) & (Page.id > last_id))
        )
    return list((await session.scalars(query)).all())


async def get_page(session: AsyncSession, viewer: User | None, page_id: int) -> Page:
    """The page, if ``viewer`` may read it; otherwise 404."""
    page = await session.scalar(_readable(viewer).where(Page.id == page_id))
    if page is None:
        raise NotFoundError(f"There is no page {page_id}.")
    return page


async def get_page_by_slug(
    session: AsyncSession, viewer: User | None, component_id: int, slug: str
) -> Page:
    """The component's page with ``slug``, if ``viewer`` may read it; else 404."""
    page = await session.scalar(
        _readable(viewer).where(Page.component_id == component_id, Page.slug == slug)
    )
    if page is None:
        raise NotFoundError(f"Component {component_id} has no page {slug!r}.")
    return page


async def create_page(
    session: AsyncSession, actor: User, component_id: int, data: PageCreate
) -> Page:
    """A new page after the component's others; its slug must be free (409)."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    ensure_type(component, ComponentType.PAGES)
    await _lock_component(session, component.id)
    await _ensure_slug_free(session, component.id, data.slug)

    last = await session.scalar(
        select(Page.position)
        .where(Page.component_id == component.id, Page.deleted_at.is_(None))
        .order_by(Page.position.desc())
        .limit(1)
    )
    page = Page(
        component_id=component.id,
        slug=data.slug,
        title=data.title,
        body=sanitize_translations(data.body),
        position=0 if last is None else last + 1,
    )
    session.add(page)
    await _flush_slug(session, data.slug)

    created = {"slug": [None, page.slug], "title": [None, page.title]}
    _log(session, actor, "page.created", page, component, created)
    return page


async def update_page(
    session: AsyncSession, actor: User, page_id: int, data: PageUpdate
) -> Page:
    """Change a page's slug, title or body."""
    page, component = await _page_for(session, actor, page_id)
    if data.slug is not None and data.slug != page.slug:
        await _ensure_slug_free(session, component.id, data.slug)
    if data.body is not None:
        data = data.model_copy(update={"body": sanitize_translations(data.body)})

    changes = action_log.apply_changes(page, data)
    await _flush_slug(session, page.slug)

    if changes:
        _log(session, actor, "page.updated", page, component, changes)
    return page


async def delete_page(session: AsyncSession, actor: User, page_id: int) -> None:
    """Delete a page, keeping a tombstone; its slug becomes free again."""
    page, component = await _page_for(session, actor, page_id)

    page.deleted_at = utcnow()
    await session.flush()

    _log(session, actor, "page.deleted", page, component, {})


async def reorder_pages(
    session: AsyncSession, actor: User, component_id: int, ids: Sequence[int]
) -> list[Page]:
    """Place the component's pages in the order of ``ids`` (all of them, once)."""
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, component_id
    )
    ensure_type(component, ComponentType.PAGES)
    await _lock_component(session, component.id)
    pages = list(
        (
            await session.scalars(
                select(Page)
                .where(Page.component_id == component.id, Page.deleted_at.is_(None))
                .order_by(Page.position, Page.id)
            )
        ).all()
    )
    old_order = [page.id for page in pages]
    ensure_permutation(old_order, ids)

    by_id = {page.id: page for page in pages}
    for position, page_id in enumerate(ids):
        by_id[page_id].position = position
    await session.flush()

    if old_order != list(ids):
        action_log.record(
            session,
            actor,
            "page.reordered",
            object_type="component",
            object_id=component.id,
            space_id=component.space_id,
            changes={"order": [old_order, list(ids)]},
        )
    return [by_id[page_id] for page_id in ids]


async def _lock_component(session: AsyncSession, component_id: int) -> None:
    """Hold the component's row so that writers of its page positions queue.

    SQLite has no row locks; its writers already queue (BEGIN IMMEDIATE).
    """
    await session.execute(
        select(Component.id).where(Component.id == component_id).with_for_update()
    )


def _readable(viewer: User | None) -> Select[Page]:
    return (
        select(Page)
        .join(Component, Component.id == Page.component_id)
        .join(Space, Space.id == Component.space_id)
        .where(readable_pages(viewer))
    )


async def _page_for(
    session: AsyncSession, actor: User, page_id: int
) -> tuple[Page, Component]:
    """A live page and its component, once ``actor`` may manage its space."""
    page = await session.scalar(
        select(Page).where(Page.id == page_id, Page.deleted_at.is_(None))
    )
    if page is None:
        raise NotFoundError(f"There is no page {page_id}.")
    component = await get_component_for(
        session, actor, Action.MANAGE_SPACE, page.component_id
    )
    return page, component


async def _ensure_slug_free(
    session: AsyncSession, component_id: int, slug: str
) -> None:
    taken = await session.scalar(
        select(Page.id).where(
            Page.component_id == component_id,
            Page.slug == slug,
            Page.deleted_at.is_(None),
        )
    )
    if taken is not None:
        raise _slug_taken(slug)


async def _flush_slug(session: AsyncSession, slug: str) -> None:
    # The unique index settles a race between two writers of the same slug.
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _slug_taken(slug) from exc


def _slug_taken(slug: str) -> ConflictError:
    return ConflictError(
        f"Another page of this component already has the slug {slug!r}.",
        field="slug",
    )


def _log(
    session: AsyncSession,
    actor: User,
    action: str,
    page: Page,
    component: Component,
    changes: dict[str, Any],
) -> None:
    action_log.record(
        session,
        actor,
        action,
        object_type="page",
        object_id=page.id,
        space_id=component.space_id,
        changes=changes,
    )
