"""Bodies of the councils endpoints: legal basis, composition, seats, the report."""

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from app.models.councils import CouncilSeat, SeatKind, SeatRole, SeatStatus
from app.models.spaces import SpaceStatus, Visibility
from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText

Sector = Annotated[
    str,
    Field(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z0-9]+([_-][a-z0-9]+)*$",
        description=(
            "A sector or segment code: lower-case letters and digits joined by "
            "single hyphens or underscores."
        ),
        examples=["civil_society", "juventude", "pessoa-idosa"],
    ),
]
PersonName = Annotated[str, Field(min_length=1, max_length=150)]
Organisation = Annotated[
    str,
    Field(
        min_length=1,
        max_length=150,
        description="The organisation the holder represents, if any.",
    ),
]


class SectorRequirement(RequestModel):
    sector: Sector
    titular_seats: int = Field(ge=1, le=200)
    alternate_seats: int = Field(
        default=0,
        ge=0,
        le=200,
        description="At most titular_seats: each alternate stands in for one titular.",
    )

    @model_validator(mode="after")
    def _alternates_pair_with_titulars(self) -> Self:
        if self.alternate_seats > self.titular_seats:
            raise ValueError("alternate_seats cannot exceed titular_seats")
        return self


class CouncilDetails(RequestModel):
    """What a council is: its legal basis, purpose and meeting frequency."""

    legal_act: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The act that created the council.",
        examples=["Lei Municipal nº 3.412/2001"],
    )
    legal_act_date: date | None = None
    purpose: LongText = Field(
        default={}, description="Rich text per locale, sanitised to a small allowlist."
    )
    meeting_frequency: str | None = Field(
        default=None, min_length=1, max_length=100, examples=["mensal"]
    )


class CouncilWrite(CouncilDetails):
    """The whole council: a PUT replaces every field and the composition."""

    composition: list[SectorRequirement] = Field(
        max_length=100,
        description=(
            "Seats the law gives each sector, without repeats; replaces the "
            "previous composition."
        ),
    )

    @field_validator("composition")
    @classmethod
    def _sectors_once(cls, value: list[SectorRequirement]) -> list[SectorRequirement]:
        sectors = [requirement.sector for requirement in value]
        repeated = sorted({sector for sector in sectors if sectors.count(sector) > 1})
        if repeated:
            raise ValueError(f"each sector may appear once: {', '.join(repeated)}")
        return value


class SectorRequirementRead(ReadModel):
    sector: str
    titular_seats: int
    alternate_seats: int


class CouncilRead(ReadModel):
    space_id: int
    slug: str
    title: dict[str, str]
    legal_act: str | None
    legal_act_date: date | None
    purpose: dict[str, str]
    meeting_frequency: str | None
    composition: list[SectorRequirementRead] = Field(
        description="Seats per sector, in the order the council's law lists them."
    )


def _not_ceased(status: SeatStatus | None) -> SeatStatus | None:
    if status == SeatStatus.CEASED:
        raise ValueError("a seat ceases through its cease endpoint")
    return status


class SeatCreate(RequestModel):
    sector: Sector = Field(description="One of the council's composition sectors.")
    role: SeatRole = SeatRole.MEMBER
    kind: SeatKind = SeatKind.TITULAR
    titular_seat_id: Id | None = Field(
        default=None,
        description="Alternates only: the titular seat, same council and sector.",
    )
    holder_user_id: Id | None = Field(
        default=None, description="The holder's account; or give holder_name."
    )
    holder_name: PersonName | None = Field(
        default=None, description="The holder's public name, if they have no account."
    )
    organisation: Organisation | None = None
    term_start: date | None = None
    term_end: date | None = Field(default=None, description="On or after term_start.")
    status: SeatStatus | None = Field(
        default=None,
        description=(
            "Defaults to vacant without a holder and nominated with one; a seat "
            "ceases through its cease endpoint."
        ),
    )

    _status = field_validator("status")(_not_ceased)


class SeatUpdate(RequestModel):
    """Fields to change; send null to clear a holder, an organisation or a term."""

    sector: Sector | None = None
    role: SeatRole | None = None
    kind: SeatKind | None = None
    titular_seat_id: Id | None = None
    holder_user_id: Id | None = None
    holder_name: PersonName | None = None
    organisation: Organisation | None = None
    term_start: date | None = None
    term_end: date | None = None
    status: SeatStatus | None = Field(
        default=None,
        description=(
            "vacant -> nominated or active; nominated -> active or vacant; "
            "active <-> pending_regularisation. A seat ceases through its cease "
            "endpoint."
        ),
    )

    @field_validator("sector", "role", "kind", "status", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be changed but not removed")
        return value

    _status = field_validator("status")(_not_ceased)


class SeatCease(RequestModel):
    reason: str = Field(
        min_length=1, max_length=1000, examples=["Renúncia apresentada em plenário"]
    )
    replace: bool = Field(
        default=False,
        description=(
            "Create a vacant seat in its place (same sector, kind, role, pairing "
            "and organisation), so the composition keeps its slot."
        ),
    )


class CouncilMemberRead(ReadModel):
    """A seat as the public sees it: a public name, never contact data."""

    id: int
    sector: str
    role: SeatRole
    kind: SeatKind
    titular_seat_id: int | None
    holder: str | None = Field(
        description="The holder's public name (their account's name, or as recorded)."
    )
    organisation: str | None
    term_start: date | None
    term_end: date | None
    status: SeatStatus
    ceased_at: datetime | None

    @classmethod
    def of(cls, seat: CouncilSeat, holder: str | None) -> Self:
        """Read ``seat``, whose holder's public name is ``holder``."""
        fields = {
            name: getattr(seat, name) for name in cls.model_fields if name != "holder"
        }
        return cls.model_validate({**fields, "holder": holder})


class SeatRead(CouncilMemberRead):
    """A seat as its council's admins see it."""

    space_id: int
    holder_user_id: int | None
    holder_name: str | None
    ceased_reason: str | None
    created_at: datetime
    updated_at: datetime


class SeatCeased(BaseModel):
    ceased: SeatRead
    replacement: SeatRead | None = Field(
        description="The vacant seat created in its place, when asked for."
    )


class SeatFigures(BaseModel):
    """One kind of seat (titular or alternate) of a sector, or of a whole council."""

    required: int = Field(description="Seats the composition gives.")
    occupied: int = Field(
        description="Seats with a holder: nominated, active or pending regularisation."
    )
    unfilled: int = Field(description="Required seats without a holder.")
    vacant: int
    nominated: int
    active: int
    pending_regularisation: int
    ending_soon: int = Field(
        description="Occupied seats whose term ends between today and ending_by."
    )
    expired: int = Field(description="Occupied seats whose term ended before today.")


class SectorComposition(BaseModel):
    sector: str
    titular: SeatFigures
    alternate: SeatFigures


class CouncilFlags(BaseModel):
    has_vacancies: bool = Field(description="Some required seat has no holder.")
    has_expired: bool
    has_terms_ending: bool
    has_pending_regularisation: bool


class ReportSeat(BaseModel):
    """A seat that needs attention."""

    id: int
    sector: str
    kind: SeatKind
    role: SeatRole
    holder: str | None
    status: SeatStatus
    term_end: date | None


class CouncilComposition(BaseModel):
    space_id: int
    slug: str
    title: dict[str, str]
    scope_id: int | None = Field(description="The territory of a regional council.")
    status: SpaceStatus
    visibility: Visibility
    flags: CouncilFlags
    totals: SeatFigures = Field(description="Titular and alternate seats together.")
    sectors: list[SectorComposition]
    ending_soon_seats: list[ReportSeat]
    expired_seats: list[ReportSeat]
    pending_seats: list[ReportSeat] = Field(description="Seats pending regularisation.")


class CompositionReport(BaseModel):
    today: date = Field(description="Today in the organisation's time zone.")
    ending_by: date = Field(description="Terms ending up to this day are flagged.")
    councils_with_vacancies: int
    councils_with_expired: int
    councils: list[CouncilComposition]
