"""Personal data: accept the terms, download one's data, delete one's account."""

from fastapi import APIRouter, Path, Request, Response, status

from app.deps import PathId, RuntimeDep, SessionDep, SignedInUser
from app.schemas.accounts import UserRead
from app.schemas.privacy import DataExportRead, ProfileRead, TermsAcceptance
from app.services import privacy

ZIP = "application/zip"


def build_router() -> APIRouter:
    router = APIRouter(tags=["privacy"])

    @router.post("/me/terms", name="accept_terms")
    async def accept_terms(
        body: TermsAcceptance,
        user: SignedInUser,
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> UserRead:
        """Accept the version of the terms of use and privacy notice in force."""
        accepted = await privacy.accept_terms(
            session, user, body.version, runtime.settings
        )
        return UserRead.model_validate(accepted)

    @router.post(
        "/me/data-export", name="export_data", status_code=status.HTTP_201_CREATED
    )
    async def export_data(
        user: SignedInUser, session: SessionDep, runtime: RuntimeDep, request: Request
    ) -> DataExportRead:
        """Build a zip of everything held on you, behind a single-use link."""
        export, token = await privacy.create_export(session, user, runtime.settings)
        return DataExportRead(
            download_url=str(request.url_for("download_data", token=token)),
            expires_at=export.expires_at,
            sections=list(privacy.section_names()),
        )

    @router.get(
        "/me/data-export/{token}",
        name="download_data",
        response_class=Response,
        responses={200: {"content": {ZIP: {}}, "description": "The zip archive."}},
    )
    async def download_data(
        user: SignedInUser,
        session: SessionDep,
        token: str = Path(min_length=1, max_length=100),
    ) -> Response:
        """Download your archive: once, signed in as its owner, before it expires."""
        archive = await privacy.download_export(session, user, token)
        return Response(
            archive,
            media_type=ZIP,
            headers={
                "Content-Disposition": 'attachment; filename="meus-dados.zip"',
                "Cache-Control": "no-store",
            },
        )

    @router.delete("/me", name="delete_account", status_code=204)
    async def delete_account(user: SignedInUser, session: SessionDep) -> None:
        """Delete your account now: your name, e-mail and devices are erased."""
        await privacy.delete_account(session, user)

    @router.get("/users/{user_id}/profile", name="get_profile", tags=["users"])
    async def get_profile(user_id: PathId, session: SessionDep) -> ProfileRead:
        """A participant's public profile; 410 once they deleted their account."""
        return ProfileRead.model_validate(await privacy.get_profile(session, user_id))

    return router
