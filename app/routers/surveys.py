"""Endpoints of surveys: questionnaires, answering, results, the CSV export."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, LocalZone, OptionalUser, PathId, SessionDep
from app.routers.links import page_of
from app.schemas.pagination import Cursor, Limit, Page
from app.schemas.surveys import (
    QuestionsWrite,
    ResponseCreate,
    ResponseRead,
    SurveyCreate,
    SurveyDetail,
    SurveyRead,
    SurveyResults,
    SurveyUpdate,
    TextAnswerRead,
)
from app.services import survey_results, surveys

router = APIRouter(tags=["surveys"])

CSV = "text/csv; charset=utf-8"
_CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get("/components/{component_id}/surveys", name="list")
async def list_surveys(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    zone: LocalZone,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[SurveyRead]:
    """The surveys of a component, oldest first."""
    found = await surveys.list_surveys(
        session,
        viewer,
        component_id,
        zone,
        after=surveys.decode_after(cursor),
        limit=limit,
    )
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.post(
    "/components/{component_id}/surveys",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_survey(
    component_id: PathId,
    body: SurveyCreate,
    user: CurrentUser,
    session: SessionDep,
    zone: LocalZone,
) -> SurveyDetail:
    """A new, unpublished survey (a consultation when it brings context)."""
    return await surveys.create_survey(session, user, component_id, body, zone)


@router.get("/surveys/{survey_id}", name="get")
async def get_survey(
    survey_id: PathId, viewer: OptionalUser, session: SessionDep, zone: LocalZone
) -> SurveyDetail:
    """A survey with its questions, whether it is open and whether you answered."""
    return await surveys.get_survey(session, viewer, survey_id, zone)


@router.patch("/surveys/{survey_id}", name="update")
async def update_survey(
    survey_id: PathId,
    body: SurveyUpdate,
    user: CurrentUser,
    session: SessionDep,
    zone: LocalZone,
) -> SurveyDetail:
    """Change a survey's texts, context or answering days."""
    return await surveys.update_survey(session, user, survey_id, body, zone)


@router.put("/surveys/{survey_id}/questions", name="set_questions")
async def set_questions(
    survey_id: PathId,
    body: QuestionsWrite,
    user: CurrentUser,
    session: SessionDep,
    zone: LocalZone,
) -> SurveyDetail:
    """Replace the questions; 409 once the survey has responses."""
    return await surveys.set_questions(session, user, survey_id, body, zone)


@router.post("/surveys/{survey_id}/publish", name="publish")
async def publish_survey(
    survey_id: PathId, user: CurrentUser, session: SessionDep, zone: LocalZone
) -> SurveyDetail:
    """Make a survey with questions public."""
    return await surveys.publish_survey(session, user, survey_id, zone)


@router.post(
    "/surveys/{survey_id}/responses",
    name="respond",
    status_code=status.HTTP_201_CREATED,
)
async def respond(
    survey_id: PathId,
    body: ResponseCreate,
    user: CurrentUser,
    session: SessionDep,
    zone: LocalZone,
) -> ResponseRead:
    """Answer a survey, once, while it is open."""
    created = await surveys.submit_response(session, user, survey_id, body, zone)
    return ResponseRead.model_validate(created)


@router.put("/surveys/{survey_id}/responses/mine", name="replace_response")
async def replace_response(
    survey_id: PathId,
    body: ResponseCreate,
    user: CurrentUser,
    session: SessionDep,
    zone: LocalZone,
) -> ResponseRead:
    """Change your answers while the survey is open, where editing is allowed."""
    changed = await surveys.replace_response(session, user, survey_id, body, zone)
    return ResponseRead.model_validate(changed)


@router.get("/surveys/{survey_id}/results", name="results")
async def results(
    survey_id: PathId, viewer: OptionalUser, session: SessionDep
) -> SurveyResults:
    """Counts per option and number statistics, where results are visible."""
    return await survey_results.survey_results(session, viewer, survey_id)


@router.get("/surveys/{survey_id}/questions/{question_id}/texts", name="list_texts")
async def list_texts(
    survey_id: PathId,
    question_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[TextAnswerRead]:
    """Free texts given to a question, or to its "other" option, oldest first."""
    found = await surveys.text_answers(
        session,
        viewer,
        survey_id,
        question_id,
        after=surveys.decode_after(cursor),
        limit=limit,
    )
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.get(
    "/surveys/{survey_id}/responses.csv",
    name="export",
    response_class=Response,
    responses=_CSV_RESPONSE,
)
async def export_responses(
    survey_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    locale: Annotated[
        str, Query(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
    ] = "pt-BR",
) -> Response:
    """Every response as CSV for the space's admins; formulas are neutralised."""
    body = await survey_results.export_csv(session, user, survey_id, locale)
    return Response(
        body,
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="survey-{survey_id}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
