"""Bodies of the surveys endpoints: questionnaires, responses, results."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from app.models.surveys import QuestionType
from app.schemas.base import Id, ReadModel, RequestModel
from app.schemas.translations import LongText, ShortText, Title

Key = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9_]{1,40}$",
        description="Its name in answers and results (a-z, 0-9, _; 1 to 40).",
    ),
]
CHOICE_TYPES = frozenset(
    {
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.RANKING,
        QuestionType.MATRIX_SINGLE,
        QuestionType.MATRIX_MULTIPLE,
    }
)
MATRIX_TYPES = frozenset({QuestionType.MATRIX_SINGLE, QuestionType.MATRIX_MULTIPLE})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
TEXT_LIMITS = {QuestionType.SHORT_TEXT: 1_000, QuestionType.LONG_TEXT: 10_000}


class OptionWrite(RequestModel):
    key: Key
    body: Title
    free_text: bool = Field(
        False, description='The "other" answer: choosing it asks for a text.'
    )


class RowWrite(RequestModel):
    key: Key
    body: Title


class Condition(RequestModel):
    """Show the question only when an earlier question got this option."""

    question_position: int = Field(
        ge=0, le=199, description="The earlier question, by its index in the list."
    )
    option: Key


class QuestionWrite(RequestModel):
    type: QuestionType
    body: Title
    description: ShortText = Field(default_factory=dict)
    mandatory: bool = False
    max_choices: int | None = Field(
        None,
        ge=1,
        le=100,
        description="Most options one may choose (per row in a matrix).",
    )
    min_value: float | None = Field(None, description="Number questions: lowest.")
    max_value: float | None = Field(None, description="Number questions: highest.")
    options: list[OptionWrite] = Field(default_factory=list, max_length=50)
    rows: list[RowWrite] = Field(default_factory=list, max_length=50)
    shown_if: Condition | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> "QuestionWrite":
        if self.type in CHOICE_TYPES and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if self.type not in CHOICE_TYPES and self.options:
            raise ValueError(f"a {self.type} question takes no options")
        if (self.type in MATRIX_TYPES) != bool(self.rows):
            raise ValueError("matrix questions, and only they, need rows")
        for items in (self.options, self.rows):
            keys = [item.key for item in items]
            if len(keys) != len(set(keys)):
                raise ValueError("option and row keys must be unique")
        if self.type is not QuestionType.NUMBER and (
            self.min_value is not None or self.max_value is not None
        ):
            raise ValueError("only number questions take min_value and max_value")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValueError("min_value must not exceed max_value")
        return self


class QuestionsWrite(RequestModel):
    questions: list[QuestionWrite] = Field(max_length=200)

    @model_validator(mode="after")
    def _conditions_point_back(self) -> "QuestionsWrite":
        for index, question in enumerate(self.questions):
            condition = question.shown_if
            if condition is None:
                continue
            if condition.question_position >= index:
                raise ValueError(
                    f"questions[{index}].shown_if must name an earlier question"
                )
            target = self.questions[condition.question_position]
            if condition.option not in {option.key for option in target.options}:
                raise ValueError(
                    f"questions[{index}].shown_if names an option its question "
                    "does not have"
                )
        return self


class ContextText(RequestModel):
    title: Title
    body: LongText = Field(default_factory=dict)


class SurveyCreate(RequestModel):
    title: Title
    description: LongText = Field(default_factory=dict)
    terms: ShortText = Field(
        default_factory=dict, description="What a participant accepts by answering."
    )
    consultation: bool = Field(
        False, description="A public-policy consultation, with context to read."
    )
    context: list[ContextText] = Field(default_factory=list, max_length=20)
    opens_on: date | None = Field(
        None, description="First day answers are taken, in the organisation's zone."
    )
    closes_on: date | None = Field(
        None, description="Last day answers are taken, in the organisation's zone."
    )

    @model_validator(mode="after")
    def _closes_after_opening(self) -> "SurveyCreate":
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on must not be before opens_on")
        return self


class SurveyUpdate(RequestModel):
    title: Title | None = None
    description: LongText | None = None
    terms: ShortText | None = None
    consultation: bool | None = None
    context: list[ContextText] | None = Field(None, max_length=20)
    opens_on: date | None = None
    closes_on: date | None = None


class OptionRead(ReadModel):
    key: str
    body: dict[str, str]
    free_text: bool = False


class RowRead(ReadModel):
    key: str
    body: dict[str, str]


class QuestionRead(ReadModel):
    id: int
    position: int
    type: QuestionType
    body: dict[str, str]
    description: dict[str, str]
    mandatory: bool
    max_choices: int | None
    min_value: float | None
    max_value: float | None
    options: list[OptionRead]
    rows: list[RowRead]
    condition_question_id: int | None
    condition_option: str | None


class SurveyRead(ReadModel):
    id: int
    component_id: int
    space_id: int
    title: dict[str, str]
    description: dict[str, str]
    terms: dict[str, str]
    consultation: bool
    context: list[dict[str, Any]]
    opens_on: date | None
    closes_on: date | None
    published_at: datetime | None
    responses_count: int
    open: bool = Field(description="Whether it takes answers now.")
    answered: bool = Field(description="Whether the reader has answered it.")
    results_visible: bool = Field(description="Whether the reader may see results.")
    created_at: datetime
    updated_at: datetime


class SurveyDetail(SurveyRead):
    questions: list[QuestionRead]


class ChoiceWrite(RequestModel):
    option: Key
    row: Key | None = Field(None, description="Matrix questions: the row.")
    other_text: str | None = Field(
        None, max_length=1_000, description='The text of an "other" option.'
    )


class AnswerWrite(RequestModel):
    question_id: Id
    text: str | None = Field(None, max_length=10_000)
    number: float | None = None
    choices: list[ChoiceWrite] = Field(
        default_factory=list,
        max_length=2_500,
        description="Options chosen; for a ranking, best first.",
    )


class ResponseCreate(RequestModel):
    answers: list[AnswerWrite] = Field(max_length=200)
    accept_terms: bool = Field(
        False, description="Needed when the survey has terms to accept."
    )


class ResponseRead(ReadModel):
    id: int
    survey_id: int
    created_at: datetime
    updated_at: datetime


class OptionCount(ReadModel):
    key: str
    count: int
    rank_counts: list[int] | None = Field(
        None, description="Rankings: how often it came first, second..."
    )


class RowCounts(ReadModel):
    key: str
    options: list[OptionCount]


class NumberStats(ReadModel):
    count: int
    min: float | None
    max: float | None
    mean: float | None


class QuestionResult(ReadModel):
    question_id: int
    type: QuestionType
    answers_count: int
    options: list[OptionCount] | None = None
    rows: list[RowCounts] | None = None
    number: NumberStats | None = None


class SurveyResults(ReadModel):
    survey_id: int
    responses_count: int
    questions: list[QuestionResult]


class TextAnswerRead(ReadModel):
    id: int
    text: str
    option: str | None = Field(None, description='The "other" option it explains.')
