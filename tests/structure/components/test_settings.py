"""Settings are validated per component type; unknown or mistyped fields are 422."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.components import Component, ComponentType
from tests import builders
from tests.api.problems import assert_problem, failing_fields
from tests.structure.components.conftest import API, Cast

VALID: dict[ComponentType, dict[str, Any]] = {
    ComponentType.PROPOSALS: {
        "proposal_limit_per_user": 3,
        "supports_limit_per_user": 10,
        "minimum_supports_per_user": 2,
        "threshold_per_proposal": 500,
        "can_accumulate_supports_beyond_threshold": True,
        "answers_with_costs": True,
        "edit_window_minutes": 15,
    },
    ComponentType.MEETINGS: {
        "participants_can_create": True,
        "online_link_minutes_before": 30,
        "registration_terms": {"pt-BR": "Concordo em receber e-mails."},
    },
    ComponentType.DEBATES: {"participants_can_create": False},
    ComponentType.SURVEYS: {
        "allow_unregistered": True,
        "starts_at": "2026-03-01T09:00:00-03:00",
        "ends_at": "2026-03-31T18:00:00-03:00",
    },
    ComponentType.BUDGETS: {
        "vote_rule": {"rule": "projects_range", "min_projects": 2, "max_projects": 5},
        "voter_budget_choice": "by_residence",
    },
    ComponentType.ACCOUNTABILITY: {"display_progress": False},
    ComponentType.POSTS: {"comments_enabled": False},
    ComponentType.PAGES: {"show_index": False},
}

WRONG_TYPE: dict[ComponentType, tuple[str, Any]] = {
    ComponentType.PROPOSALS: ("threshold_per_proposal", "muitos"),
    ComponentType.MEETINGS: ("online_link_minutes_before", -5),
    ComponentType.DEBATES: ("comments_max_length", 0),
    ComponentType.SURVEYS: ("starts_at", "2026-03-01T09:00:00"),
    ComponentType.BUDGETS: ("voter_budget_choice", "some"),
    ComponentType.ACCOUNTABILITY: ("display_progress", "talvez"),
    ComponentType.POSTS: ("comments_enabled", [True]),
    ComponentType.PAGES: ("show_index", {"yes": True}),
}

ANOTHER_TYPES_FIELD: dict[ComponentType, str] = {
    ComponentType.PROPOSALS: "participants_can_create",
    ComponentType.MEETINGS: "threshold_per_proposal",
    ComponentType.DEBATES: "allow_unregistered",
    ComponentType.SURVEYS: "vote_rule",
    ComponentType.BUDGETS: "display_progress",
    ComponentType.ACCOUNTABILITY: "show_index",
    ComponentType.POSTS: "proposal_limit_per_user",
    ComponentType.PAGES: "comments_enabled",
}


async def create(
    client: httpx.AsyncClient, cast: Cast, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"{API}/spaces/{cast.space.id}/components",
        json={"name": {"pt-BR": "Componente"}, **body},
        headers=cast.space_admin.headers,
    )


def error_for(body: dict[str, Any], suffix: str) -> dict[str, Any]:
    return next(error for error in body["errors"] if error["field"].endswith(suffix))


@pytest.mark.parametrize("type_", list(ComponentType))
async def test_valid_settings_are_stored_with_defaults_for_the_rest(
    client: httpx.AsyncClient, cast: Cast, type_: ComponentType
) -> None:
    response = await create(client, cast, {"type": type_, "settings": VALID[type_]})

    assert response.status_code == 201, response.text
    settings = response.json()["settings"]
    for field, value in VALID[type_].items():
        if field not in ("starts_at", "ends_at"):
            assert settings[field] == value
    assert len(settings) > len(VALID[type_]) or type_ in (
        ComponentType.POSTS,
        ComponentType.PAGES,
    )


@pytest.mark.parametrize("type_", list(ComponentType))
async def test_settings_omitted_take_every_default(
    client: httpx.AsyncClient, cast: Cast, type_: ComponentType
) -> None:
    response = await create(client, cast, {"type": type_})

    assert response.status_code == 201, response.text
    assert response.json()["settings"]


@pytest.mark.parametrize("type_", list(ComponentType))
async def test_a_field_of_the_wrong_type_is_422_naming_it(
    client: httpx.AsyncClient, cast: Cast, type_: ComponentType
) -> None:
    field, value = WRONG_TYPE[type_]

    response = await create(client, cast, {"type": type_, "settings": {field: value}})

    body = assert_problem(response, 422, "validation-error")
    assert any(name.endswith(f"settings.{field}") for name in failing_fields(body))


@pytest.mark.parametrize("type_", list(ComponentType))
async def test_a_field_of_another_type_is_422_naming_it(
    client: httpx.AsyncClient, cast: Cast, type_: ComponentType
) -> None:
    field = ANOTHER_TYPES_FIELD[type_]

    response = await create(client, cast, {"type": type_, "settings": {field: True}})

    body = assert_problem(response, 422, "validation-error")
    assert error_for(body, f"settings.{field}")["code"] == "extra_forbidden"


async def test_an_unknown_field_is_422_naming_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    response = await create(
        client, cast, {"type": "proposals", "settings": {"treshold": 10}}
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"proposals.settings.treshold"}


async def test_an_unknown_type_is_422(client: httpx.AsyncClient, cast: Cast) -> None:
    response = await create(client, cast, {"type": "petitions"})

    body = assert_problem(response, 422, "validation-error")
    [error] = body["errors"]
    assert error["code"] == "union_tag_invalid"
    assert "'proposals'" in error["message"]


async def test_minimum_supports_above_the_limit_is_422_naming_it(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    settings = {"supports_limit_per_user": 3, "minimum_supports_per_user": 4}

    response = await create(client, cast, {"type": "proposals", "settings": settings})

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"proposals.settings.minimum_supports_per_user"}


async def test_survey_ending_before_it_starts_is_422_naming_ends_at(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    settings = {
        "starts_at": "2026-03-31T09:00:00-03:00",
        "ends_at": "2026-03-01T09:00:00-03:00",
    }

    response = await create(client, cast, {"type": "surveys", "settings": settings})

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {"surveys.settings.ends_at"}


async def test_budget_range_with_max_below_min_is_422_naming_max_projects(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    rule = {"rule": "projects_range", "min_projects": 5, "max_projects": 2}

    response = await create(
        client, cast, {"type": "budgets", "settings": {"vote_rule": rule}}
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {
        "budgets.settings.vote_rule.projects_range.max_projects"
    }


async def test_budget_vote_rules_each_carry_their_own_fields(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    rule = {"rule": "minimum_projects", "percent": 50}

    response = await create(
        client, cast, {"type": "budgets", "settings": {"vote_rule": rule}}
    )

    body = assert_problem(response, 422, "validation-error")
    assert "budgets.settings.vote_rule.minimum_projects.percent" in failing_fields(body)


async def test_budget_defaults_to_a_minimum_percent_rule(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    response = await create(client, cast, {"type": "budgets"})

    assert response.json()["settings"]["vote_rule"] == {
        "rule": "minimum_percent",
        "percent": 70,
    }


async def test_update_merges_the_settings_sent_over_the_stored_ones(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    created = await create(
        client,
        cast,
        {"type": "proposals", "settings": {"proposal_limit_per_user": 2}},
    )

    response = await client.patch(
        f"{API}/components/{created.json()['id']}",
        json={"settings": {"threshold_per_proposal": 100}},
        headers=cast.space_admin.headers,
    )

    assert response.status_code == 200, response.text
    settings = response.json()["settings"]
    assert settings["proposal_limit_per_user"] == 2
    assert settings["threshold_per_proposal"] == 100


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"threshold_per_proposal": "muitos"}, "settings.threshold_per_proposal"),
        ({"participants_can_create": True}, "settings.participants_can_create"),
        ({"minimum_supports_per_user": 9}, "settings.minimum_supports_per_user"),
    ],
    ids=["wrong type", "another type's field", "rule across fields"],
)
async def test_update_with_invalid_settings_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    cast: Cast,
    sent: dict[str, Any],
    field: str,
) -> None:
    component = await builders.component(
        session, cast.space, type=ComponentType.PROPOSALS
    )
    component.settings = {"supports_limit_per_user": 5}
    await session.flush()

    response = await client.patch(
        f"{API}/components/{component.id}",
        json={"settings": sent, "name": {"pt-BR": "Outro nome"}},
        headers=cast.space_admin.headers,
    )

    body = assert_problem(response, 422, "validation-error")
    assert failing_fields(body) == {field}
    await session.refresh(component)
    assert component.settings == {"supports_limit_per_user": 5}
    assert component.name != {"pt-BR": "Outro nome"}


async def test_the_openapi_shows_each_settings_model(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/openapi.json")

    schemas = response.json()["components"]["schemas"]
    for name in (
        "ProposalsSettings",
        "MeetingsSettings",
        "DebatesSettings",
        "SurveysSettings",
        "BudgetsSettings",
        "AccountabilitySettings",
        "PostsSettings",
        "PagesSettings",
        "Switches",
    ):
        assert schemas[name]["additionalProperties"] is False
        assert all(
            field.get("description") or "$ref" in field or "anyOf" in field
            for field in schemas[name]["properties"].values()
        ), name


async def test_stored_settings_of_a_dropped_field_still_read(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    component: Component = await builders.component(
        session, cast.space, type=ComponentType.POSTS
    )
    component.settings = {"comments_enabled": False, "retired_setting": 1}
    await session.flush()

    response = await client.get(f"{API}/components/{component.id}")

    assert response.status_code == 200
    assert response.json()["settings"] == {"comments_enabled": False}
