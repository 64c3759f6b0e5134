"""Assertions on RFC 9457 problem+json answers, as a client reads them."""

from typing import Any

import httpx

PROBLEM_BASE = "https://decide.contagem.mg.gov.br/problems/"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is a problem of ``status`` and ``code``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + code
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.path
    return body


def assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    """A 401 problem that tells the client how to authenticate."""
    body = assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    return body


def failing_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}
