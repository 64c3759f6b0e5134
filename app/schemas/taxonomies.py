"""Bodies of the taxonomy endpoints: scopes, area types, areas, interest groups."""

import math
from datetime import datetime
from typing import Annotated, Any

import geojson  # type: ignore[import-untyped]
from pydantic import AfterValidator, Field, field_validator

from app.models.taxonomies import InterestGroupKind, ScopeType
from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import Name

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Unique; letters, digits, `_`, `.` or `-`.",
        examples=["RES"],
    ),
]
Population = Annotated[int, Field(ge=0, le=2_000_000_000)]


def _not_null(value: Any) -> Any:
    """In an update, ``null`` clears a field; these fields cannot be empty."""
    if value is None:
        raise ValueError("this field cannot be null; leave it out to keep it")
    return value


_AREAS = ("Polygon", "MultiPolygon")
_GEOJSON_ERRORS = (ValueError, TypeError, IndexError, KeyError, AttributeError)


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        return [coordinates]
    return coordinates if isinstance(coordinates, list) else []


def _check_positions(geometry: dict[str, Any]) -> None:
    """What the geojson library lets pass: empty shapes, odd positions."""
    polygons = _polygons(geometry)
    if not polygons or any(not polygon for polygon in polygons):
        raise ValueError("the boundary has no ring")
    for polygon in polygons:
        for ring in polygon:
            for position in ring:
                _check_position(position)


def _check_position(position: Any) -> None:
    if not isinstance(position, list) or len(position) not in (2, 3):
        raise ValueError("a position is [longitude, latitude] (and an altitude)")
    if any(
        isinstance(number, bool) or not isinstance(number, int | float)
        for number in position
    ) or not all(math.isfinite(number) for number in position):
        raise ValueError("coordinates must be finite numbers")
    longitude, latitude = position[0], position[1]
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise ValueError("coordinates are [longitude, latitude] in WGS 84 degrees")


def _boundary(value: dict[str, Any]) -> dict[str, Any]:
    """A valid Polygon or MultiPolygon, given bare or as a Feature; kept bare."""
    try:
        parsed = geojson.GeoJSON.to_instance(value, strict=True)
    except _GEOJSON_ERRORS as exc:
        raise ValueError(f"not a GeoJSON object: {exc}") from None
    raw = value.get("geometry") if parsed.get("type") == "Feature" else value
    if not isinstance(raw, dict) or raw.get("type") not in _AREAS:
        raise ValueError("give a Polygon or MultiPolygon geometry, or a Feature of one")
    geometry = parsed["geometry"] if parsed.get("type") == "Feature" else parsed
    if not geometry.is_valid:
        errors = geometry.errors()
        raise ValueError(errors if isinstance(errors, str) else "; ".join(errors))
    _check_positions(raw)
    return {"type": raw["type"], "coordinates": raw["coordinates"]}


Boundary = Annotated[
    dict[str, Any],
    AfterValidator(_boundary),
    Field(
        description=(
            "GeoJSON Polygon or MultiPolygon (WGS 84), bare or as a Feature; "
            "stored and returned as the bare geometry."
        )
    ),
]


class ScopeCreate(RequestModel):
    parent_id: Id | None = None
    type: ScopeType
    code: Code
    name: Name
    population: Population | None = None
    boundary: Boundary | None = None


class ScopeUpdate(RequestModel):
    """Fields to change; a new ``parent_id`` moves the scope with its subtree."""

    parent_id: Id | None = None
    type: ScopeType | None = None
    code: Code | None = None
    name: Name | None = None
    population: Population | None = None
    boundary: Boundary | None = None

    _required = field_validator("type", "code", "name", mode="before")(_not_null)


class ScopeRead(ReadModel):
    id: int
    parent_id: int | None
    type: ScopeType
    code: str
    name: dict[str, str]
    population: int | None
    created_at: datetime
    updated_at: datetime


class ScopeBrief(ReadModel):
    """A scope named in another resource (a breadcrumb, a declaration)."""

    id: int
    type: ScopeType
    code: str
    name: dict[str, str]


class ScopeDetail(ScopeRead):
    boundary: dict[str, Any] | None
    ancestors: list[ScopeBrief] = Field(
        description="From the top of the tree down to the parent (a breadcrumb)."
    )
    children_count: int


class AreaTypeCreate(RequestModel):
    name: Name


class AreaTypeUpdate(RequestModel):
    name: Name | None = None

    _required = field_validator("name", mode="before")(_not_null)


class AreaTypeRead(ReadModel):
    id: int
    name: dict[str, str]
    created_at: datetime
    updated_at: datetime


class AreaCreate(RequestModel):
    area_type_id: Id | None = None
    name: Name


class AreaUpdate(RequestModel):
    area_type_id: Id | None = None
    name: Name | None = None

    _required = field_validator("name", mode="before")(_not_null)


class AreaRead(ReadModel):
    id: int
    area_type_id: int | None
    name: dict[str, str]
    created_at: datetime
    updated_at: datetime


class InterestGroupCreate(RequestModel):
    code: Code
    kind: InterestGroupKind
    name: Name


class InterestGroupUpdate(RequestModel):
    code: Code | None = None
    kind: InterestGroupKind | None = None
    name: Name | None = None

    _required = field_validator("code", "kind", "name", mode="before")(_not_null)


class InterestGroupBrief(ReadModel):
    """An interest group named in another resource (a declaration)."""

    id: int
    code: str
    kind: InterestGroupKind
    name: dict[str, str]


class InterestGroupRead(ReadModel):
    id: int
    code: str
    kind: InterestGroupKind
    name: dict[str, str]
    created_at: datetime
    updated_at: datetime
