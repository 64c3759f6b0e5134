"""Account endpoints, shared by ``/api/v1/auth`` and ``/mobile/v1/auth``."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import ClientIp, CurrentUser, RuntimeDep, SessionDep
from app.schemas import accounts as schemas
from app.schemas.accounts import Accepted, TokenPair, UserRead
from app.services import accounts

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the credentials are wrong"},
    403: {"description": "The account is blocked or not confirmed"},
    429: {"description": "Too many attempts; see Retry-After"},
}


@dataclass(frozen=True)
class AuthBodies:
    """The request models of one API: strict on ``/api/v1``, lenient on mobile."""

    sign_up: type[schemas.SignUp] = schemas.SignUp
    sign_in: type[schemas.SignIn] = schemas.SignIn
    token: type[schemas.TokenRequest] = schemas.TokenRequest
    email: type[schemas.EmailRequest] = schemas.EmailRequest
    reset: type[schemas.PasswordReset] = schemas.PasswordReset
    change: type[schemas.PasswordChange] = schemas.PasswordChange
    refresh: type[schemas.RefreshRequest] = schemas.RefreshRequest
    sign_out: type[schemas.SignOut] = schemas.SignOut


def build_router(bodies: AuthBodies) -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEMS)

    @router.post("/sign-up", status_code=status.HTTP_201_CREATED)
    async def sign_up(
        body: bodies.sign_up,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> UserRead:
        """Create an account; a confirmation link is mailed to it."""
        user = await accounts.sign_up(session, runtime, body, ip)
        return UserRead.model_validate(user)

    @router.post("/confirm")
    async def confirm(
        body: bodies.token,  # type: ignore[name-defined]
        session: SessionDep,
    ) -> UserRead:
        """Confirm an e-mail address with the token from the mailed link."""
        user = await accounts.confirm_email(session, body.token)
        return UserRead.model_validate(user)

    @router.post("/confirm/resend", status_code=status.HTTP_202_ACCEPTED)
    async def resend_confirmation(
        body: bodies.email,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> Accepted:
        """Mail a new confirmation link to an account that still awaits one."""
        await accounts.resend_confirmation(session, runtime, body.email, ip)
        return Accepted(
            detail="If the account awaits confirmation, a link is on its way."
        )

    @router.post("/sign-in")
    async def sign_in(
        body: bodies.sign_in,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> TokenPair:
        """Exchange e-mail and password for an access and a refresh token."""
        return await accounts.sign_in(
            session,
            runtime,
            email=body.email,
            password=body.password,
            client_ip=ip,
            device_id=body.device_id,
        )

    @router.post("/token")
    async def token(
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> TokenPair:
        """OAuth2 password flow (the docs' Authorize button): username is the e-mail."""
        return await accounts.sign_in(
            session, runtime, email=form.username, password=form.password, client_ip=ip
        )

    @router.post("/refresh")
    async def refresh(
        body: bodies.refresh,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> TokenPair:
        """Trade a refresh token for a new pair; a reused token ends its family."""
        return await accounts.refresh(
            session, runtime, refresh_token=body.refresh_token, device_id=body.device_id
        )

    @router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
    async def sign_out(
        body: bodies.sign_out,  # type: ignore[name-defined]
        session: SessionDep,
    ) -> None:
        """End the session that the refresh token belongs to."""
        await accounts.sign_out(session, body.refresh_token)

    @router.post("/sign-out-everywhere", status_code=status.HTTP_204_NO_CONTENT)
    async def sign_out_everywhere(user: CurrentUser, session: SessionDep) -> None:
        """End every session of the signed-in user, on every device."""
        await accounts.sign_out_everywhere(session, user)

    @router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
    async def request_password_reset(
        body: bodies.email,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> Accepted:
        """Mail a password reset link; the answer is the same for unknown e-mails."""
        await accounts.request_password_reset(session, runtime, body.email, ip)
        return Accepted(detail="If the account exists, a reset link is on its way.")

    @router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
    async def reset_password(
        body: bodies.reset,  # type: ignore[name-defined]
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> None:
        """Set a new password with the token from the mailed link."""
        await accounts.reset_password(session, runtime, body.token, body.password)

    @router.post("/password")
    async def change_password(
        body: bodies.change,  # type: ignore[name-defined]
        user: CurrentUser,
        session: SessionDep,
        runtime: RuntimeDep,
        ip: ClientIp,
    ) -> TokenPair:
        """Change the password; other sessions end and a new pair is returned."""
        return await accounts.change_password(
            session,
            runtime,
            user,
            current_password=body.current_password,
            new_password=body.new_password,
            device_id=body.device_id,
            client_ip=ip,
        )

    return router
