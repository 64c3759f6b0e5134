"""The two OpenAPI documents, their drift check, and the self-hosted docs pages."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from app import main
from app import openapi as documents
from app.config import Settings
from app.errors import Problem

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = {"api.json": "/api/v1", "mobile.json": "/mobile/v1"}
OPERATION_ID = re.compile(r"[a-z][a-z0-9_]*:[a-z][a-z0-9_]*")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path in document["paths"].values()
        for method, operation in path.items()
        if method in METHODS
    ]


class AssetLinks(HTMLParser):
    """Collects every URL a page loads: scripts, styles, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """The documents as ``decide openapi`` would write them now."""
    return documents.generate(Settings())


@pytest.fixture(scope="module")
def generated(texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {name: json.loads(text) for name, text in texts.items()}


def lay_out(folder: Path, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")


class TestDocuments:
    @pytest.mark.parametrize("name", sorted(PREFIXES))
    async def test_each_api_serves_the_document_decide_openapi_writes(
        self,
        client: httpx.AsyncClient,
        generated: dict[str, dict[str, Any]],
        name: str,
    ) -> None:
        response = await client.get(f"{PREFIXES[name]}/openapi.json")

        assert response.status_code == 200
        assert response.json() == generated[name]
        assert response.json()["servers"] == [{"url": PREFIXES[name]}]

    @pytest.mark.parametrize("name", sorted(PREFIXES))
    def test_operation_ids_are_tag_and_verb_and_unique(
        self, generated: dict[str, dict[str, Any]], name: str
    ) -> None:
        found = operations(generated[name])

        ids = [operation["operationId"] for operation in found]
        assert found
        assert len(ids) == len(set(ids))
        for operation in found:
            assert OPERATION_ID.fullmatch(operation["operationId"])
            assert operation["operationId"].split(":")[0] == operation["tags"][0]

    def test_the_mobile_document_holds_only_what_the_app_needs(
        self, generated: dict[str, dict[str, Any]]
    ) -> None:
        mobile_tags = {op["tags"][0] for op in operations(generated["mobile.json"])}

        assert {"auth", "me"} <= mobile_tags
        assert "users" not in mobile_tags


class TestDrift:
    def test_documents_written_from_the_code_have_no_drift(
        self, tmp_path: Path
    ) -> None:
        documents.write(tmp_path, Settings())

        assert documents.drift(tmp_path, Settings()) == []

    def test_a_route_added_without_regenerating_is_drift(
        self, tmp_path: Path, texts: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        lay_out(tmp_path, texts)
        extra = APIRouter(prefix="/polls", tags=["polls"])

        @extra.get("")
        async def list_polls() -> list[str]:
            """A route someone added after the documents were generated."""
            return []

        original = main._api_routers
        monkeypatch.setattr(main, "_api_routers", lambda: [*original(), extra])

        assert documents.drift(tmp_path, Settings()) == ["api.json"]

    def test_a_missing_document_is_drift(
        self, tmp_path: Path, texts: dict[str, str]
    ) -> None:
        lay_out(tmp_path, texts)
        (tmp_path / "mobile.json").unlink()

        assert documents.drift(tmp_path, Settings()) == ["mobile.json"]


class TestDocsPages:
    @pytest.mark.parametrize("prefix", sorted(PREFIXES.values()))
    async def test_load_only_assets_the_service_serves(
        self, client: httpx.AsyncClient, prefix: str
    ) -> None:
        page = await client.get(f"{prefix}/docs")
        links = AssetLinks()
        links.feed(page.text)

        assets = {url: await client.get(url) for url in links.urls}

        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert f"'{prefix}/openapi.json'" in page.text
        assert "//" not in "".join(links.urls)
        assert not re.search(r"https?://", page.text)
        assert all(url.startswith("/static/docs/") for url in links.urls)
        scripts = [url for url in links.urls if url.endswith(".js")]
        assert scripts
        for url, response in assets.items():
            assert response.status_code == 200, url
        for url in scripts:
            assert "javascript" in assets[url].headers["content-type"]

    @pytest.mark.parametrize("prefix", sorted(PREFIXES.values()))
    async def test_serve_the_oauth2_redirect_page(
        self, client: httpx.AsyncClient, prefix: str
    ) -> None:
        response = await client.get(f"{prefix}/docs/oauth2-redirect")

        assert response.status_code == 200
        assert "oauth2" in response.text.lower()


class TestErrorResponses:
    @pytest.mark.parametrize("name", sorted(PREFIXES))
    def test_every_operation_declares_its_errors_as_problems(
        self, generated: dict[str, dict[str, Any]], name: str
    ) -> None:
        document = generated[name]
        problem_ref = {"$ref": "#/components/schemas/Problem"}

        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert set(schemas["Problem"]["required"]) == {
            "type",
            "title",
            "status",
            "detail",
            "instance",
        }
        for operation in operations(document):
            responses = operation["responses"]
            assert "default" in responses, operation["operationId"]
            for status, response in responses.items():
                if status == "default" or status[0] in "45":
                    assert response["content"] == {
                        "application/problem+json": {"schema": problem_ref}
                    }, (operation["operationId"], status)

    async def test_a_validation_error_matches_the_declared_schema(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/v1/auth/sign-up", json={"email": 3})

        problem = Problem.model_validate(response.json())

        assert problem.status == 422
        assert problem.errors
        assert {error.field for error in problem.errors} >= {"email", "password"}
