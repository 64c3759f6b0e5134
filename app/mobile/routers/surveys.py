"""Surveys on the app: the list, the questions screen, answering and results."""

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import CurrentUser, LocalZone, PathId, SessionDep
from app.mobile import cards
from app.mobile.deps import ReaderDep
from app.mobile.present import Reader
from app.mobile.present_surveys import survey_cards, survey_detail
from app.mobile.schemas import MobileResponseCreate
from app.routers.links import page_of
from app.schemas.pagination import Cursor, Limit, Page
from app.schemas.surveys import ResponseCreate, SurveyResults
from app.services import survey_results, surveys

router = APIRouter(tags=["surveys"])


@router.get("/components/{component_id}/surveys", name="list")
async def list_surveys(
    component_id: PathId,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    zone: LocalZone,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.SurveyCard]:
    """A surveys component's surveys, each saying whether the reader answered."""
    reads = await surveys.list_surveys(
        session,
        reader.viewer,
        component_id,
        zone,
        after=surveys.decode_after(cursor),
        limit=limit,
    )
    found = survey_cards(reader, reads)
    return page_of(request, response, found, limit, lambda last: [last.id])


@router.get("/surveys/{survey_id}", name="get")
async def get_survey(
    survey_id: PathId, reader: ReaderDep, session: SessionDep, zone: LocalZone
) -> cards.SurveyDetail:
    """A survey's screen: its questions, which ones show on which answer, and
    whether and why not it takes answers now."""
    return await _survey_screen(session, reader, survey_id, zone)


@router.post(
    "/surveys/{survey_id}/responses",
    name="respond",
    status_code=status.HTTP_201_CREATED,
)
async def respond(
    survey_id: PathId,
    body: MobileResponseCreate,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    zone: LocalZone,
) -> cards.SurveyDetail:
    """Answer a survey, once, while it is open; answers the updated screen."""
    data = ResponseCreate.model_validate(body.model_dump())
    await surveys.submit_response(session, user, survey_id, data, zone)
    return await _survey_screen(session, reader, survey_id, zone)


@router.get("/surveys/{survey_id}/results", name="results")
async def results(
    survey_id: PathId, reader: ReaderDep, session: SessionDep
) -> SurveyResults:
    """The aggregated answers, where the survey's results are public (else 403)."""
    return await survey_results.survey_results(session, reader.viewer, survey_id)


async def _survey_screen(
    session: AsyncSession, reader: Reader, survey_id: int, zone: ZoneInfo
) -> cards.SurveyDetail:
    view = await surveys.get_view(session, reader.viewer, survey_id)
    return await survey_detail(session, reader, view, zone)
