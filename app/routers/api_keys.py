"""Integrators' API keys, managed by organisation admins."""

from fastapi import APIRouter, status

from app.deps import PathId, SessionDep, UserAdmin
from app.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.services import api_keys

router = APIRouter(prefix="/api-keys", tags=["api_keys"])


@router.post("", name="create", status_code=status.HTTP_201_CREATED)
async def create_key(
    body: ApiKeyCreate, admin: UserAdmin, session: SessionDep
) -> ApiKeyCreated:
    """Issue a key; the response is the only time the key is shown."""
    created, key = await api_keys.create_key(
        session, admin, name=body.name, scope=body.scope, user_id=body.user_id
    )
    shown = ApiKeyRead.model_validate(created).model_dump()
    return ApiKeyCreated(**shown, key=key)


@router.get("", name="list")
async def list_keys(admin: UserAdmin, session: SessionDep) -> list[ApiKeyRead]:
    """Every key issued, newest first, without the keys themselves."""
    keys = await api_keys.list_keys(session, admin)
    return [ApiKeyRead.model_validate(key) for key in keys]


@router.delete("/{key_id}", name="revoke", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(key_id: PathId, admin: UserAdmin, session: SessionDep) -> None:
    """Revoke a key for good."""
    await api_keys.revoke_key(session, admin, key_id)
