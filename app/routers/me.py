"""The signed-in user's own account."""

from fastapi import APIRouter

from app.deps import CurrentUser, SessionDep, SignedInUser
from app.schemas.accounts import ProfileUpdate, UserRead
from app.services import accounts


def build_router(update_body: type[ProfileUpdate] = ProfileUpdate) -> APIRouter:
    router = APIRouter(prefix="/me", tags=["me"])

    @router.get("")
    async def get(user: SignedInUser) -> UserRead:
        """The signed-in user's account."""
        return UserRead.model_validate(user)

    @router.patch("")
    async def update(
        body: update_body,  # type: ignore[valid-type]
        user: CurrentUser,
        session: SessionDep,
    ) -> UserRead:
        """Change name, nickname or locale."""
        updated = await accounts.update_profile(session, user, body)
        return UserRead.model_validate(updated)

    return router
