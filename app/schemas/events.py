"""The catalogue of domain events: each event type and the payload it carries.

Services emit events with ``outbox.emit(session, "x.y", payload)``; the payload
is the JSON form of the model registered here for ``"x.y"``. Webhook deliveries
wrap it in a ``WebhookMessage`` (see docs/events.md). A new event type is one
``@event("x.y", "...")`` on its payload model.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

M = TypeVar("M", bound=type[BaseModel])


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    payload: type[BaseModel]


CATALOGUE: dict[str, EventType] = {}
"""Every public event type by name: what webhooks may subscribe to."""

INTERNAL_EVENTS = frozenset(
    {"privacy.export_created", "mail.send", "webhook.deliver", "push.send"}
)
"""Outbox events that only this service consumes; never sent to integrators."""


def event(name: str, description: str) -> Callable[[M], M]:
    """Register the decorated model as the payload of event ``name``."""

    def register(model: M) -> M:
        if name in CATALOGUE:
            raise ValueError(f"event type {name!r} is registered twice")
        CATALOGUE[name] = EventType(name, description, model)
        return model

    return register


def register(name: str, description: str, payload: type[BaseModel]) -> None:
    """Register an event type whose payload model is already registered."""
    event(name, description)(payload)


class EventPayload(BaseModel):
    """Payloads may gain fields; consumers ignore those they do not know."""

    model_config = ConfigDict(extra="allow")


# Proposals


@event("proposal.published", "A proposal (or demand) was published.")
class ProposalEvent(EventPayload):
    proposal_id: int
    component_id: int
    space_id: int
    author_id: int | None = Field(
        description="The authoring user; null for the organisation or a meeting."
    )
    reference: str | None = Field(description="The public reference (PROP-...).")


register("proposal.withdrawn", "Its author withdrew a proposal.", ProposalEvent)
register(
    "proposal.threshold_reached",
    "A proposal reached the supports threshold of its component.",
    ProposalEvent,
)


@event("proposal.supported", "A participant supported a proposal.")
class ProposalSupportEvent(ProposalEvent):
    user_id: int = Field(description="Who supported, or took the support back.")


register(
    "proposal.unsupported", "A participant took a support back.", ProposalSupportEvent
)


@event("proposal.answered", "A proposal's official answer was published.")
class ProposalAnsweredEvent(ProposalEvent):
    answer_state: str | None = Field(
        description="evaluating, accepted, rejected or a custom state of the component."
    )
    actor_id: int | None = Field(None, description="The staff member who answered.")


@event("proposal.rated", "The author of an answered demand rated the answer.")
class ProposalRatedEvent(ProposalEvent):
    satisfaction: int = Field(description="1 (unsatisfied) to 5 (satisfied).")


# Debates, comments, endorsements


@event("debate.created", "A debate was opened.")
class DebateEvent(EventPayload):
    debate_id: int
    component_id: int
    space_id: int
    author_id: int | None
    official: bool = Field(description="Opened by the organisation.")


register("debate.closed", "A debate was closed with its conclusions.", DebateEvent)


@event("comment.created", "A comment was posted on a resource, or a reply on one.")
class CommentCreatedEvent(EventPayload):
    comment_id: int
    action: Literal["commented", "replied"]
    resource_type: str = Field(description="What was commented: proposal, debate...")
    resource_id: int
    space_id: int | None
    author_id: int
    parent_id: int | None = Field(description="The comment replied to, if any.")
    parent_author_id: int | None
    depth: int


@event("endorsement.created", "A participant endorsed a resource.")
class EndorsementCreatedEvent(EventPayload):
    resource_type: str
    resource_id: int
    space_id: int | None
    user_id: int


# Meetings


@event("meeting.published", "A meeting was published.")
class MeetingEvent(EventPayload):
    meeting_id: int
    component_id: int
    space_id: int
    starts_at: datetime
    ends_at: datetime


@event("meeting.cancelled", "A meeting was called off.")
class MeetingCancelledEvent(MeetingEvent):
    reason: str
    actor_id: int | None = Field(None, description="Who called it off.")


@event("meeting.closed", "A meeting was closed, with its minutes to come.")
class MeetingClosedEvent(MeetingEvent):
    attendees_count: int | None
    actor_id: int | None = Field(None, description="Who closed it.")


@event("registration.confirmed", "A participant's place at a meeting is confirmed.")
class RegistrationEvent(MeetingEvent):
    registration_id: int
    user_id: int


register(
    "registration.promoted",
    "A participant on the waitlist got a place at a meeting.",
    RegistrationEvent,
)


# Participatory budgeting


@event("budget.ballot_checked_out", "A voter cast their ballot in a budget.")
class BudgetEvent(EventPayload):
    budget_id: int
    component_id: int
    space_id: int


@event("budget.ballot_cancelled", "A voter withdrew their cast ballot.")
class BallotEvent(BudgetEvent):
    ballot_id: int = Field(description="Ballots never name their voter here.")


@event("budget.paper_ballots_recorded", "Paper ballots were recorded in bulk.")
class PaperBallotsEvent(BudgetEvent):
    count: int


@event("budget.outcome_published", "A budget's outcome was published.")
class BudgetOutcomeEvent(BudgetEvent):
    rule: str | None
    selected_project_ids: list[int]


# Surveys


@event("survey.published", "A survey or consultation was published.")
class SurveyEvent(EventPayload):
    survey_id: int
    component_id: int
    space_id: int


@event("survey.response_submitted", "A participant answered a survey.")
class SurveyResponseEvent(SurveyEvent):
    response_id: int = Field(description="Responses never name their author here.")


register(
    "survey.response_updated",
    "A participant changed their answers.",
    SurveyResponseEvent,
)


# Accountability


@event("result.created", "A result was added to an accountability component.")
class ResultEvent(EventPayload):
    result_id: int
    component_id: int
    space_id: int
    progress: float | None


@event("result.updated", "A result changed; ``changes`` names the fields.")
class ResultUpdateEvent(ResultEvent):
    changes: list[str]


register("result.deleted", "A result was deleted.", ResultEvent)


@event("result.timeline_updated", "An entry was added to a result's timeline.")
class ResultTimelineEvent(ResultEvent):
    entry_id: int


@event("results.imported", "Results were imported from a Decidim CSV.")
class ResultsImportedEvent(EventPayload):
    component_id: int
    space_id: int
    created: int
    updated: int


@event("decidim.imported", "A Decidim open-data export was imported.")
class DecidimImportedEvent(EventPayload):
    sources: list[str]
    created: dict[str, int] = Field(description="New rows by kind.")
    updated: dict[str, int] = Field(description="Changed rows by kind.")
    comments_waiting: int = Field(
        description="Comments of the export whose subject is not imported yet."
    )


@event("results.created_from_budget", "Results were made from a budget's winners.")
class ResultsFromBudgetEvent(EventPayload):
    component_id: int
    space_id: int
    budget_id: int
    result_ids: list[int]


# Moderation and accounts


@event("moderation.hidden", "Moderators hid a piece of content; its author is told.")
class ModerationEvent(EventPayload):
    moderation_id: int
    resource_type: str
    resource_id: int
    space_id: int | None
    author_id: int | None = Field(
        description="Never the reporters: nobody is told who reported."
    )
    reports_count: int
    by_moderator: bool = Field(description="False when the reports' threshold hid it.")


register(
    "moderation.restored", "Moderators showed hidden content again.", ModerationEvent
)


@event("user.blocked", "An organisation admin blocked an account.")
class UserEvent(EventPayload):
    user_id: int


register(
    "user.deleted",
    "A participant deleted their account; their data is erased.",
    UserEvent,
)


# Webhook messages


class WebhookMessage(BaseModel):
    """The body of every webhook delivery; ``data`` is the event's payload."""

    id: str = Field(
        description="The event's id, also sent as webhook-id: the same on every "
        "retry and replay, so a consumer de-duplicates with it."
    )
    type: str = Field(description="The event type, from the catalogue.")
    timestamp: datetime = Field(description="When the event happened.")
    data: dict[str, Any]


def message_model(event_type: EventType) -> type[WebhookMessage]:
    """The webhook body of ``event_type``, as a model for the OpenAPI document."""
    camel = "".join(
        part.title() for part in event_type.name.replace(".", "_").split("_")
    )
    return create_model(
        f"{camel}Message",
        __base__=WebhookMessage,
        __doc__=event_type.description,
        type=(Literal[event_type.name], ...),  # type: ignore[arg-type]
        data=(event_type.payload, ...),
    )
