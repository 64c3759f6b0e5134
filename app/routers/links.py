"""The ``Link`` header that mirrors a page's ``next_cursor``."""

from fastapi import Request, Response


def set_next_link(
    request: Request, response: Response, next_cursor: str | None
) -> None:
    if next_cursor is None:
        return
    url = request.url.include_query_params(cursor=next_cursor)
    response.headers["Link"] = f'<{url}>; rel="next"'
