"""Surveys: questionnaires of a surveys component and the responses they take."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, IdMixin, JsonDocument, TimestampMixin, Tracked


class QuestionType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RANKING = "ranking"
    MATRIX_SINGLE = "matrix_single"
    MATRIX_MULTIPLE = "matrix_multiple"
    NUMBER = "number"


class Survey(IdMixin, TimestampMixin, Tracked, Base):
    """A questionnaire; a consultation when it carries context for the reader.

    Answers are taken from ``opens_on`` to ``closes_on`` (both included), days
    counted in the organisation's time zone. ``responses_count`` changes in the
    same transaction as the response it counts.
    """

    __tablename__ = "surveys"
    __change_type__ = "survey"
    __change_ignore__ = frozenset({"responses_count"})
    __table_args__ = (
        Index("ix_surveys_component", "component_id", "id"),
        CheckConstraint(
            "closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on",
            name="closes_after_opening",
        ),
        CheckConstraint("responses_count >= 0", name="responses_count"),
    )

    component_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("components.id", ondelete="CASCADE")
    )
    title: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    terms: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    consultation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """A public-policy consultation: ``context`` and attachments inform answers."""
    context: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    """Context texts, each ``{"title": {...}, "body": {...}}``."""
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    published_at: Mapped[datetime | None]
    responses_count: Mapped[int] = mapped_column(default=0, server_default="0")


class SurveyQuestion(IdMixin, TimestampMixin, Base):
    """A question; shown only when ``condition_question_id`` got ``condition_option``.

    ``options`` are ``{"key", "body", "free_text"}`` maps (a free-text option is
    the "other" answer); ``rows`` are a matrix's ``{"key", "body"}`` rows.
    """

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    survey_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("surveys.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    type: Mapped[QuestionType] = mapped_column(String(20))
    body: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    description: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    mandatory: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    max_choices: Mapped[int | None]
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    condition_question_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    condition_option: Mapped[str | None] = mapped_column(String(40))


class SurveyResponse(IdMixin, TimestampMixin, Base):
    """One participant's answers to a survey; one per participant."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        Index("ix_survey_responses_user", "user_id"),
    )

    survey_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("surveys.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE")
    )


class SurveyAnswer(IdMixin, Base):
    """The answer to one question: its text or number; choices apart."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_survey_answers_question", "question_id", "id"),
    )

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("survey_responses.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    text: Mapped[str | None] = mapped_column(Text)
    number: Mapped[float | None] = mapped_column(Float)


class SurveyAnswerChoice(IdMixin, Base):
    """An option chosen in an answer: its rank in a ranking, its row in a matrix."""

    __tablename__ = "survey_answer_choices"
    __table_args__ = (
        Index("ix_survey_answer_choices_question", "question_id", "option_key"),
    )

    answer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("survey_answers.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    option_key: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str | None] = mapped_column(String(40))
    rank: Mapped[int | None]
    custom_text: Mapped[str | None] = mapped_column(Text)
