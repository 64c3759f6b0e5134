"""Every model, imported so that the metadata knows all tables."""

from app.models.action_log import ActionLogEntry
from app.models.base import Base
from app.models.components import Component, Page, Post
from app.models.councils import CouncilSeat, CouncilSectorRequirement
from app.models.events import ChangeLogEntry, OutboxEvent
from app.models.meetings import (
    CalendarToken,
    Meeting,
    MeetingAgendaItem,
    MeetingAttendance,
    MeetingRegistration,
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
    "Area",
    "AreaType",
    "Base",
    "CalendarToken",
    "ChangeLogEntry",
    "Component",
    "CouncilSeat",
    "CouncilSectorRequirement",
    "InterestGroup",
    "Meeting",
    "MeetingAgendaItem",
    "MeetingAttendance",
    "MeetingRegistration",
    "OutboxEvent",
    "Page",
    "Phase",
    "Post",
    "RefreshToken",
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
