"""Residents' declarations: where they live and which groups they belong to.

A declaration is private. Its author reads and replaces it; rules of other
domains ask ``declared_scope_id``; everyone else sees counts only, and counts
too small to hide a person are withheld.
"""

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.errors import InvalidInputError
from app.models.base import utcnow
from app.models.taxonomies import (
    InterestGroup,
    ResidentDeclaration,
    Scope,
    UserInterestGroup,
)
from app.models.users import User
from app.schemas.declarations import (
    DeclarationRead,
    DeclarationSummary,
    DeclarationUpdate,
    DeclaredCount,
    InterestGroupDeclarations,
    ScopeDeclarations,
)
from app.schemas.taxonomies import InterestGroupBrief, ScopeBrief
from app.services.permissions import Action, ensure_can

SUPPRESSION_THRESHOLD = 5
"""Counts below this many residents are withheld from every aggregate."""


async def declared_scope_id(session: AsyncSession, user_id: int) -> int | None:
    """Where ``user_id`` declared living, for rules such as a regional's budget."""
    return await session.scalar(
        select(ResidentDeclaration.scope_id).where(
            ResidentDeclaration.user_id == user_id
        )
    )


async def get_declaration(session: AsyncSession, user: User) -> DeclarationRead:
    """``user``'s own declaration (empty if they never declared)."""
    declaration = await session.get(ResidentDeclaration, user.id)
    scope = None
    if declaration is not None and declaration.scope_id is not None:
        scope = await session.get(Scope, declaration.scope_id)
    groups = await session.scalars(
        select(InterestGroup)
        .join(
            UserInterestGroup, UserInterestGroup.interest_group_id == InterestGroup.id
        )
        .where(UserInterestGroup.user_id == user.id)
        .order_by(InterestGroup.id)
    )

    return DeclarationRead(
        scope=ScopeBrief.model_validate(scope) if scope else None,
        interest_groups=[InterestGroupBrief.model_validate(group) for group in groups],
        updated_at=declaration.updated_at if declaration else None,
    )


async def replace_declaration(
    session: AsyncSession, user: User, body: DeclarationUpdate
) -> DeclarationRead:
    """Replace ``user``'s declaration; declaring nothing erases it."""
    group_ids = set(body.interest_group_ids)
    await _ensure_known(session, body.scope_id, group_ids)
    # Two requests of the same resident queue here instead of racing to insert.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())

    declaration = await session.get(ResidentDeclaration, user.id)
    if body.scope_id is None and not group_ids:
        if declaration is not None:
            await session.delete(declaration)
    elif declaration is None:
        session.add(ResidentDeclaration(user_id=user.id, scope_id=body.scope_id))
    else:
        declaration.scope_id = body.scope_id
        declaration.updated_at = utcnow()
    await _replace_groups(session, user, group_ids)
    await session.flush()

    return await get_declaration(session, user)


async def _ensure_known(
    session: AsyncSession, scope_id: int | None, group_ids: set[int]
) -> None:
    if scope_id is not None and await session.get(Scope, scope_id) is None:
        raise InvalidInputError(
            f"There is no scope {scope_id}.", field="scope_id", location="body"
        )
    if not group_ids:
        return
    known = set(
        await session.scalars(
            select(InterestGroup.id).where(InterestGroup.id.in_(group_ids))
        )
    )
    if unknown := sorted(group_ids - known):
        listed = ", ".join(str(group_id) for group_id in unknown)
        raise InvalidInputError(
            f"There are no interest groups {listed}.",
            field="interest_group_ids",
            location="body",
        )


async def _replace_groups(
    session: AsyncSession, user: User, group_ids: set[int]
) -> None:
    held = set(
        await session.scalars(
            select(UserInterestGroup.interest_group_id).where(
                UserInterestGroup.user_id == user.id
            )
        )
    )
    if held - group_ids:
        await session.execute(
            delete(UserInterestGroup).where(
                UserInterestGroup.user_id == user.id,
                UserInterestGroup.interest_group_id.in_(held - group_ids),
            )
        )
    if group_ids - held:
        await session.execute(
            insert(UserInterestGroup),
            [
                {"user_id": user.id, "interest_group_id": group_id}
                for group_id in sorted(group_ids - held)
            ],
        )


async def summarise(
    session: AsyncSession, viewer: User, threshold: int = SUPPRESSION_THRESHOLD
) -> DeclarationSummary:
    """How many residents declared each scope (descendants included) and group."""
    await ensure_can(session, viewer, Action.VIEW_DECLARATION_SUMMARY)

    residents = await session.scalar(
        select(func.count())
        .select_from(ResidentDeclaration)
        .join(User, User.id == ResidentDeclaration.user_id)
        .where(User.deleted_at.is_(None))
    )
    return DeclarationSummary(
        threshold=threshold,
        residents=_count(residents or 0, threshold),
        scopes=await _per_scope(session, threshold),
        interest_groups=await _per_group(session, threshold),
    )


async def _per_scope(session: AsyncSession, threshold: int) -> list[ScopeDeclarations]:
    """Every scope with the residents declared in it or in its descendants."""
    declared = aliased(Scope)
    counts = (
        select(Scope.id.label("scope_id"), func.count().label("residents"))
        .join(declared, declared.path.startswith(Scope.path))
        .join(ResidentDeclaration, ResidentDeclaration.scope_id == declared.id)
        .join(User, User.id == ResidentDeclaration.user_id)
        .where(User.deleted_at.is_(None))
        .group_by(Scope.id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Scope.id,
            Scope.type,
            Scope.code,
            Scope.name,
            func.coalesce(counts.c.residents, 0).label("residents"),
        )
        .outerjoin(counts, counts.c.scope_id == Scope.id)
        .order_by(Scope.id)
    )
    return [
        ScopeDeclarations(
            scope=ScopeBrief.model_validate(row),
            **_count(row.residents, threshold).model_dump(),
        )
        for row in rows
    ]


async def _per_group(
    session: AsyncSession, threshold: int
) -> list[InterestGroupDeclarations]:
    counts = (
        select(
            UserInterestGroup.interest_group_id.label("group_id"),
            func.count().label("residents"),
        )
        .join(User, User.id == UserInterestGroup.user_id)
        .where(User.deleted_at.is_(None))
        .group_by(UserInterestGroup.interest_group_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            InterestGroup.id,
            InterestGroup.code,
            InterestGroup.kind,
            InterestGroup.name,
            func.coalesce(counts.c.residents, 0).label("residents"),
        )
        .outerjoin(counts, counts.c.group_id == InterestGroup.id)
        .order_by(InterestGroup.id)
    )
    return [
        InterestGroupDeclarations(
            interest_group=InterestGroupBrief.model_validate(row),
            **_count(row.residents, threshold).model_dump(),
        )
        for row in rows
    ]


def _count(residents: int, threshold: int) -> DeclaredCount:
    if residents < threshold:
        return DeclaredCount(count=None, suppressed=True)
    return DeclaredCount(count=residents, suppressed=False)
