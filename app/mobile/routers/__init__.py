"""Routers of ``/mobile/v1``."""

from fastapi import APIRouter

from app.mobile import schemas
from app.routers import auth, me, privacy

AUTH_BODIES = auth.AuthBodies(
    sign_up=schemas.MobileSignUp,
    sign_in=schemas.MobileSignIn,
    token=schemas.MobileTokenRequest,
    email=schemas.MobileEmailRequest,
    reset=schemas.MobilePasswordReset,
    change=schemas.MobilePasswordChange,
    refresh=schemas.MobileRefreshRequest,
    sign_out=schemas.MobileSignOut,
)


def routers() -> list[APIRouter]:
    return [
        auth.build_router(AUTH_BODIES),
        me.build_router(schemas.MobileProfileUpdate),
        privacy.build_router(),
    ]
