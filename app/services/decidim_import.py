"""Import of a Decidim open-data export: spaces, components, scopes and content.

Each record keeps its place in the export (site, kind, id) in
``imported_records``, so importing the same export again finds every row and
changes nothing, and a newer export updates the same rows. The caller commits
once: an export is imported whole or not at all.

Authors become placeholder accounts, one per Decidim author and site, that
hold no personal data and cannot sign in. Proposals, which Decidim exports
without authors, become official ones. Comments whose subject is not in the
export wait in ``pending_comments`` and are attached by the import that
brings their subject.
"""

import hashlib
import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result
from app.models.base import utcnow
from app.models.budgets import Budget, BudgetProject
from app.models.comments import MAX_DEPTH, Alignment, Comment
from app.models.components import Component, ComponentType
from app.models.imports import ImportedRecord, PendingComment
from app.models.meetings import Meeting, MeetingType
from app.models.proposals import AnswerState, AuthorKind, Proposal, ProposalStatus
from app.models.spaces import Space, SpaceKind, SpaceStatus
from app.models.taxonomies import Scope, ScopeType
from app.models.users import User
from app.schemas.components import SETTINGS_MODELS, BudgetsSettings
from app.services import outbox, resources, result_import
from app.services.decidim_export import (
    CommentRow,
    ExportError,
    ExportFile,
    MeetingRow,
    Placed,
    ProjectRow,
    ProposalRow,
    ResultGroup,
    ScopeRef,
    SpaceRef,
    read_export,
)
from app.services.proposals import _search_text
from app.services.richtext import sanitize

_ALIGNMENTS = {1: Alignment.IN_FAVOUR, -1: Alignment.AGAINST, 0: Alignment.NEUTRAL}
_NO_PASSWORD = "!"  # noqa: S105  (a marker, not a secret)
"""Matches no password: a placeholder account cannot sign in."""
_COMPONENT_NAMES = {
    ComponentType.PROPOSALS: "Proposals",
    ComponentType.BUDGETS: "Budgets",
    ComponentType.ACCOUNTABILITY: "Results",
    ComponentType.MEETINGS: "Meetings",
}


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    waiting: Counter[str] = field(default_factory=Counter)
    """Comments of this export skipped until their subject comes, by subject kind."""
    attached_later: int = 0
    """Comments of earlier imports attached now that their subject came."""

    def lines(self) -> list[str]:
        kinds = sorted({*self.created, *self.updated, *self.unchanged})
        found = [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        ]
        waiting = ", ".join(
            f"{n} on a {kind}" for kind, n in sorted(self.waiting.items())
        )
        return [
            *self.files,
            *found,
            f"comments skipped, their subject not imported yet: "
            f"{sum(self.waiting.values())}" + (f" ({waiting})" if waiting else ""),
            f"comments of earlier imports attached: {self.attached_later}",
        ]


async def import_export(
    session: AsyncSession, path: Path, source: str | None = None
) -> ImportReport:
    """Read and check the whole export, then write it; the caller commits."""
    files = read_export(path, source)
    importer = _Importer(session, ImportReport())
    for file in files:
        importer.report.files.append(
            f"{file.name}: {file.count} {file.kind} ({file.era}) from {file.source}"
        )
        await importer.write(file)
    for site in sorted({file.source for file in files}):
        await importer.attach_waiting(site)
    await importer.count_comments()
    report = importer.report
    outbox.emit(
        session,
        "decidim.imported",
        {
            "sources": sorted({file.source for file in files}),
            "created": dict(report.created),
            "updated": dict(report.updated),
            "comments_waiting": sum(report.waiting.values()),
        },
    )
    return report


class _Importer:
    def __init__(self, session: AsyncSession, report: ImportReport) -> None:
        self.session = session
        self.report = report
        self.ids: dict[tuple[str, str, str], int] = {}
        self.loaded: set[str] = set()
        self.new_comments: Counter[tuple[str, int]] = Counter()
        self.budgets: set[int] = set()
        self.waited: set[tuple[str, str]] = set()
        """Comments of this export that had to wait."""
        self.placed: set[tuple[str, str, str]] = set()
        """Scopes already brought up to date by this import."""

    async def write(self, file: ExportFile) -> None:
        await self._load(file.source)
        for row in file.rows:
            await _WRITERS[file.kind](self, file.source, row)
        await self._settle_budgets()

    # Remembering what became of each record

    async def _load(self, source: str) -> None:
        if source in self.loaded:
            return
        found = await self.session.execute(
            select(
                ImportedRecord.entity,
                ImportedRecord.external_id,
                ImportedRecord.local_id,
            ).where(ImportedRecord.source == source)
        )
        for entity, external_id, local_id in found:
            self.ids[(source, entity, external_id)] = local_id
        self.loaded.add(source)

    def local(self, source: str, entity: str, external_id: str) -> int | None:
        return self.ids.get((source, entity, external_id))

    def remember(self, source: str, entity: str, external_id: str, local: int) -> None:
        self.session.add(
            ImportedRecord(
                source=source, entity=entity, external_id=external_id, local_id=local
            )
        )
        self.ids[(source, entity, external_id)] = local

    async def upsert(
        self,
        source: str,
        entity: str,
        external_id: str,
        model: Any,
        values: dict[str, Any],
        fixed: dict[str, Any] | None = None,
    ) -> Any:
        """The row ``external_id`` became, made to hold ``values``."""
        local = self.local(source, entity, external_id)
        row = await self.session.get(model, local) if local is not None else None
        if row is None:
            row = model(**values, **(fixed or {}))
            self.session.add(row)
            await self.session.flush()
            await self._remember_anew(source, entity, external_id, row.id, local)
            self.report.created[entity] += 1
        elif _assign(row, values):
            self.report.updated[entity] += 1
        else:
            self.report.unchanged[entity] += 1
        return row

    async def _remember_anew(
        self, source: str, entity: str, external_id: str, local: int, old: int | None
    ) -> None:
        if old is None:
            self.remember(source, entity, external_id, local)
            return
        await self.session.execute(
            update(ImportedRecord)
            .where(
                ImportedRecord.source == source,
                ImportedRecord.entity == entity,
                ImportedRecord.external_id == external_id,
            )
            .values(local_id=local)
        )
        self.ids[(source, entity, external_id)] = local

    # Where records sit

    async def space(self, source: str, ref: SpaceRef, locale: str) -> int:
        local = self.local(source, "space", ref.key)
        if local is not None and await self.session.get(Space, local) is not None:
            return local
        kind = SpaceKind.ASSEMBLY if ref.kind == "assemblies" else SpaceKind.PROCESS
        space = await self.upsert(
            source,
            "space",
            ref.key,
            Space,
            {},
            {
                "kind": kind,
                "slug": await self._free_slug(ref.slug),
                "title": {locale: ref.slug.replace("-", " ").capitalize()},
                "status": SpaceStatus.PUBLISHED,
                "published_at": utcnow(),
            },
        )
        return int(space.id)

    async def _free_slug(self, slug: str) -> str:
        taken = set(
            await self.session.scalars(
                select(Space.slug).where(Space.slug.startswith(slug))
            )
        )
        candidate, number = slug, 1
        while candidate in taken:
            number += 1
            candidate = f"{slug}-{number}"
        return candidate

    async def component(
        self, source: str, row: Placed, kind: ComponentType, locale: str
    ) -> int:
        local = self.local(source, "component", row.component_id)
        if local is not None and await self.session.get(Component, local) is not None:
            return local
        space_id = await self.space(source, row.space, locale)
        component = await self.upsert(
            source,
            "component",
            row.component_id,
            Component,
            {},
            {
                "space_id": space_id,
                "type": kind,
                "name": {"en": _COMPONENT_NAMES[kind]},
                "position": 0,
                "published_at": utcnow(),
                "settings": _settings(kind),
                "default_switches": {},
                "phase_switches": {},
            },
        )
        return int(component.id)

    async def scope(self, source: str, ref: ScopeRef | None) -> int | None:
        if ref is None:
            return None
        key = (source, "scope", ref.external_id)
        if key in self.placed:
            return self.ids[key]
        self.placed.add(key)
        digest = _digest(source, 8)
        scope = await self.upsert(
            source,
            "scope",
            ref.external_id,
            Scope,
            {"name": ref.name or {"en": f"Scope {ref.external_id}"}},
            {
                "type": ScopeType.REGIONAL,
                "code": f"decidim-{digest}-{ref.external_id}"[:40],
                "path": "",
            },
        )
        if not scope.path:
            scope.path = f"/{scope.id}/"
        return int(scope.id)

    # Content

    async def project(self, source: str, row: ProjectRow) -> None:
        locale = next(iter(row.title))
        component_id = await self.component(source, row, ComponentType.BUDGETS, locale)
        budget = await self.budget(source, row, component_id, locale)
        values: dict[str, Any] = {
            "title": row.title,
            "description": row.description,
            "amount": row.amount_cents,
            "scope_id": await self.scope(source, row.scope),
            # Decidim's confirmed votes are figures, not ballots: they are
            # counted apart, like paper votes, and no ballot is made up.
            "paper_votes_count": row.confirmed_votes,
        }
        fixed: dict[str, Any] = {"budget_id": budget, "component_id": component_id}
        if row.created_at is not None:
            fixed["created_at"] = row.created_at
        await self.upsert(
            source, "budget_project", row.external_id, BudgetProject, values, fixed
        )
        self.budgets.add(budget)

    async def budget(
        self, source: str, row: ProjectRow, component_id: int, locale: str
    ) -> int:
        local = self.local(source, "budget", row.budget_id)
        if local is not None and await self.session.get(Budget, local) is not None:
            return local
        budget = await self.upsert(
            source,
            "budget",
            row.budget_id,
            Budget,
            {},
            {
                "component_id": component_id,
                "title": {locale: f"Decidim {row.budget_id}"},
                "total": 1,
            },
        )
        return int(budget.id)

    async def _settle_budgets(self) -> None:
        """A budget's total is what its projects cost; Decidim's is not exported."""
        for budget_id in sorted(self.budgets):
            budget = await self.session.get(Budget, budget_id)
            amounts = await self.session.scalars(
                select(BudgetProject.amount).where(BudgetProject.budget_id == budget_id)
            )
            total = sum(amounts)
            if budget is not None and total > 0 and budget.total != total:
                budget.total = total
        self.budgets.clear()
        await self.session.flush()

    async def proposal(self, source: str, row: ProposalRow) -> None:
        locale = next(iter(row.title))
        component_id = await self.component(
            source, row, ComponentType.PROPOSALS, locale
        )
        answered = row.state != AnswerState.NOT_ANSWERED
        published = row.published_at or utcnow()
        values: dict[str, Any] = {
            "title": row.title,
            "body": row.body,
            "search_text": _search_text(row.title, row.body),
            "scope_id": await self.scope(source, row.scope),
            "status": ProposalStatus.WITHDRAWN
            if row.withdrawn
            else ProposalStatus.PUBLISHED,
            "published_at": published,
            "withdrawn_at": published if row.withdrawn else None,
            "answer_state": row.state,
            "answer": row.answer,
            "answered_at": published if answered else None,
            "answer_published_at": published if answered else None,
        }
        fixed = {
            "component_id": component_id,
            "author_kind": AuthorKind.OFFICIAL,
            "reference": await self._free_reference(row.reference),
        }
        await self.upsert(source, "proposal", row.external_id, Proposal, values, fixed)

    async def _free_reference(self, reference: str | None) -> str | None:
        if reference is None:
            return None
        taken = await self.session.scalar(
            select(Proposal.id).where(Proposal.reference == reference)
        )
        return None if taken is not None else reference

    async def meeting(self, source: str, row: MeetingRow) -> None:
        locale = next(iter(row.title))
        component_id = await self.component(source, row, ComponentType.MEETINGS, locale)
        kind = MeetingType.IN_PERSON
        if row.online_url:
            kind = MeetingType.HYBRID if row.address else MeetingType.ONLINE
        values: dict[str, Any] = {
            "title": row.title,
            "description": row.description,
            "type": kind,
            "address": row.address,
            "online_url": row.online_url,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "scope_id": await self.scope(source, row.scope),
        }
        fixed = {"component_id": component_id, "published_at": utcnow()}
        await self.upsert(source, "meeting", row.external_id, Meeting, values, fixed)

    async def results(self, source: str, group: ResultGroup) -> None:
        """The accountability import writes them; here they are remembered."""
        locale = next(iter(group.rows[0].title))
        placed = Placed(0, "", group.space, group.component_id, None)
        component_id = await self.component(
            source, placed, ComponentType.ACCOUNTABILITY, locale
        )
        try:
            done = await result_import.import_results(
                self.session, component_id, group.name, group.rows
            )
        except result_import.ImportFailed as exc:
            raise ExportError(str(exc)) from None
        report = self.report
        for counter, number in (
            (report.created, done.created),
            (report.updated, done.updated),
            (report.unchanged, done.unchanged),
        ):
            if number:
                counter["result"] += number
        found = await self.session.execute(
            select(Result.external_id, Result.id).where(
                Result.component_id == component_id, Result.external_id.is_not(None)
            )
        )
        for external_id, local in found:
            if self.local(source, "result", str(external_id)) != local:
                await self._remember_anew(
                    source,
                    "result",
                    str(external_id),
                    local,
                    self.local(source, "result", str(external_id)),
                )

    # Comments

    async def comment(self, source: str, row: CommentRow) -> None:
        if not await self._attach(source, row):
            await self._wait(source, row)
            self.report.waiting[row.subject_entity] += 1
            self.waited.add((source, row.external_id))

    async def _attach(self, source: str, row: CommentRow) -> bool:
        """Write the comment if its subject is here; whether it was."""
        target = await self._target(source, row)
        if target is None:
            return False
        resource_type, resource_id, parent = target
        body = sanitize(row.body) or html.escape(row.body)
        values: dict[str, Any] = {
            "body": body,
            "alignment": _ALIGNMENTS[row.alignment],
        }
        fixed: dict[str, Any] = {
            "resource_type": resource_type,
            "resource_id": resource_id,
            "parent_id": parent.id if parent else None,
            "depth": parent.depth + 1 if parent else 0,
            "author_id": await self._author(source, row),
        }
        if row.created_at is not None:
            fixed["created_at"] = row.created_at
        created = self.report.created["comment"]
        await self.upsert(source, "comment", row.external_id, Comment, values, fixed)
        if self.report.created["comment"] > created:
            self.new_comments[(resource_type, resource_id)] += 1
            if parent is not None:
                parent.replies_count += 1
        return True

    async def _target(
        self, source: str, row: CommentRow
    ) -> tuple[str, int, Comment | None] | None:
        local = self.local(source, row.subject_entity, row.subject_id)
        if local is None:
            return None
        if row.subject_entity != "comment":
            return row.subject_entity, local, None
        parent = await self.session.get(Comment, local)
        if parent is None:
            return None
        if parent.depth >= MAX_DEPTH and parent.parent_id is not None:
            # Deeper than threads go here: the reply joins its parent's siblings.
            parent = await self.session.get(Comment, parent.parent_id)
            assert parent is not None
        return parent.resource_type, parent.resource_id, parent

    async def _wait(self, source: str, row: CommentRow) -> None:
        waiting = await self.session.scalar(
            select(PendingComment).where(
                PendingComment.source == source,
                PendingComment.external_id == row.external_id,
            )
        )
        record = row.as_record()
        if waiting is None:
            self.session.add(
                PendingComment(
                    source=source,
                    external_id=row.external_id,
                    subject_entity=row.subject_entity,
                    subject_external_id=row.subject_id,
                    record=record,
                )
            )
        elif waiting.record != record:
            waiting.record = record

    async def attach_waiting(self, source: str) -> None:
        """Attach the comments of earlier imports whose subject is here now."""
        await self.session.flush()
        waiting = list(
            await self.session.scalars(
                select(PendingComment).where(PendingComment.source == source)
            )
        )
        attached: list[int] = []
        for pending in sorted(waiting, key=lambda p: int(p.external_id)):
            row = CommentRow.from_record(pending.record)
            if self.local(source, "comment", row.external_id) is not None:
                attached.append(pending.id)
            elif await self._attach(source, row):
                attached.append(pending.id)
                if (source, row.external_id) in self.waited:
                    self.report.waiting[row.subject_entity] -= 1
                else:
                    self.report.attached_later += 1
        self.report.waiting = +self.report.waiting
        if attached:
            await self.session.execute(
                delete(PendingComment).where(PendingComment.id.in_(attached))
            )

    async def count_comments(self) -> None:
        """Raise each subject's counter by its new comments, in one update each."""
        for (resource_type, resource_id), count in sorted(self.new_comments.items()):
            kind = resources.kind_named(resource_type)
            if kind.comments_count is None:
                continue
            await self.session.execute(
                update(kind.model)
                .where(kind.model.id == resource_id)
                .values({kind.comments_count: kind.comments_count + count})
            )
        self.new_comments.clear()
        await self.session.flush()

    async def _author(self, source: str, row: CommentRow) -> int:
        """A placeholder account for a Decidim author: no name, no address, no login."""
        external_id = row.author_id or "unknown"
        local = self.local(source, "author", external_id)
        if local is not None:
            return local
        digest = _digest(source, 6)
        nickname = f"decidim-{digest}-{external_id}"[:40]
        user = User(
            email=f"{nickname}@imported.invalid",
            email_normalized=f"{nickname}@imported.invalid",
            name="Decidim participant",
            nickname=nickname,
            locale=row.locale or "pt-BR",
            password_hash=_NO_PASSWORD,
        )
        self.session.add(user)
        await self.session.flush()
        self.remember(source, "author", external_id, user.id)
        self.report.created["author"] += 1
        return user.id


def _settings(kind: ComponentType) -> dict[str, Any]:
    """Default settings; an export's votes are history, shown as Decidim showed them."""
    settings = SETTINGS_MODELS[kind]()
    if isinstance(settings, BudgetsSettings):
        settings.show_votes = True
    return settings.model_dump(mode="json")


def _digest(source: str, length: int) -> str:
    """A short tag of the site, to keep two sites' ids apart in codes and names."""
    return hashlib.blake2s(source.encode()).hexdigest()[:length]


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set what differs; whether anything did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


_WRITERS: dict[str, Any] = {
    "projects": _Importer.project,
    "proposals": _Importer.proposal,
    "meetings": _Importer.meeting,
    "results": _Importer.results,
    "comments": _Importer.comment,
}
