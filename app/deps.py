"""FastAPI dependencies: the runtime, the request's session, the current user."""

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import session_scope
from app.errors import AuthenticationError, InvalidInputError
from app.idempotent_writes import lent_session
from app.models.users import User
from app.runtime import Runtime
from app.schemas.base import MAX_ID, NUL, NUL_MESSAGE
from app.security import TokenError
from app.services import accounts, api_keys, privacy
from app.services.permissions import Action, ensure_allowed

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An id in a path: a number the database can hold, or a 422 before it is asked."""
FilterId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional id filter in a query string."""


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_nul_in_parameters(request: Request) -> None:
    """A 422 for a NUL character in a query, path or form parameter.

    JSON bodies are checked by their models (RequestModel); forms, such as the
    OAuth2 token request, have none of ours.
    """
    parameters = [
        *(("query", name, value) for name, value in request.query_params.multi_items()),
        *(("path", name, str(value)) for name, value in request.path_params.items()),
    ]
    if request.headers.get("content-type", "").startswith(_FORMS):
        # Starlette keeps the parsed form, so the endpoint reads it again for free.
        form = await request.form()
        parameters += [
            ("body", name, value)
            for name, value in form.multi_items()
            if isinstance(value, str)
        ]
    errors = [
        {"field": name, "location": location, "message": NUL_MESSAGE}
        for location, name, value in parameters
        if NUL in name or NUL in value
    ]
    if errors:
        raise InvalidInputError(
            "Some fields are missing or invalid; see errors.",
            errors=errors,
            error_code="nul_character",
        )


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _documented_query(route: APIRoute) -> frozenset[str]:
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _QUERY_NAMES[id(route)] = names
    return names


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for model in dependant.query_params:
        # A Query() model expands to its fields.
        fields = getattr(model.field_info.annotation, "model_fields", None)
        if fields:
            names |= {info.alias or name for name, info in fields.items()}
    for child in dependant.dependencies:
        names |= _query_names(child)
    return names


async def refuse_unknown_query_parameters(request: Request) -> None:
    """A 422 for a query parameter the operation does not document.

    A misspelt filter would otherwise be ignored and return the unfiltered
    list, which a client cannot tell from a filtered one.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = set(request.query_params) - _documented_query(route)
    if unknown:
        raise InvalidInputError(
            "Some query parameters are not documented here; see errors.",
            errors=[
                {"field": name, "location": "query", "message": "unknown parameter"}
                for name in sorted(unknown)
            ],
            error_code="unknown_parameter",
        )


def local_zone(runtime: RuntimeDep) -> ZoneInfo:
    """The organisation's time zone, in which deadlines fall at midnight."""
    return ZoneInfo(runtime.settings.time_zone)


LocalZone = Annotated[ZoneInfo, Depends(local_zone)]


def local_today(zone: LocalZone) -> date:
    """Today in the organisation's time zone: it decides periods and terms."""
    return datetime.now(zone).date()


Today = Annotated[date, Depends(local_today)]


async def get_session(
    request: Request, runtime: RuntimeDep
) -> AsyncIterator[AsyncSession]:
    """One session per request, committed before the response is sent.

    A write with an Idempotency-Key runs in the session its middleware opened,
    which commits it together with the stored answer.
    """
    lent = lent_session(request)
    if lent is not None:
        async with lent.scope() as session:
            yield session
        return
    read_only = request.method in _SAFE_METHODS
    # Entered as a context manager so that the endpoint's exception is thrown
    # into session_scope, which must see it to commit what a refusal records.
    async with session_scope(runtime.sessionmaker, read_only=read_only) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="auth/token", auto_error=False, scheme_name="OAuth2"
)
BearerToken = Annotated[str | None, Depends(oauth2_scheme)]
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="An integrator's key; `Authorization: Bearer <key>` works too.",
)
ApiKeyHeader = Annotated[str | None, Depends(api_key_scheme)]


async def get_optional_user(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    token: BearerToken,
    api_key: ApiKeyHeader,
) -> User | None:
    key = api_key or (token if token and api_keys.looks_like_key(token) else None)
    if key is not None:
        return await _key_user(request, session, runtime, key)
    if token is None:
        return None
    try:
        claims = runtime.tokens.verify(token)
    except TokenError as exc:
        raise AuthenticationError("The access token is invalid or expired.") from exc
    user = await session.get(User, claims.user_id)
    if (
        user is None
        or user.deleted_at is not None
        or user.token_version != claims.token_version
    ):
        raise AuthenticationError("The access token is no longer valid.")
    accounts.ensure_active(user)
    request.state.user_id = user.id
    return user


async def _key_user(
    request: Request, session: AsyncSession, runtime: Runtime, key: str
) -> User:
    found, user = await api_keys.authenticate(
        session, runtime.sessionmaker, key, request.method
    )
    accounts.ensure_active(user)
    request.state.user_id = user.id
    request.state.api_key_id = found.id
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user, scope="function")]


async def get_signed_in_user(user: OptionalUser) -> User:
    if user is None:
        raise AuthenticationError("Sign in to do this.")
    return user


SignedInUser = Annotated[User, Depends(get_signed_in_user, scope="function")]
"""Signed in, whatever terms they accepted: for accepting new terms, reading
or leaving one's own account."""


async def get_current_user(
    user: SignedInUser, runtime: RuntimeDep, request: Request
) -> User:
    """Signed in, with the terms in force accepted (else 428); an integrator's
    key accepted the terms when an admin issued it."""
    if getattr(request.state, "api_key_id", None) is None:
        privacy.ensure_terms_accepted(user, runtime.settings)
    return user


CurrentUser = Annotated[User, Depends(get_current_user, scope="function")]


async def get_user_admin(user: CurrentUser) -> User:
    ensure_allowed(user, Action.MANAGE_USERS)
    return user


UserAdmin = Annotated[User, Depends(get_user_admin, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]
