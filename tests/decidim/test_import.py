"""Importing Decidim open-data exports: the real Barcelona and format files."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result
from app.models.budgets import Ballot, Budget, BudgetProject
from app.models.comments import Comment
from app.models.components import Component
from app.models.imports import ImportedRecord, PendingComment
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.models.spaces import Space
from app.models.taxonomies import Scope
from app.models.users import User
from app.services.decidim_export import ExportError, read_export
from app.services.decidim_import import import_export
from tests.decidim.conftest import (
    BARCELONA,
    FORMAT,
    MEETING_COMMENTS,
    PROJECTS,
    RESULT_COMMENTS,
    barcelona_meetings,
    barcelona_results,
    broken_copy,
    copy_of,
)

COUNTED = (
    Space,
    Component,
    Scope,
    Budget,
    BudgetProject,
    Proposal,
    Result,
    Meeting,
    Comment,
    User,
    ImportedRecord,
    PendingComment,
)


async def count(session: AsyncSession, model: type, *where: object) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    )


async def counts(session: AsyncSession) -> dict[str, int]:
    return {model.__name__: await count(session, model) for model in COUNTED}


async def project(session: AsyncSession, external_id: str) -> BudgetProject:
    local = await session.scalar(
        select(ImportedRecord.local_id).where(
            ImportedRecord.entity == "budget_project",
            ImportedRecord.external_id == external_id,
        )
    )
    return await session.get_one(BudgetProject, local)


async def test_barcelona_projects_land_in_budgets_with_districts_and_votes(
    session: AsyncSession,
) -> None:
    report = await import_export(session, BARCELONA)

    assert report.created["budget_project"] == 220
    assert (report.created["space"], report.created["component"]) == (3, 3)
    first = await project(session, "1")
    assert first.title["ca"].startswith("Publicació del llibre")
    assert first.title["es"].startswith("Publicación del libro")
    assert first.amount == 18_000_00
    assert (first.paper_votes_count, first.votes_count) == (60, 0)
    scope = await session.get_one(Scope, first.scope_id)
    assert scope.name == {"ca": "Gràcia", "es": "Gràcia"}
    assert scope.path == f"/{scope.id}/"
    assert await count(session, Ballot) == 0
    budget = await session.get_one(Budget, first.budget_id)
    amounts = await session.scalars(
        select(BudgetProject.amount).where(BudgetProject.budget_id == budget.id)
    )
    assert budget.total == sum(amounts)


async def test_comments_without_their_subject_wait_and_are_counted(
    session: AsyncSession,
) -> None:
    report = await import_export(session, BARCELONA)

    assert dict(report.waiting) == {"meeting": 1986, "result": 79, "comment": 650}
    assert await count(session, Comment) == 0
    assert await count(session, PendingComment) == 2715
    assert "comments skipped, their subject not imported yet: 2715" in " ".join(
        report.lines()
    )


async def test_importing_twice_changes_nothing(session: AsyncSession) -> None:
    await import_export(session, BARCELONA)
    await import_export(session, FORMAT)
    before = await counts(session)
    stamps = {p.id: p.updated_at for p in await session.scalars(select(BudgetProject))}

    again = await import_export(session, BARCELONA)
    once_more = await import_export(session, FORMAT)

    assert not again.created and not again.updated
    assert not once_more.created and not once_more.updated
    assert again.unchanged["budget_project"] == 220
    assert once_more.unchanged["result"] == 6
    assert await counts(session) == before
    session.expire_all()
    after = {p.id: p.updated_at for p in await session.scalars(select(BudgetProject))}
    assert after == stamps


async def test_format_proposals_and_results_keep_their_locales(
    session: AsyncSession,
) -> None:
    report = await import_export(session, FORMAT)

    assert (report.created["proposal"], report.created["result"]) == (3, 6)
    proposals = list(await session.scalars(select(Proposal).order_by(Proposal.id)))
    assert proposals[0].title == {"en": "Esse qui. Ut."}
    assert all(p.author_id is None for p in proposals)
    assert {p.answer_state for p in proposals} >= {"evaluating"}
    results = {r.external_id: r for r in await session.scalars(select(Result))}
    assert set(results["291"].title) == {"ca", "en", "es"}
    assert results["38"].parent_id == results["37"].id


async def test_a_later_export_attaches_the_comments_that_waited(
    session: AsyncSession, tmp_path: Path
) -> None:
    await import_export(session, copy_of(tmp_path / "first", MEETING_COMMENTS))
    await import_export(session, copy_of(tmp_path / "second", RESULT_COMMENTS))
    barcelona_meetings(tmp_path / "third")
    barcelona_results(tmp_path / "third")

    report = await import_export(session, tmp_path / "third")

    assert report.attached_later >= 310 + 10
    meeting = await session.scalar(
        select(Meeting).where(Meeting.title["ca"].as_string() == "Repensem el 22@")
    )
    assert meeting is not None
    on_meetings = await count(
        session,
        Comment,
        Comment.resource_type == "meeting",
        Comment.parent_id.is_(None),
    )
    assert on_meetings == 310 + 93
    result = await session.scalar(select(Result).where(Result.external_id == "9544"))
    assert result is not None
    assert (
        result.comments_count
        == await count(
            session,
            Comment,
            Comment.resource_type == "result",
            Comment.resource_id == result.id,
        )
        == 10
    )
    for subject in await session.scalars(select(Meeting)):
        assert subject.comments_count == await count(
            session,
            Comment,
            Comment.resource_type == "meeting",
            Comment.resource_id == subject.id,
        )
    assert await count(session, PendingComment) == 2715 - report.attached_later


async def test_imported_authors_are_placeholders_without_personal_data(
    session: AsyncSession, tmp_path: Path
) -> None:
    copy_of(tmp_path, RESULT_COMMENTS)
    barcelona_results(tmp_path)

    await import_export(session, tmp_path)

    authors = list(
        await session.scalars(
            select(User).join(Comment, Comment.author_id == User.id).distinct()
        )
    )
    assert authors
    for author in authors:
        assert author.name == "Decidim participant"
        assert author.email.endswith("@imported.invalid")
        assert "Participante" not in author.nickname
        assert author.password_hash == "!"


@pytest.mark.parametrize(
    ("line", "old", "new", "message"),
    [
        (
            2,
            ";18000;60;",
            ";lots;60;",
            ":2: column budget_amount: 'lots' is not a number",
        ),
        (2, ";2017-02-07 07:58:01 UTC;", ";yesterday;", ":2: column created_at:"),
        (1, "budget_amount", "price", ":1: the columns"),
    ],
    ids=["amount", "date", "unknown-columns"],
)
async def test_a_broken_file_names_file_line_and_column_and_imports_nothing(
    session: AsyncSession,
    tmp_path: Path,
    line: int,
    old: str,
    new: str,
    message: str,
) -> None:
    folder = copy_of(tmp_path / "export", RESULT_COMMENTS)
    broken = broken_copy(folder, PROJECTS, line, old, new)

    with pytest.raises(ExportError) as failure:
        await import_export(session, folder)

    assert f"{broken}{message}" in str(failure.value)
    assert await count(session, BudgetProject) == 0
    assert await count(session, PendingComment) == 0


async def test_a_mistake_found_while_writing_leaves_nothing_behind(
    session: AsyncSession, tmp_path: Path
) -> None:
    folder = copy_of(tmp_path, PROJECTS)
    results = barcelona_results(folder)
    text = results.read_text(encoding="utf-8").replace("9544;;", "9544;777;")
    results.write_text(text, encoding="utf-8")

    with pytest.raises(ExportError, match=r"results.csv:2: column parent/id"):
        async with session.begin_nested():
            await import_export(session, folder)

    assert await count(session, BudgetProject) == 0
    assert await count(session, Space) == await count(
        session, Space, Space.slug.like("decidim%")
    )


def test_a_zip_reads_like_its_folder(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(FORMAT.iterdir()):
            zipped.write(path, path.name)

    files = read_export(archive)

    assert [(f.kind, f.count, f.source) for f in files] == [
        ("proposals", 3, "localhost:3000"),
        ("results", 6, "localhost:3000"),
    ]
