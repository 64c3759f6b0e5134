"""The open data entities of the participatory structure, proposals, comments,
debates, meetings and taxonomies, with Decidim's column names where it has one.

Every query keeps what an anonymous visitor may read, by the same rules as the
API (the resource registry's, or the space visibility rule), and names its
columns one by one, so that no personal detail can slip in with a new column.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models.comments import Alignment, Comment
from app.models.components import Component, ComponentType
from app.models.councils import CouncilSeat
from app.models.debates import Debate
from app.models.meetings import Meeting
from app.models.proposals import Proposal, ProposalStatus
from app.models.spaces import Phase, Space, SpaceKind
from app.models.taxonomies import Area, AreaType, Scope
from app.models.users import User

# The domains whose kinds the read rules below name register them on import.
from app.services import comments, debates, meetings, posts, proposals  # noqa: F401
from app.services.components import switches_in_force
from app.services.councils import OCCUPIED
from app.services.open_data import (
    ExportContext,
    Exporter,
    Field,
    Record,
    register,
)
from app.services.resources import readable_ids
from app.services.search import Rows, plain
from app.services.visibility import readable_spaces

DECIDIM_TYPES = {
    "proposal": "Decidim::Proposals::Proposal",
    "debate": "Decidim::Debates::Debate",
    "meeting": "Decidim::Meetings::Meeting",
    "post": "Decidim::Blogs::Post",
}
"""Decidim's ``commentable_type`` for our kinds; others keep our name."""
ALIGNMENT = {Alignment.IN_FAVOUR: 1, Alignment.NEUTRAL: 0, Alignment.AGAINST: -1}

_scope = aliased(Scope)
_area = aliased(Area)


def _api(context: ExportContext, path: str) -> str:
    return f"{context.public_url.rstrip('/')}/api/v1/{path}"


def _plain(texts: dict[str, str] | None) -> dict[str, str]:
    return {locale: plain(value) for locale, value in (texts or {}).items()}


def _taxonomy_fields(scope: str, area: str) -> list[Field]:
    return [
        Field(f"{area}/id", "The theme (area) id; Decidim calls it category."),
        Field(f"{area}/name", "The theme's name.", translated=True),
        Field(f"{scope}/id", "The territorial scope id (see scopes)."),
        Field(f"{scope}/name", "The scope's name.", translated=True),
    ]


def _taxonomy_columns() -> list[Any]:
    return [
        _area.id.label("area_id"),
        _area.name.label("area_name"),
        _scope.id.label("scope_id"),
        _scope.name.label("scope_name"),
    ]


def _taxonomy(row: Any, scope: str, area: str) -> Record:
    return {
        f"{area}/id": row.area_id,
        f"{area}/name": row.area_name,
        f"{scope}/id": row.scope_id,
        f"{scope}/name": row.scope_name,
    }


def _with_taxonomies(query: Rows, scope_id: Any, area_id: Any) -> Rows:
    return query.outerjoin(_scope, _scope.id == scope_id).outerjoin(
        _area, _area.id == area_id
    )


def _in_space_fields() -> list[Field]:
    return [
        Field("participatory_space/id", "The space (process or assembly) it is in."),
        Field("participatory_space/url", "The space's address in the API."),
        Field("component/id", "The component it belongs to."),
    ]


def _in_space(row: Any, context: ExportContext) -> Record:
    return {
        "participatory_space/id": row.space_id,
        "participatory_space/url": _api(context, f"spaces/{row.space_id}"),
        "component/id": row.component_id,
    }


def _public(name: str, model: Any, now: datetime) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = model.id.in_(readable_ids(name, None, now))
    return condition


# Spaces


_SPACE_FIELDS = [
    Field("id", "The space's id."),
    Field("slug", "Its short name in addresses."),
    Field("title", "Title.", translated=True),
    Field("subtitle", "Subtitle.", translated=True),
    Field("short_description", "Short description, plain text.", translated=True),
    Field("description", "Description, plain text.", translated=True),
    Field("start_date", "First day (YYYY-MM-DD)."),
    Field("end_date", "Last day (YYYY-MM-DD)."),
    *_taxonomy_fields("scope", "area"),
    Field("status", "published or archived."),
    Field("published_at", "When it was published (ISO 8601)."),
    Field("url", "Its address in the API."),
]
_COUNCIL_FIELDS = [
    Field("is_council", "A public-policy council (true) or another assembly."),
    Field("legal_act", "The law or decree that created the council."),
    Field("legal_act_date", "The legal act's date."),
    Field("purpose", "What the council is for.", translated=True),
    Field("meeting_frequency", "How often the council meets."),
]


def _spaces_query(kind: SpaceKind) -> Any:
    def query(_now: datetime) -> Rows:
        base = select(Space, *_taxonomy_columns()).where(
            Space.kind == kind, readable_spaces(None)
        )
        return _with_taxonomies(base, Space.scope_id, Space.area_id).order_by(Space.id)

    return query


def _space_record(row: Any, context: ExportContext) -> Record:
    space: Space = row.Space
    return {
        "id": space.id,
        "slug": space.slug,
        "title": space.title,
        "subtitle": space.subtitle,
        "short_description": _plain(space.short_description),
        "description": _plain(space.description),
        "start_date": space.start_date,
        "end_date": space.end_date,
        **_taxonomy(row, "scope", "area"),
        "status": space.status,
        "published_at": space.published_at,
        "url": _api(context, f"spaces/{space.id}"),
    }


def _assembly_record(row: Any, context: ExportContext) -> Record:
    space: Space = row.Space
    return {
        **_space_record(row, context),
        "is_council": space.is_council,
        "legal_act": space.legal_act,
        "legal_act_date": space.legal_act_date,
        "purpose": _plain(space.purpose),
        "meeting_frequency": space.meeting_frequency,
    }


register(
    Exporter(
        "processes",
        "Participatory processes.",
        _SPACE_FIELDS,
        _spaces_query(SpaceKind.PROCESS),
        _space_record,
    )
)
register(
    Exporter(
        "assemblies",
        "Assemblies, public-policy and regional councils among them.",
        _SPACE_FIELDS + _COUNCIL_FIELDS,
        _spaces_query(SpaceKind.ASSEMBLY),
        _assembly_record,
    )
)


# Council seats


def _seats_query(_now: datetime) -> Rows:
    holder = aliased(User)
    return (
        select(
            CouncilSeat.id,
            CouncilSeat.space_id,
            CouncilSeat.sector,
            CouncilSeat.role,
            CouncilSeat.kind,
            CouncilSeat.organisation,
            CouncilSeat.term_start,
            CouncilSeat.term_end,
            CouncilSeat.status,
            CouncilSeat.holder_name,
            holder.name.label("account_name"),
            holder.deleted_at.label("account_deleted_at"),
        )
        .join(Space, Space.id == CouncilSeat.space_id)
        .outerjoin(holder, holder.id == CouncilSeat.holder_user_id)
        .where(
            Space.is_council,
            readable_spaces(None),
            CouncilSeat.status.in_(OCCUPIED),
        )
        .order_by(CouncilSeat.space_id, CouncilSeat.id)
    )


def _seat_record(row: Any, context: ExportContext) -> Record:
    account = row.account_name if row.account_deleted_at is None else None
    return {
        "id": row.id,
        "assembly/id": row.space_id,
        "sector": row.sector,
        "role": row.role,
        "kind": row.kind,
        "holder": account or row.holder_name,
        "organisation": row.organisation,
        "term_start": row.term_start,
        "term_end": row.term_end,
        "status": row.status,
    }


register(
    Exporter(
        "council_seats",
        "The occupied seats of public councils: who holds them, for whom, until when.",
        [
            Field("id", "The seat's id."),
            Field("assembly/id", "The council (an assembly, see assemblies)."),
            Field("sector", "The sector the seat represents."),
            Field("role", "president, vice_president, secretary or member."),
            Field("kind", "titular or alternate."),
            Field("holder", "The holder's public name."),
            Field("organisation", "The organisation the holder represents."),
            Field("term_start", "Start of the term (YYYY-MM-DD)."),
            Field("term_end", "End of the term (YYYY-MM-DD)."),
            Field("status", "nominated, active or pending_regularisation."),
        ],
        _seats_query,
        _seat_record,
    )
)


# Proposals


async def _hidden_supports(session: AsyncSession, _now: datetime) -> set[int]:
    """The proposals components whose support counts are hidden now."""
    rows = await session.execute(
        select(Component, Phase.id)
        .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
        .where(Component.type == ComponentType.PROPOSALS)
    )
    return {
        component.id
        for component, phase_id in rows
        if switches_in_force(component, phase_id).supports_hidden
    }


def _proposals_query(now: datetime) -> Rows:
    base = (
        select(
            Proposal.id,
            Proposal.reference,
            Proposal.title,
            Proposal.body,
            Proposal.status,
            Proposal.answer_state,
            Proposal.answer,
            Proposal.answer_published_at,
            Proposal.author_kind,
            Proposal.address,
            Proposal.latitude,
            Proposal.longitude,
            Proposal.supports_count,
            Proposal.comments_count,
            Proposal.endorsements_count,
            Proposal.published_at,
            Proposal.withdrawn_at,
            Proposal.component_id,
            Proposal.meeting_id,
            Component.space_id,
            *_taxonomy_columns(),
        )
        .join(Component, Component.id == Proposal.component_id)
        .where(_public("proposal", Proposal, now), Proposal.published_at.is_not(None))
    )
    return _with_taxonomies(base, Proposal.scope_id, Proposal.area_id).order_by(
        Proposal.id
    )


def _proposal_state(row: Any) -> str:
    if row.status == ProposalStatus.WITHDRAWN:
        return "withdrawn"
    if row.answer_published_at is None:
        return ""
    return str(row.answer_state)


def _proposal_record(row: Any, context: ExportContext) -> Record:
    hidden = row.component_id in context.extras["proposals"]
    answered = row.answer_published_at is not None
    return {
        "id": row.id,
        **_taxonomy(row, "scope", "category"),
        **_in_space(row, context),
        "title": row.title,
        "body": _plain(row.body),
        "state": _proposal_state(row),
        "reference": row.reference,
        "answer": _plain(row.answer) if answered else {},
        "answered_at": row.answer_published_at,
        "supports": None if hidden else row.supports_count,
        "endorsements/total_count": row.endorsements_count,
        "comments": row.comments_count,
        "published_at": row.published_at,
        "withdrawn_at": row.withdrawn_at,
        "official": row.author_kind != "user",
        "meeting/id": row.meeting_id,
        "address": row.address,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "url": _api(context, f"proposals/{row.id}"),
    }


register(
    Exporter(
        "proposals",
        "Published proposals (withdrawn ones included, marked so) and their answers.",
        [
            Field("id", "The proposal's id."),
            *_taxonomy_fields("scope", "category"),
            *_in_space_fields(),
            Field("title", "Title.", translated=True),
            Field("body", "Text, plain.", translated=True),
            Field(
                "state",
                "Published answer: accepted, rejected, evaluating or a custom"
                " state; withdrawn; empty while not answered.",
            ),
            Field("reference", "Reference code (CTG-PROP-year-month-id)."),
            Field("answer", "The published answer, plain.", translated=True),
            Field("answered_at", "When the answer was published."),
            Field("supports", "Supports; empty while the component hides them."),
            Field("endorsements/total_count", "Endorsements."),
            Field("comments", "Comments."),
            Field("published_at", "When it was published."),
            Field("withdrawn_at", "When its author withdrew it."),
            Field("official", "Made by the organisation or a meeting, not a resident."),
            Field("meeting/id", "The meeting it came from (see meetings)."),
            Field("address", "Where it applies."),
            Field("latitude", "Latitude (WGS 84)."),
            Field("longitude", "Longitude (WGS 84)."),
            Field("url", "Its address in the API."),
        ],
        _proposals_query,
        _proposal_record,
        prepare=_hidden_supports,
        counters_updated_at=Proposal.updated_at,
    )
)


# Comments


def _comments_query(now: datetime) -> Rows:
    from app.services.resources import readable_reference

    author = aliased(User)
    return (
        select(
            Comment.id,
            Comment.created_at,
            Comment.body,
            Comment.author_id,
            author.name.label("author_name"),
            author.deleted_at.label("author_deleted_at"),
            Comment.alignment,
            Comment.depth,
            Comment.parent_id,
            Comment.resource_type,
            Comment.resource_id,
            Comment.up_votes,
            Comment.down_votes,
        )
        .join(author, author.id == Comment.author_id)
        .where(
            comments.standing(),
            readable_reference(Comment.resource_type, Comment.resource_id, None, now),
        )
        .order_by(Comment.id)
    )


def _comment_record(row: Any, context: ExportContext) -> Record:
    present = row.author_deleted_at is None
    return {
        "id": row.id,
        "created_at": row.created_at,
        "body": plain(row.body),
        "locale": context.default_locale,
        "author/id": row.author_id if present else None,
        "author/name": row.author_name if present else None,
        "alignment": ALIGNMENT.get(row.alignment, 0),
        "depth": row.depth,
        "parent/id": row.parent_id,
        "commentable_id": row.resource_id,
        "commentable_type": DECIDIM_TYPES.get(row.resource_type, row.resource_type),
        "root_commentable_url": _api(
            context, f"{row.resource_type}s/{row.resource_id}"
        ),
        "votes/up": row.up_votes,
        "votes/down": row.down_votes,
    }


register(
    Exporter(
        "comments",
        "Comments on public content; deleted comments are left out.",
        [
            Field("id", "The comment's id."),
            Field("created_at", "When it was written."),
            Field("body", "Text, plain."),
            Field("locale", "The platform's locale (comments carry none)."),
            Field("author/id", "The author's public account id."),
            Field("author/name", "The author's public name."),
            Field("alignment", "1 in favour, 0 neutral, -1 against."),
            Field("depth", "0 for a comment, 1 to 3 for replies."),
            Field("parent/id", "The comment it replies to."),
            Field("commentable_id", "The id of what it comments on."),
            Field("commentable_type", "What it comments on (Decidim's type names)."),
            Field("root_commentable_url", "The address of what it comments on."),
            Field("votes/up", "Up votes."),
            Field("votes/down", "Down votes."),
        ],
        _comments_query,
        _comment_record,
    )
)


# Debates


def _debates_query(now: datetime) -> Rows:
    return (
        select(
            Debate.id,
            Debate.title,
            Debate.description,
            Debate.official,
            Debate.starts_at,
            Debate.ends_at,
            Debate.closed_at,
            Debate.conclusions,
            Debate.comments_count,
            Debate.endorsements_count,
            Debate.created_at,
            Debate.component_id,
            Component.space_id,
        )
        .join(Component, Component.id == Debate.component_id)
        .where(_public("debate", Debate, now))
        .order_by(Debate.id)
    )


def _debate_record(row: Any, context: ExportContext) -> Record:
    return {
        "id": row.id,
        "title": row.title,
        "description": _plain(row.description),
        "official": row.official,
        "start_time": row.starts_at,
        "end_time": row.ends_at,
        "closed_at": row.closed_at,
        "conclusions": _plain(row.conclusions),
        **_in_space(row, context),
        "comments": row.comments_count,
        "endorsements/total_count": row.endorsements_count,
        "created_at": row.created_at,
        "url": _api(context, f"debates/{row.id}"),
    }


register(
    Exporter(
        "debates",
        "Debates, open and closed, with their conclusions.",
        [
            Field("id", "The debate's id."),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("official", "Opened by the organisation."),
            Field("start_time", "When comments open, if set."),
            Field("end_time", "When comments close, if set."),
            Field("closed_at", "When the team closed it."),
            Field("conclusions", "Conclusions, plain.", translated=True),
            *_in_space_fields(),
            Field("comments", "Comments."),
            Field("endorsements/total_count", "Endorsements."),
            Field("created_at", "When it was opened."),
            Field("url", "Its address in the API."),
        ],
        _debates_query,
        _debate_record,
        counters_updated_at=Debate.updated_at,
    )
)


# Meetings


def _meetings_query(now: datetime) -> Rows:
    base = (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.description,
            Meeting.type,
            Meeting.address,
            Meeting.location_hints,
            Meeting.latitude,
            Meeting.longitude,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.published_at,
            Meeting.cancelled_at,
            Meeting.withdrawn_at,
            Meeting.closed_at,
            Meeting.closing_report,
            Meeting.minutes_visible,
            Meeting.attendees_count,
            Meeting.contributions_count,
            Meeting.attending_organisations,
            Meeting.registrations_count,
            Meeting.comments_count,
            Meeting.component_id,
            Component.space_id,
            *_taxonomy_columns(),
        )
        .join(Component, Component.id == Meeting.component_id)
        .where(_public("meeting", Meeting, now), Meeting.published_at.is_not(None))
    )
    return _with_taxonomies(base, Meeting.scope_id, Meeting.area_id).order_by(
        Meeting.id
    )


def _meeting_record(row: Any, context: ExportContext) -> Record:
    minutes = row.closed_at is not None and row.minutes_visible
    return {
        "id": row.id,
        **_taxonomy(row, "scope", "category"),
        **_in_space(row, context),
        "title": row.title,
        "description": _plain(row.description),
        "type_of_meeting": row.type,
        "start_time": row.starts_at,
        "end_time": row.ends_at,
        "address": row.address,
        "location": _plain(row.location_hints),
        "latitude": row.latitude,
        "longitude": row.longitude,
        "registrations": row.registrations_count,
        "attendees": row.attendees_count if minutes else None,
        "contributions": row.contributions_count if minutes else None,
        "organizations": row.attending_organisations if minutes else None,
        "closing_report": _plain(row.closing_report) if minutes else {},
        "comments": row.comments_count,
        "published_at": row.published_at,
        "cancelled_at": row.cancelled_at,
        "withdrawn_at": row.withdrawn_at,
        "url": _api(context, f"meetings/{row.id}"),
    }


register(
    Exporter(
        "meetings",
        "Published meetings; minutes figures once the minutes are public.",
        [
            Field("id", "The meeting's id."),
            *_taxonomy_fields("scope", "category"),
            *_in_space_fields(),
            Field("title", "Title.", translated=True),
            Field("description", "Description, plain.", translated=True),
            Field("type_of_meeting", "in_person, online or hybrid."),
            Field("start_time", "Start (ISO 8601)."),
            Field("end_time", "End (ISO 8601)."),
            Field("address", "Address of an in-person meeting."),
            Field("location", "How to find the place.", translated=True),
            Field("latitude", "Latitude (WGS 84)."),
            Field("longitude", "Longitude (WGS 84)."),
            Field("registrations", "Confirmed registrations."),
            Field("attendees", "Attendees, from the public minutes."),
            Field("contributions", "Contributions, from the public minutes."),
            Field("organizations", "Attending organisations, from the minutes."),
            Field("closing_report", "The public minutes, plain.", translated=True),
            Field("comments", "Comments."),
            Field("published_at", "When it was announced."),
            Field("cancelled_at", "When it was cancelled."),
            Field("withdrawn_at", "When it was withdrawn."),
            Field("url", "Its address in the API."),
        ],
        _meetings_query,
        _meeting_record,
        counters_updated_at=Meeting.updated_at,
    )
)


# Scopes and areas


register(
    Exporter(
        "scopes",
        "The territorial tree: the municipality, its regional administrations"
        " and their neighbourhoods.",
        [
            Field("id", "The scope's id."),
            Field("parent/id", "The scope it is part of."),
            Field("code", "Its code."),
            Field("type", "municipality, regional or neighbourhood (or other)."),
            Field("name", "Name.", translated=True),
            Field("population", "Inhabitants, where known."),
        ],
        lambda _now: select(
            Scope.id,
            Scope.parent_id,
            Scope.code,
            Scope.type,
            Scope.name,
            Scope.population,
        ).order_by(Scope.id),
        lambda row, _context: {
            "id": row.id,
            "parent/id": row.parent_id,
            "code": row.code,
            "type": row.type,
            "name": row.name,
            "population": row.population,
        },
    )
)
register(
    Exporter(
        "areas",
        "Themes (Decidim's areas), grouped by area type.",
        [
            Field("id", "The area's id."),
            Field("area_type/id", "Its area type."),
            Field("area_type/name", "The area type's name.", translated=True),
            Field("name", "Name.", translated=True),
        ],
        lambda _now: (
            select(
                Area.id,
                Area.name,
                AreaType.id.label("type_id"),
                AreaType.name.label("type_name"),
            )
            .outerjoin(AreaType, AreaType.id == Area.area_type_id)
            .order_by(Area.id)
        ),
        lambda row, _context: {
            "id": row.id,
            "area_type/id": row.type_id,
            "area_type/name": row.type_name,
            "name": row.name,
        },
    )
)
