"""The ``Link`` header that mirrors a page's ``next_cursor``, and pages with it."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request, Response

from app.schemas.pagination import Page, encode_cursor

T = TypeVar("T")


def set_next_link(
    request: Request, response: Response, next_cursor: str | None
) -> None:
    if next_cursor is None:
        return
    url = request.url.include_query_params(cursor=next_cursor)
    response.headers["Link"] = f'<{url}>; rel="next"'


def page_of(
    request: Request,
    response: Response,
    found: Sequence[T],
    limit: int,
    key: Callable[[T], list[Any]],
) -> Page[T]:
    """The first ``limit`` of ``found``; one more fetched means a next page,
    whose cursor is the ``key`` of the last item shown."""
    items = list(found[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(found) > limit else None
    set_next_link(request, response, next_cursor)
    return Page(items=items, next_cursor=next_cursor)
