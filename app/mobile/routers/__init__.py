"""Routers of ``/mobile/v1``."""

from fastapi import APIRouter, Depends

from app.mobile import schemas
from app.mobile.deps import require_app_version
from app.mobile.routers import (
    actions,
    budgets,
    content,
    devices,
    feed,
    notifications,
    surveys,
    sync,
)
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
    """Every router, behind the app-version check (426 for an outdated app)."""
    outer = APIRouter(dependencies=[Depends(require_app_version)])
    for router in _routers():
        outer.include_router(router)
    return [outer]


def _routers() -> list[APIRouter]:
    return [
        auth.build_router(AUTH_BODIES),
        me.build_router(schemas.MobileProfileUpdate),
        content.router,
        actions.router,
        sync.router,
        devices.router,
        feed.router,
        privacy.build_router(),
        budgets.router,
        surveys.router,
        notifications.router,
    ]
