"""create_app(): the root service with ``/api/v1`` and ``/mobile/v1`` mounted."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.config import Settings, get_settings
from app.deps import refuse_nul_in_parameters, refuse_unknown_query_parameters
from app.errors import Problem, install_error_handlers
from app.hardening import RateLimitMiddleware, SecurityHeadersMiddleware
from app.http_caching import ConditionalGetMiddleware, describe_caching
from app.idempotent_writes import IdempotencyMiddleware
from app.logging import configure_logging
from app.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.mobile.routers import actions as mobile_actions
from app.mobile.routers import routers as mobile_routers
from app.responses import JSON
from app.routers import (
    accountability,
    api_keys,
    attachments,
    auth,
    budgets,
    changes,
    comments,
    components,
    councils,
    debates,
    declarations,
    endorsements,
    follows,
    health,
    me,
    meetings,
    moderation,
    notifications,
    open_data,
    outbox,
    pages,
    posts,
    privacy,
    proposals,
    search,
    spaces,
    stats,
    surveys,
    taxonomies,
    users,
    webhooks,
)
from app.routers.events import document_events
from app.runtime import Runtime
from app.schemas.base import MAX_ID

API_PREFIX = "/api/v1"
MOBILE_PREFIX = "/mobile/v1"
DOCS_STATIC = "/static/docs"


def operation_id(route: APIRoute) -> str:
    """Stable ``tag:verb`` ids (``auth:sign_in``) for generated clients."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}:{route.name}"


_REF = "#/components/schemas/{model}"
_OPERATIONS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Declare every error response as the problem+json the service answers.

    FastAPI documents a 422 as its own ``HTTPValidationError`` JSON; a client
    generated from that could not read our problems.
    """
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    problem = Problem.model_json_schema(ref_template=_REF)
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem

    def content() -> dict[str, Any]:
        schema = {"$ref": _REF.format(model="Problem")}
        return {"application/problem+json": {"schema": schema}}

    for path in document.get("paths", {}).values():
        for method, operation in path.items():
            if method not in _OPERATIONS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status == "default" or status[0] in "45":
                    response["content"] = content()
            if "422" in responses:
                responses["422"]["description"] = "Invalid input; see errors"
            responses.setdefault(
                "default", {"description": "An error", "content": content()}
            )
    return document


def exact_integer_bounds(node: Any) -> Any:
    """Give integer schemas their bounds back as integers.

    FastAPI's OpenAPI model types ``minimum`` and ``maximum`` as floats, so the
    largest id, 2**63 - 1, would read 9.223372036854776e+18: 2**63, one too many.
    """
    if isinstance(node, list):
        for item in node:
            exact_integer_bounds(item)
    elif isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                bound = node.get(key)
                if isinstance(bound, float) and bound.is_integer():
                    node[key] = MAX_ID if bound == float(MAX_ID) else int(bound)
        for value in node.values():
            exact_integer_bounds(value)
    return node


def _api_routers() -> list[APIRouter]:
    return [
        auth.build_router(auth.AuthBodies()),
        me.build_router(),
        declarations.router,
        users.router,
        taxonomies.router,
        spaces.router,
        councils.router,
        components.router,
        posts.router,
        pages.router,
        proposals.router,
        debates.router,
        comments.router,
        endorsements.router,
        follows.router,
        attachments.router,
        meetings.router,
        notifications.router,
        outbox.router,
        webhooks.router,
        surveys.router,
        accountability.router,
        budgets.router,
        search.router,
        open_data.router,
        changes.router,
        moderation.router,
        privacy.build_router(),
        api_keys.router,
        stats.router,
    ]


def _sub_app(
    title: str,
    prefix: str,
    description: str,
    routers: list[APIRouter],
    settings: Settings,
) -> FastAPI:
    app = FastAPI(
        title=title,
        version=__version__,
        description=description,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        servers=[{"url": prefix}],
        root_path_in_servers=False,
        generate_unique_id_function=operation_id,
        default_response_class=JSON,
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        dependencies=[
            Depends(refuse_nul_in_parameters),
            Depends(refuse_unknown_query_parameters),
        ],
    )
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(ConditionalGetMiddleware)
    _add_docs(app, prefix, title)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = exact_integer_bounds(generate_openapi())
            app.openapi_schema = describe_caching(describe_problems(document))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _add_docs(app: FastAPI, prefix: str, title: str) -> None:
    redirect = f"{prefix}/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{prefix}/openapi.json",
            title=f"{title} - docs",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
            oauth2_redirect_url=redirect,
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


API_DESCRIPTION = (
    "Decide: the participation platform of Contagem. Public, participant and admin "
    "endpoints; translatable texts are maps keyed by locale. Errors are RFC 9457 "
    "problem+json; lists are cursor-paginated."
)
MOBILE_DESCRIPTION = (
    "The API of the Decide mobile app: compact payloads, text resolved from "
    "Accept-Language, unknown body fields ignored."
)


def build_api(settings: Settings) -> FastAPI:
    app = _sub_app("Decide API", API_PREFIX, API_DESCRIPTION, _api_routers(), settings)
    document_events(app)
    return app


def build_mobile(settings: Settings) -> FastAPI:
    return _sub_app(
        "Decide mobile API",
        MOBILE_PREFIX,
        MOBILE_DESCRIPTION,
        mobile_routers(),
        settings,
    )


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    runtime = runtime or Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        dispatcher = runtime.dispatcher() if settings.dispatcher_enabled else None
        scheduler = runtime.scheduler() if settings.dispatcher_enabled else None
        for background in (dispatcher, scheduler):
            if background is not None:
                background.start()
        try:
            yield
        finally:
            for background in (scheduler, dispatcher):
                if background is not None:
                    await background.stop()
            await runtime.engine.dispose()

    app = FastAPI(
        title="Decide",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        default_response_class=JSON,
    )
    app.state.runtime = runtime
    api, mobile = build_api(settings), build_mobile(settings)
    for sub_app in (api, mobile):
        sub_app.state.runtime = runtime

    app.include_router(health.router)
    app.mount(
        DOCS_STATIC, StaticFiles(directory=str(files("fastapi_offline") / "static"))
    )
    app.mount(API_PREFIX, api)
    app.mount(MOBILE_PREFIX, mobile)
    install_error_handlers(app)

    # Added first so it runs inside CORS: a 413 still carries the CORS headers.
    upload_limit = settings.attachment_max_bytes + attachments.MULTIPART_OVERHEAD_BYTES
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        uploads=[
            (API_PREFIX + attachments.UPLOAD_PATH, upload_limit),
            (MOBILE_PREFIX + mobile_actions.PHOTO_PATH, upload_limit),
        ],
    )
    # Inside CORS, so that a browser can read a 429 and its Retry-After.
    app.add_middleware(RateLimitMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "ETag",
                "Idempotent-Replayed",
                "Link",
                "Retry-After",
                "X-Request-ID",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    # Outside the rest: every answer, refusals included, carries these headers.
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=settings.env.value == "production"
    )
    app.add_middleware(RequestContextMiddleware)
    return app
