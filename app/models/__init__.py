"""Every model, imported so that the metadata knows all tables."""

from app.models.accountability import Result, ResultLink, ResultStatus, ResultUpdate
from app.models.action_log import ActionLogEntry
from app.models.api_keys import ApiKey
from app.models.attachments import Attachment
from app.models.base import Base
from app.models.budgets import (
    Ballot,
    BallotItem,
    Budget,
    BudgetProject,
    BudgetProjectProposal,
)
from app.models.comments import Comment, CommentVote
from app.models.components import Component, Page, Post
from app.models.councils import CouncilSeat, CouncilSectorRequirement
from app.models.debates import Debate
from app.models.devices import PushDevice
from app.models.endorsements import Endorsement
from app.models.events import ChangeLogEntry, OutboxEvent
from app.models.follows import Follow
from app.models.idempotency import IdempotencyRecord
from app.models.imports import ImportedRecord, PendingComment
from app.models.meetings import (
    CalendarToken,
    Meeting,
    MeetingAgendaItem,
    MeetingAttendance,
    MeetingRegistration,
)
from app.models.moderation import Moderation, Report
from app.models.notifications import (
    Notification,
    NotificationPreference,
    NotificationSettings,
    ScheduledSend,
)
from app.models.privacy import DataExport
from app.models.proposals import (
    Proposal,
    ProposalCoauthor,
    ProposalEvaluator,
    ProposalInterestGroup,
    ProposalParticipant,
    ProposalSupport,
)
from app.models.search import SearchDocument
from app.models.spaces import (
    Phase,
    Space,
    SpaceInterestGroup,
    SpaceMember,
    SpaceRole,
)
from app.models.stats import StatsSnapshot
from app.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyQuestion,
    SurveyResponse,
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
from app.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "ActionLogEntry",
    "ApiKey",
    "Area",
    "AreaType",
    "Attachment",
    "Ballot",
    "BallotItem",
    "Base",
    "Budget",
    "BudgetProject",
    "BudgetProjectProposal",
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
    "IdempotencyRecord",
    "ImportedRecord",
    "InterestGroup",
    "Meeting",
    "MeetingAgendaItem",
    "MeetingAttendance",
    "MeetingRegistration",
    "Moderation",
    "Notification",
    "NotificationPreference",
    "NotificationSettings",
    "OutboxEvent",
    "Page",
    "PendingComment",
    "Phase",
    "Post",
    "Proposal",
    "ProposalCoauthor",
    "ProposalEvaluator",
    "ProposalInterestGroup",
    "ProposalParticipant",
    "ProposalSupport",
    "PushDevice",
    "RefreshToken",
    "Report",
    "ResidentDeclaration",
    "Result",
    "ResultLink",
    "ResultStatus",
    "ResultUpdate",
    "ScheduledSend",
    "Scope",
    "SearchDocument",
    "Space",
    "SpaceInterestGroup",
    "SpaceMember",
    "SpaceRole",
    "StatsSnapshot",
    "Survey",
    "SurveyAnswer",
    "SurveyAnswerChoice",
    "SurveyQuestion",
    "SurveyResponse",
    "User",
    "UserInterestGroup",
    "UserToken",
    "WebhookDelivery",
    "WebhookSubscription",
]
