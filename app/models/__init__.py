"""Every model, imported so that the metadata knows all tables."""

from app.models.action_log import ActionLogEntry
from app.models.api_keys import ApiKey
from app.models.attachments import Attachment
from app.models.base import Base
from app.models.comments import Comment, CommentVote
from app.models.components import Component, Page, Post
from app.models.councils import CouncilSeat, CouncilSectorRequirement
from app.models.debates import Debate
from app.models.endorsements import Endorsement
from app.models.events import ChangeLogEntry, OutboxEvent
from app.models.follows import Follow
from app.models.meetings import (
    CalendarToken,
    Meeting,
    MeetingAgendaItem,
    MeetingAttendance,
    MeetingRegistration,
)
from app.models.moderation import Moderation, Report
from app.models.privacy import DataExport
from app.models.proposals import (
    Proposal,
    ProposalCoauthor,
    ProposalEvaluator,
    ProposalInterestGroup,
    ProposalParticipant,
    ProposalSupport,
)
from app.models.spaces import (
    Phase,
    Space,
    SpaceInterestGroup,
    SpaceMember,
    SpaceRole,
)
from app.models.taxonomies import (
    Area,
    AreaType,
    InterestGroup,
    ResidentDeclaration,
    Scope,
    UserInterestGroup,
)
from app.models.users import RefreshToken, User, UserToken

__all__ = [
    "ActionLogEntry",
    "ApiKey",
    "Area",
    "AreaType",
    "Attachment",
    "Base",
    "CalendarToken",
    "ChangeLogEntry",
    "Comment",
    "CommentVote",
    "Component",
    "CouncilSeat",
    "CouncilSectorRequirement",
    "DataExport",
    "Debate",
    "Endorsement",
    "Follow",
    "InterestGroup",
    "Meeting",
    "MeetingAgendaItem",
    "MeetingAttendance",
    "MeetingRegistration",
    "Moderation",
    "OutboxEvent",
    "Page",
    "Phase",
    "Post",
    "Proposal",
    "ProposalCoauthor",
    "ProposalEvaluator",
    "ProposalInterestGroup",
    "ProposalParticipant",
    "ProposalSupport",
    "RefreshToken",
    "Report",
    "ResidentDeclaration",
    "Scope",
    "Space",
    "SpaceInterestGroup",
    "SpaceMember",
    "SpaceRole",
    "User",
    "UserInterestGroup",
    "UserToken",
]
