"""Domain errors and their RFC 9457 problem+json rendering."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.responses import ProblemResponse

PROBLEM_BASE = "https://decide.contagem.mg.gov.br/problems/"

log = structlog.get_logger()


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
    status, code, title = 422, "validation-error", "Invalid input"


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


class GoneError(DomainError):
    status, code, title = 410, "gone", "Gone"


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
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return ProblemResponse(body, status_code=status, headers=headers)


_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
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


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem(
        request,
        status=exc.status_code,
        code=_HTTP_CODES.get(exc.status_code, status.phrase.lower().replace(" ", "-")),
        title=status.phrase,
        detail=detail,
        headers=dict(exc.headers or {}),
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        errors.append(
            {
                "field": ".".join(location[1:]) or location[0] if location else "",
                "location": location[0] if location else "body",
                "message": error.get("msg", ""),
                "code": error.get("type", ""),
            }
        )
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


async def _unexpected_error(request: Request, exc: Exception) -> Response:
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
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
