"""The event catalogue names every event the code emits, and documents them."""

import ast
from pathlib import Path

from fastapi import FastAPI

from app.schemas.events import CATALOGUE, INTERNAL_EVENTS

APP = Path(__file__).resolve().parents[2] / "app"
EVENT_NAME = r"^[a-z_]+\.[a-z_]+$"


def _constants(trees: list[ast.Module]) -> dict[str, str]:
    """Module-level string constants (``MAIL_SEND = "mail.send"``) by name."""
    found = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(
                        node.value.value, str
                    ):
                        found[target.id] = node.value.value
    return found


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def emitted_event_types() -> set[str]:
    """Event names passed to ``outbox.emit`` or to a helper named ``*emit``."""
    trees = [ast.parse(path.read_text()) for path in APP.rglob("*.py")]
    constants = _constants(trees)
    names = set()
    for tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or not _called_name(call).endswith(
                "emit"
            ):
                continue
            for argument in call.args[1:2]:
                if isinstance(argument, ast.Constant):
                    names.add(str(argument.value))
                elif isinstance(argument, ast.Name) and argument.id in constants:
                    names.add(constants[argument.id])
    return names


def test_every_emitted_event_type_is_in_the_catalogue() -> None:
    emitted = emitted_event_types()

    assert {"proposal.published", "meeting.published", "mail.send"} <= emitted
    assert emitted - CATALOGUE.keys() - INTERNAL_EVENTS == set()


def test_internal_events_are_not_offered_to_integrators() -> None:
    assert INTERNAL_EVENTS.isdisjoint(CATALOGUE)


def test_the_api_document_has_a_webhook_and_schemas_per_event(app: FastAPI) -> None:
    api = next(
        route.app for route in app.routes if getattr(route, "path", "") == "/api/v1"
    )
    document = api.openapi()

    assert set(document["webhooks"]) == set(CATALOGUE)
    schemas = document["components"]["schemas"]
    for event_type in CATALOGUE.values():
        assert event_type.payload.__name__ in schemas
    body = document["webhooks"]["proposal.answered"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProposalAnsweredMessage"
    }


def test_the_events_page_lists_every_event_type() -> None:
    page = (APP.parent / "docs" / "events.md").read_text(encoding="utf-8")

    missing = [name for name in CATALOGUE if f"`{name}`" not in page]
    assert missing == []
