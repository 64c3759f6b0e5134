"""Bodies of residents' declarations: one's own, and the admins' aggregates."""

from datetime import datetime

from pydantic import Field

from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.taxonomies import InterestGroupBrief, ScopeBrief


class DeclarationUpdate(RequestModel):
    """The whole declaration: send both fields; null and [] withdraw them."""

    scope_id: Id | None = Field(
        description="The scope the resident lives in, down to a neighbourhood."
    )
    interest_group_ids: list[Id] = Field(
        max_length=100, description="The interest groups the resident belongs to."
    )


class DeclarationRead(ReadModel):
    """The signed-in resident's own declaration; nobody else reads it."""

    scope: ScopeBrief | None
    interest_groups: list[InterestGroupBrief]
    updated_at: datetime | None = Field(
        description="When it was last declared; null if never or withdrawn."
    )


class DeclaredCount(ReadModel):
    count: int | None = Field(description="Null when suppressed.")
    suppressed: bool = Field(
        description="True when the count is below the threshold and so withheld."
    )


class ScopeDeclarations(DeclaredCount):
    scope: ScopeBrief


class InterestGroupDeclarations(DeclaredCount):
    interest_group: InterestGroupBrief


class DeclarationSummary(ReadModel):
    """Residents who declared, per scope (descendants included) and per group."""

    threshold: int = Field(description="Counts below it are withheld.")
    residents: DeclaredCount = Field(
        description="Residents who declared a scope or an interest group."
    )
    scopes: list[ScopeDeclarations]
    interest_groups: list[InterestGroupDeclarations]
