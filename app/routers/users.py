"""Organisation admins' view of the accounts."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import SessionDep, UserAdmin
from app.models.users import UserRole
from app.routers.links import set_next_link
from app.schemas.accounts import UserAdminRead
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from app.services import accounts

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", name="list")
async def list_users(
    _admin: UserAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    q: Annotated[
        str | None, Query(max_length=100, description="Name, nickname or e-mail.")
    ] = None,
    role: UserRole | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[UserAdminRead]:
    """Accounts, newest first (organisation admins only)."""
    after_id = decode_cursor(cursor, (int,))[0] if cursor else None
    users = await accounts.list_users(
        session, text=q, role=role, after_id=after_id, limit=limit
    )
    next_cursor = encode_cursor([users[limit - 1].id]) if len(users) > limit else None
    set_next_link(request, response, next_cursor)
    return Page(
        items=[UserAdminRead.model_validate(user) for user in users[:limit]],
        next_cursor=next_cursor,
    )
