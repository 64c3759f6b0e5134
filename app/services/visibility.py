"""Who may read what: the one visibility rule, as SQL conditions.

Every list, count, search, export, feed and sync query that shows spaces or
anything inside them filters with these conditions, so unpublished and private
content never leaks. A detail that fails them answers 404, not 403.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true

from app.models.components import Component
from app.models.spaces import (
    Space,
    SpaceMember,
    SpaceRole,
    SpaceStatus,
    Visibility,
)
from app.models.users import User
from app.services.permissions import ROLES_THAT_PREVIEW
from app.services.resources import ResourceKind, register

PUBLIC_STATUSES = (SpaceStatus.PUBLISHED, SpaceStatus.ARCHIVED)


def _holds_role(
    viewer: User, roles: frozenset[str] | None = None
) -> ColumnElement[bool]:
    query = select(SpaceRole.id).where(
        SpaceRole.space_id == Space.id, SpaceRole.user_id == viewer.id
    )
    if roles is not None:
        query = query.where(SpaceRole.role.in_(roles))
    return exists(query)


def _is_member(viewer: User) -> ColumnElement[bool]:
    return exists(
        select(SpaceMember.user_id).where(
            SpaceMember.space_id == Space.id, SpaceMember.user_id == viewer.id
        )
    )


def readable_spaces(viewer: User | None) -> ColumnElement[bool]:
    """Spaces ``viewer`` may read: published and open to them, or previewable."""
    published = Space.status.in_(PUBLIC_STATUSES)
    open_to_all = or_(Space.visibility == Visibility.PUBLIC, Space.transparent)
    if viewer is None:
        return and_(published, open_to_all)
    if viewer.is_admin:
        return true()
    open_to_viewer = or_(open_to_all, _is_member(viewer), _holds_role(viewer))
    return or_(and_(published, open_to_viewer), _holds_role(viewer, ROLES_THAT_PREVIEW))


def previewable_spaces(viewer: User | None) -> ColumnElement[bool]:
    """Spaces whose unpublished content ``viewer`` may see."""
    if viewer is None:
        return Space.id.is_(None)
    if viewer.is_admin:
        return true()
    return _holds_role(viewer, ROLES_THAT_PREVIEW)


def participable_spaces(viewer: User) -> ColumnElement[bool]:
    """Spaces where ``viewer`` may take part: public ones, or private as a member."""
    if viewer.is_admin:
        return true()
    return and_(
        Space.status == SpaceStatus.PUBLISHED,
        or_(
            Space.visibility == Visibility.PUBLIC,
            _is_member(viewer),
            _holds_role(viewer),
        ),
    )


def readable_components(viewer: User | None) -> ColumnElement[bool]:
    """Components ``viewer`` may read; the query must join their ``Space``."""
    return and_(
        readable_spaces(viewer),
        or_(Component.published_at.is_not(None), previewable_spaces(viewer)),
    )


def _restrict_spaces(
    query: Select[Any], viewer: User | None, _now: datetime
) -> Select[Any]:
    return query.where(readable_spaces(viewer))


def _restrict_components(
    query: Select[Any], viewer: User | None, _now: datetime
) -> Select[Any]:
    return query.join(Space, Space.id == Component.space_id).where(
        readable_components(viewer)
    )


register(ResourceKind("space", Space, _restrict_spaces, space_id=Space.id))
register(
    ResourceKind(
        "component", Component, _restrict_components, space_id=Component.space_id
    )
)
