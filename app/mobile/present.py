"""Cards and screens of the app, built from rows a service returned.

Each function takes a whole page and runs a fixed number of queries whatever
its length; the rules (states, hidden counts, who may support) come from the
services.
"""

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mobile import cards
from app.models.accountability import Result
from app.models.attachments import Attachment
from app.models.budgets import BudgetProject
from app.models.comments import Comment
from app.models.components import Component, Post
from app.models.debates import Debate
from app.models.follows import Follow
from app.models.meetings import Meeting, MeetingRegistration, RegistrationStatus
from app.models.proposals import Proposal, ProposalSupport
from app.models.spaces import Phase, Space
from app.models.users import User
from app.schemas.components import Switches
from app.services import budgets, meetings, proposals
from app.services.components import switches_in_force
from app.services.richtext import sanitize

ModelT = TypeVar("ModelT")
SUMMARY_LENGTH = 280
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads, in which locale, and where files are served from."""

    viewer: User | None
    locale: str
    default_locale: str
    base_url: str

    def text(self, texts: dict[str, str] | None) -> tuple[str, str]:
        """The text for this reader and the locale it is written in.

        The requested locale, else its language, else the default, else the
        first text present (as ``translations.resolve``).
        """
        if not texts:
            return "", self.default_locale
        if texts.get(self.locale):
            return texts[self.locale], self.locale
        language = self.locale.split("-")[0]
        for key, value in texts.items():
            if key.split("-")[0] == language and value:
                return value, key
        if texts.get(self.default_locale):
            return texts[self.default_locale], self.default_locale
        for key, value in texts.items():
            if value:
                return value, key
        return "", self.default_locale

    def plain(self, texts: dict[str, str] | None) -> str:
        return summary(self.text(texts)[0])

    def html(self, texts: dict[str, str] | None) -> str:
        return sanitize(self.text(texts)[0])

    def file_url(self, attachment_id: int) -> str:
        return f"{self.base_url}/api/v1/attachments/{attachment_id}/file"


def summary(markup: str, length: int = SUMMARY_LENGTH) -> str:
    """Plain text of some HTML, cut at a word before ``length`` characters."""
    text = _SPACES.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0]
    return cut + "…"


async def in_order(
    session: AsyncSession, model: type[ModelT], ids: Sequence[int]
) -> list[ModelT]:
    """Rows of ``model`` with these ids, in the order of ``ids``."""
    if not ids:
        return []
    rows = await session.scalars(select(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
    found = {row.id: row for row in rows}  # type: ignore[attr-defined]
    return [found[row_id] for row_id in ids if row_id in found]


async def _followed(
    session: AsyncSession, reader: Reader, kind: str, ids: Sequence[int]
) -> set[int] | None:
    if reader.viewer is None:
        return None
    if not ids:
        return set()
    found = await session.scalars(
        select(Follow.resource_id).where(
            Follow.user_id == reader.viewer.id,
            Follow.resource_type == kind,
            Follow.resource_id.in_(ids),
        )
    )
    return set(found)


# Spaces


async def space_cards(
    session: AsyncSession, reader: Reader, spaces: Sequence[Space]
) -> list[cards.SpaceCard]:
    followed = await _followed(session, reader, "space", [s.id for s in spaces])
    return [_space_card(reader, space, followed) for space in spaces]


def _space_card(
    reader: Reader, space: Space, followed: set[int] | None
) -> cards.SpaceCard:
    title, locale = reader.text(space.title)
    about = space.short_description or space.description
    return cards.SpaceCard(
        id=space.id,
        locale=locale,
        kind=space.kind,
        slug=space.slug,
        title=title,
        subtitle=reader.plain(space.subtitle),
        summary=reader.plain(about),
        image_url=space.hero_image_url,
        status=space.status,
        start_date=space.start_date,
        end_date=space.end_date,
        scope_id=space.scope_id,
        area_id=space.area_id,
        viewer=None
        if followed is None
        else cards.SpaceViewer(following=space.id in followed),
    )


async def space_detail(
    session: AsyncSession,
    reader: Reader,
    space: Space,
    components: Sequence[Component],
) -> cards.SpaceDetail:
    card = (await space_cards(session, reader, [space]))[0]
    return cards.SpaceDetail(
        **card.model_dump(),
        description_html=reader.html(space.description),
        components=[
            cards.ComponentCard(
                id=component.id,
                type=component.type,
                name=reader.text(component.name)[0],
            )
            for component in components
        ],
    )


# Proposals


async def _component_switches(
    session: AsyncSession, component_ids: set[int]
) -> dict[int, tuple[int, Switches]]:
    """Each component's space and switches in force, in one query."""
    if not component_ids:
        return {}
    rows = await session.execute(
        select(Component, Phase.id)
        .outerjoin(Phase, and_(Phase.space_id == Component.space_id, Phase.active))
        .where(Component.id.in_(component_ids))
    )
    return {
        component.id: (component.space_id, switches_in_force(component, phase_id))
        for component, phase_id in rows
    }


async def images_of(
    session: AsyncSession, kind: str, ids: Sequence[int]
) -> dict[int, list[int]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Attachment.resource_id, Attachment.id)
        .where(
            Attachment.resource_type == kind,
            Attachment.resource_id.in_(ids),
            Attachment.deleted_at.is_(None),
            Attachment.content_type.like("image/%"),
        )
        .order_by(Attachment.resource_id, Attachment.position, Attachment.id)
    )
    found: dict[int, list[int]] = {}
    for resource_id, attachment_id in rows:
        found.setdefault(resource_id, []).append(attachment_id)
    return found


async def _supported(
    session: AsyncSession, reader: Reader, ids: Sequence[int]
) -> set[int]:
    if reader.viewer is None or not ids:
        return set()
    found = await session.scalars(
        select(ProposalSupport.proposal_id).where(
            ProposalSupport.user_id == reader.viewer.id,
            ProposalSupport.proposal_id.in_(ids),
        )
    )
    return set(found)


async def proposal_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Proposal]
) -> list[cards.ProposalCard]:
    ids = [proposal.id for proposal in found]
    context = await _component_switches(session, {p.component_id for p in found})
    images = await images_of(session, "proposal", ids)
    followed = await _followed(session, reader, "proposal", ids)
    supported = await _supported(session, reader, ids)
    built = []
    for proposal in found:
        space_id, switches = context[proposal.component_id]
        viewer = None
        if followed is not None:
            viewer = cards.ProposalViewer(
                supported=proposal.id in supported,
                following=proposal.id in followed,
                may_support=False,
                why_not=None,
            )
        built.append(
            _proposal_card(
                reader, proposal, space_id, switches, images.get(proposal.id), viewer
            )
        )
    return built


def _proposal_card(
    reader: Reader,
    proposal: Proposal,
    space_id: int,
    switches: Switches,
    images: list[int] | None,
    viewer: cards.ProposalViewer | None,
) -> cards.ProposalCard:
    title, locale = reader.text(proposal.title)
    return cards.ProposalCard(
        id=proposal.id,
        locale=locale,
        space_id=space_id,
        component_id=proposal.component_id,
        reference=proposal.reference,
        title=title,
        summary=reader.plain(proposal.body),
        image_url=reader.file_url(images[0]) if images else None,
        status=proposal.status,
        state=proposals.public_state(proposal),
        supports_count=None if switches.supports_hidden else proposal.supports_count,
        comments_count=proposal.comments_count,
        scope_id=proposal.scope_id,
        address=proposal.address,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        published_at=proposal.published_at,
        viewer=viewer,
    )


async def proposal_detail(
    session: AsyncSession, reader: Reader, context: proposals.ProposalContext
) -> cards.ProposalDetail:
    proposal = context.proposal
    card = (await proposal_cards(session, reader, [proposal]))[0]
    if card.viewer is not None and reader.viewer is not None:
        why_not = await proposals.support_refusal(session, reader.viewer, context)
        card.viewer.may_support = why_not is None
        card.viewer.why_not = why_not
    images = (await images_of(session, "proposal", [proposal.id])).get(proposal.id, [])
    answered = proposal.answer_published_at is not None and proposal.answer
    return cards.ProposalDetail(
        **card.model_dump(),
        body_html=reader.html(proposal.body),
        answer_html=reader.html(proposal.answer) if answered else None,
        image_urls=[reader.file_url(image) for image in images],
    )


# Meetings


async def _registrations(
    session: AsyncSession, reader: Reader, ids: Sequence[int]
) -> dict[int, RegistrationStatus]:
    if reader.viewer is None or not ids:
        return {}
    rows = await session.execute(
        select(MeetingRegistration.meeting_id, MeetingRegistration.status).where(
            MeetingRegistration.user_id == reader.viewer.id,
            MeetingRegistration.meeting_id.in_(ids),
        )
    )
    return {meeting_id: RegistrationStatus(status) for meeting_id, status in rows}


async def _spaces_of(session: AsyncSession, component_ids: set[int]) -> dict[int, int]:
    if not component_ids:
        return {}
    rows = await session.execute(
        select(Component.id, Component.space_id).where(Component.id.in_(component_ids))
    )
    return {component_id: space_id for component_id, space_id in rows}


async def meeting_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Meeting]
) -> list[cards.MeetingCard]:
    ids = [meeting.id for meeting in found]
    spaces = await _spaces_of(session, {meeting.component_id for meeting in found})
    followed = await _followed(session, reader, "meeting", ids)
    registered = await _registrations(session, reader, ids)
    return [
        _meeting_card(
            reader,
            meeting,
            spaces[meeting.component_id],
            None
            if followed is None
            else cards.MeetingViewer(
                following=meeting.id in followed,
                registration=registered.get(meeting.id),
            ),
        )
        for meeting in found
    ]


def _meeting_card(
    reader: Reader,
    meeting: Meeting,
    space_id: int,
    viewer: cards.MeetingViewer | None,
) -> cards.MeetingCard:
    title, locale = reader.text(meeting.title)
    return cards.MeetingCard(
        id=meeting.id,
        locale=locale,
        space_id=space_id,
        component_id=meeting.component_id,
        title=title,
        summary=reader.plain(meeting.description),
        type=meeting.type,
        state=meetings.state_of(meeting),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        address=meeting.address,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        registrations_count=meeting.registrations_count,
        comments_count=meeting.comments_count,
        viewer=viewer,
    )


async def meeting_detail(
    session: AsyncSession, reader: Reader, view: meetings.MeetingView
) -> cards.MeetingDetail:
    card = (await meeting_cards(session, reader, [view.meeting]))[0]
    return cards.MeetingDetail(
        **card.model_dump(),
        description_html=reader.html(view.meeting.description),
        capacity=view.meeting.capacity,
        registrations_close_at=meetings.closes_at(view.meeting),
    )


# Comments


async def comment_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Comment]
) -> list[cards.CommentCard]:
    author_ids = {comment.author_id for comment in found}
    names: dict[int, str] = {}
    if author_ids:
        rows = await session.execute(
            select(User.id, User.name).where(User.id.in_(author_ids))
        )
        names = {user_id: name for user_id, name in rows}
    return [
        cards.CommentCard(
            id=comment.id,
            resource_type=comment.resource_type,
            resource_id=comment.resource_id,
            parent_id=comment.parent_id,
            depth=comment.depth,
            body=summary(comment.body, length=10_000),
            alignment=comment.alignment,
            author_name=names.get(comment.author_id, ""),
            up_votes=comment.up_votes,
            down_votes=comment.down_votes,
            replies_count=comment.replies_count,
            created_at=comment.created_at,
        )
        for comment in found
    ]


# The newer kinds, as sync sends them (the public's view)


async def debate_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Debate]
) -> list[cards.DebateCard]:
    spaces = await _spaces_of(session, {debate.component_id for debate in found})
    return [
        cards.DebateCard(
            id=debate.id,
            locale=reader.text(debate.title)[1],
            space_id=spaces[debate.component_id],
            component_id=debate.component_id,
            title=reader.text(debate.title)[0],
            summary=reader.plain(debate.description),
            official=debate.official,
            starts_at=debate.starts_at,
            ends_at=debate.ends_at,
            closed_at=debate.closed_at,
            comments_count=debate.comments_count,
            created_at=debate.created_at,
        )
        for debate in found
    ]


async def post_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Post]
) -> list[cards.PostCard]:
    spaces = await _spaces_of(session, {post.component_id for post in found})
    return [
        cards.PostCard(
            id=post.id,
            locale=reader.text(post.title)[1],
            space_id=spaces[post.component_id],
            component_id=post.component_id,
            title=reader.text(post.title)[0],
            summary=reader.plain(post.body),
            published_at=post.published_at,
        )
        for post in found
    ]


async def budget_project_cards(
    session: AsyncSession, reader: Reader, found: Sequence[BudgetProject]
) -> list[cards.BudgetProjectCard]:
    """Projects as the public sees them: votes hidden by the budget's rules."""
    reads = await budgets.reads_of(session, reader.viewer, list(found))
    spaces = await _spaces_of(session, {read.component_id for read in reads})
    return [
        cards.BudgetProjectCard(
            id=read.id,
            locale=reader.text(read.title)[1],
            space_id=spaces[read.component_id],
            component_id=read.component_id,
            budget_id=read.budget_id,
            title=reader.text(read.title)[0],
            summary=reader.plain(read.description),
            amount=read.amount,
            scope_id=read.scope_id,
            address=read.address,
            latitude=read.latitude,
            longitude=read.longitude,
            votes_count=read.votes_count,
            comments_count=read.comments_count,
            selected=read.selected,
        )
        for read in reads
    ]


async def result_cards(
    session: AsyncSession, reader: Reader, found: Sequence[Result]
) -> list[cards.ResultCard]:
    spaces = await _spaces_of(session, {result.component_id for result in found})
    return [
        cards.ResultCard(
            id=result.id,
            locale=reader.text(result.title)[1],
            space_id=spaces[result.component_id],
            component_id=result.component_id,
            parent_id=result.parent_id,
            title=reader.text(result.title)[0],
            summary=reader.plain(result.description),
            status_id=result.status_id,
            progress=result.progress,
            start_date=result.start_date,
            end_date=result.end_date,
            scope_id=result.scope_id,
            comments_count=result.comments_count,
        )
        for result in found
    ]
