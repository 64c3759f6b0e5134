"""Kinds of resource that generic features hang on, and who may read each one.

Comments, follows, endorsements, attachments and the timeline name a resource
by its kind and id. The domain that owns a kind registers it here with the
rule that narrows a query to the rows a viewer may read, so that every generic
feature applies the same visibility rule as the domain's own lists.

Every registered kind may be followed. A kind takes comments or endorsements
once its registration says so (``commentable``, ``endorsable``) and names its
component column, whose settings and switches open and close them; counter
columns named there are kept equal to the rows they count.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    exists,
    false,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models.base import utcnow
from app.models.components import Component
from app.models.users import User

Restrict = Callable[[Select[Any], User | None, datetime], Select[Any]]
AcceptsNew = Callable[[Any, datetime], bool]


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """A kind of resource: its name in the API, its model and its read rule."""

    name: str
    model: Any
    restrict: Restrict
    """Narrows a select over ``model`` to what the viewer may read at a moment,
    adding the joins the rule needs."""
    component_column: Any = None
    """The model's column naming its component, whose settings and switches
    govern comments and endorsements; None for a resource outside components."""
    commentable: bool = False
    comments_count: Any = None
    """The model's counter column kept equal to its live comments, if it has one."""
    accepts_comments: AcceptsNew | None = None
    """Whether one row takes new comments now (a closed debate does not)."""
    endorsable: bool = False
    endorsements_count: Any = None
    """The model's counter column kept equal to its endorsements, if it has one."""
    space_id: SQLColumnExpression[int] | None = None
    """The id of the resource's space, as an expression over ``model``, for a
    kind outside components (a space is its own); a kind with a
    ``component_column`` is in its component's space."""


_KINDS: dict[str, ResourceKind] = {}


def register(kind: ResourceKind) -> ResourceKind:
    if kind.name in _KINDS:
        raise ValueError(f"The resource kind {kind.name!r} is registered twice.")
    _KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> ResourceKind:
    """The registered kind, or a 404 for a name no domain registered."""
    try:
        return _KINDS[name]
    except KeyError:
        raise NotFoundError(f"There is no kind of resource named {name!r}.") from None


def kind_names() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


async def get_readable(
    session: AsyncSession, viewer: User | None, name: str, resource_id: int
) -> Any:
    """The resource, if ``viewer`` may read it now; otherwise a 404."""
    kind = kind_named(name)
    query = select(kind.model).where(kind.model.id == resource_id)
    found = await session.scalar(kind.restrict(query, viewer, utcnow()))
    if found is None:
        raise NotFoundError(f"There is no {kind.name} {resource_id}.")
    return found


async def space_of(session: AsyncSession, name: str, resource_id: int) -> int | None:
    """The id of the space a resource belongs to; None outside spaces."""
    kind = kind_named(name)
    if kind.component_column is not None:
        query = (
            select(Component.space_id)
            .join(kind.model, kind.component_column == Component.id)
            .where(kind.model.id == resource_id)
        )
    elif kind.space_id is not None:
        query = select(kind.space_id).where(kind.model.id == resource_id)
    else:
        return None
    space_id: int | None = await session.scalar(query)
    return space_id


def readable_ids(name: str, viewer: User | None, now: datetime) -> Select[Any]:
    """A subquery of the ids of the ``name`` resources ``viewer`` may read."""
    kind = kind_named(name)
    return kind.restrict(select(kind.model.id), viewer, now)


def readable_reference(
    type_column: SQLColumnExpression[str],
    id_column: SQLColumnExpression[int],
    viewer: User | None,
    now: datetime,
    *,
    names: Iterable[str] | None = None,
) -> ColumnElement[bool]:
    """True where a (type, id) pair names a resource ``viewer`` may read.

    Pairs of a kind outside ``names`` (every registered kind by default) are
    refused, so that a kind nobody registered never slips through.
    """
    conditions = []
    for name in kind_names() if names is None else names:
        kind = kind_named(name)
        readable = kind.restrict(
            select(kind.model.id).where(kind.model.id == id_column), viewer, now
        )
        conditions.append((type_column == name) & exists(readable))
    return or_(false(), *conditions)
