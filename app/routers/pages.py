"""Endpoints of the pages domain: static texts of a pages component."""

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, OptionalUser, PathId, SessionDep
from app.routers.links import set_next_link
from app.schemas.pages import PageCreate, PageOrder, PageRead, PageSummary, PageUpdate
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from app.services import pages

router = APIRouter(tags=["pages"])


@router.get("/components/{component_id}/pages", name="list")
async def list_pages(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[PageSummary]:
    """A pages component's pages in their order, without their bodies."""
    after = decode_cursor(cursor, (int, int)) if cursor else None
    found = await pages.list_pages(
        session,
        viewer,
        component_id,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = encode_cursor([last.position, last.id])
    set_next_link(request, response, next_cursor)
    return Page(
        items=[PageSummary.model_validate(page) for page in found[:limit]],
        next_cursor=next_cursor,
    )


@router.post(
    "/components/{component_id}/pages",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_page(
    component_id: PathId, body: PageCreate, user: CurrentUser, session: SessionDep
) -> PageRead:
    """Add a page after the component's others; its slug must be free."""
    page = await pages.create_page(session, user, component_id, body)
    return PageRead.model_validate(page)


@router.put("/components/{component_id}/pages/order", name="reorder")
async def reorder_pages(
    component_id: PathId, body: PageOrder, user: CurrentUser, session: SessionDep
) -> list[PageSummary]:
    """Put every page of the component in the given order."""
    found = await pages.reorder_pages(session, user, component_id, body.ids)
    return [PageSummary.model_validate(page) for page in found]


@router.get("/components/{component_id}/pages/{slug}", name="get_by_slug")
async def get_page_by_slug(
    component_id: PathId, slug: str, viewer: OptionalUser, session: SessionDep
) -> PageRead:
    """A page found by its slug within its component."""
    page = await pages.get_page_by_slug(session, viewer, component_id, slug)
    return PageRead.model_validate(page)


@router.get("/pages/{page_id}", name="get")
async def get_page(
    page_id: PathId, viewer: OptionalUser, session: SessionDep
) -> PageRead:
    """A page with its body."""
    return PageRead.model_validate(await pages.get_page(session, viewer, page_id))


@router.patch("/pages/{page_id}", name="update")
async def update_page(
    page_id: PathId, body: PageUpdate, user: CurrentUser, session: SessionDep
) -> PageRead:
    """Change a page's slug, title or body."""
    return PageRead.model_validate(
        await pages.update_page(session, user, page_id, body)
    )


@router.delete(
    "/pages/{page_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_page(page_id: PathId, user: CurrentUser, session: SessionDep) -> None:
    """Delete a page; its slug becomes free and sync clients see a tombstone."""
    await pages.delete_page(session, user, page_id)
