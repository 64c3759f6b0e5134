"""Domain errors and their RFC 9457 problem+json rendering."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.responses import ProblemResponse

PROBLEM_BASE = "https://decide.contagem.mg.gov.br/problems/"

log = structlog.get_logger()


class FieldError(BaseModel):
    """One failing field of a 422 (or the whole body, when ``field`` is null)."""

    model_config = ConfigDict(extra="allow")

    field: str | None = Field(
        description="Dotted path inside its location; null when the whole body "
        "failed (not JSON, not an object)."
    )
    location: str = Field(description="Where the field is: body, query, path, header.")
    message: str
    code: str = Field(description="A stable machine-readable reason (missing...).")


class Problem(BaseModel):
    """RFC 9457 problem details: the one shape of every error of this API."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A stable URI naming the kind of problem.")
    title: str = Field(description="A short summary, the same for every type.")
    status: int
    detail: str = Field(description="What went wrong here, for a human.")
    instance: str = Field(description="The path of the request.")
    request_id: str | None = Field(
        default=None, description="Quote it to report a problem (X-Request-ID)."
    )
    errors: list[FieldError] | None = Field(
        default=None, description="For invalid input: the failing fields."
    )


class DomainError(Exception):
    """A refusal a client can act on; services raise it, one handler renders it."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"
    commit_changes: bool = False
    """Set when the refusal itself must be recorded (a revoked token family)."""

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


class InvalidInputError(DomainError):
    """A value the schema accepted but the service cannot use (a bad cursor).

    Its body lists the failing fields in ``errors``, as request validation
    does, so a client reads every 422 the same way: name one with ``field``
    (and ``location``), or pass several as ``errors``.
    """

    status, code, title = 422, "validation-error", "Invalid input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        location: str = "query",
        error_code: str = "invalid",
        errors: list[dict[str, Any]] | None = None,
        **extensions: Any,
    ) -> None:
        if errors is None:
            errors = [{"field": field, "location": location, "message": detail}]
        errors = [{"code": error_code, **error} for error in errors]
        super().__init__(detail, errors=errors, **extensions)


def unstorable_value() -> InvalidInputError:
    """The database refused a value of the request (a NUL byte, out of range)."""
    return InvalidInputError(
        "A value cannot be stored: it is out of range or contains a NUL character.",
        errors=[],
    )


class AuthenticationError(DomainError):
    status, code, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class InvalidTokenError(DomainError):
    status, code, title = 400, "invalid-token", "Invalid or expired token"


class PermissionDeniedError(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


class EmailUnconfirmedError(PermissionDeniedError):
    code, title = "email-unconfirmed", "E-mail not confirmed"


class AccountBlockedError(PermissionDeniedError):
    code, title = "account-blocked", "Account blocked"


class NotFoundError(DomainError):
    status, code, title = 404, "not-found", "Not found"


class ConflictError(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class MethodNotAllowedError(DomainError):
    status, code, title = 405, "method-not-allowed", "Method not allowed"


class PayloadTooLargeError(DomainError):
    status, code, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaTypeError(DomainError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class GoneError(DomainError):
    status, code, title = 410, "gone", "Gone"


class UpgradeRequiredError(DomainError):
    """The app is older than the oldest version the API still serves."""

    status, code, title = 426, "app-update-required", "Update the app"


class TermsNotAcceptedError(DomainError):
    """The terms and privacy notice changed; the client must ask to accept them."""

    status, code, title = 428, "terms-not-accepted", "New terms to accept"


class RateLimitedError(DomainError):
    status, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(retry_after, 1))})


class ServiceUnavailableError(DomainError):
    status, code, title = 503, "unavailable", "Service unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "1"})


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    response_headers = dict(headers or {})
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
        # A 500 is rendered outside the request-id middleware; it keeps the id too.
        response_headers["X-Request-ID"] = request_id
    return ProblemResponse(body, status_code=status, headers=response_headers)


class BodyTooLarge(StarletteHTTPException):
    """Raised while a request body is read, once it passes the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


# HTTP errors raised by the framework share the type and title of the domain
# error with the same status, so one ``type`` always has one ``title``.
_HTTP_PROBLEMS: dict[int, type[DomainError]] = {
    error.status: error
    for error in (
        DomainError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        MethodNotAllowedError,
        ConflictError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        InvalidInputError,
        RateLimitedError,
        ServiceUnavailableError,
    )
}


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extensions,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Render an HTTP error of the framework (404, 405, 413...) as a problem."""
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    known = _HTTP_PROBLEMS.get(exc.status_code)
    return problem(
        request,
        status=exc.status_code,
        code=known.code if known else status.phrase.lower().replace(" ", "-"),
        title=known.title if known else status.phrase,
        detail=detail,
        headers=dict(exc.headers or {}),
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per failure: ``field`` is the dotted path inside ``location``,
    or None when the whole body failed (not JSON, not an object)."""
    errors = []
    for error in exc.errors():
        location, *path = [str(part) for part in error.get("loc", ())] or ["body"]
        entry: dict[str, Any] = {
            "field": ".".join(path) or None,
            "location": location,
            "message": error.get("msg", ""),
            "code": error.get("type", ""),
        }
        if entry["code"] == "json_invalid":
            # The location carries the character position, not a field.
            position = int(path[0]) if path and path[0].isdigit() else None
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            entry["field"] = None
            entry["message"] = f"{reason} at position {position}"
            entry["position"] = position
        errors.append(entry)
    return errors


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(error["code"] == "json_invalid" for error in errors):
        return problem(
            request,
            status=400,
            code="malformed-json",
            title="Malformed JSON",
            detail="The request body is not valid JSON.",
            errors=errors,
        )
    return problem(
        request,
        status=422,
        code="validation-error",
        title="Invalid input",
        detail="Some fields are missing or invalid; see errors.",
        errors=errors,
    )


_RETRY_LATER_STATES = {"08", "40", "53", "57"}
"""SQLSTATE classes worth a retry: connection lost, serialization failure or
deadlock, resources exhausted, operator intervention (a statement timeout)."""


def database_refusal(exc: Exception) -> DomainError | None:
    """What a client should see for a database error; None when it is a bug.

    A refusal is never a 500: a conflict (a constraint), invalid input (a
    value the database cannot store), or a wait-and-retry (locked, unreachable,
    pool exhausted, serialization failure).
    """
    state = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    if isinstance(exc, IntegrityError) or state.startswith("23"):
        return ConflictError("The change conflicts with data already stored.")
    if isinstance(exc, DataError) or state.startswith("22"):
        return unstorable_value()
    if (
        isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError)
        or state[:2] in _RETRY_LATER_STATES
    ):
        return ServiceUnavailableError("The database is busy; try again.")
    return None


async def _database_error(request: Request, exc: Exception) -> Response:
    error = database_refusal(exc)
    if error is None:
        return await _unexpected_error(request, exc)
    log.warning("request.database_error", error=type(exc).__name__)
    return await _domain_error(request, error)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # A failure in a mounted API passes through the root's handler too; log once.
    if not getattr(request.state, "failure_logged", False):
        request.state.failure_logged = True
        log.exception("request.failed", error=type(exc).__name__)
    return problem(
        request,
        status=500,
        code="internal-error",
        title="Internal server error",
        detail="Something went wrong on our side; quote the request id to report it.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for database_error in (DBAPIError, PoolTimeoutError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
