"""The change log: every tracked change, written with it, read in a safe order."""

import asyncio
import base64
import random

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import InvalidInputError
from app.models.base import utcnow
from app.models.events import ChangeLogEntry, ChangeOperation
from app.models.taxonomies import AreaType
from app.runtime import Runtime
from app.services.changelog import ChangeCursor, read_changes
from tests.platform.helpers import new_user

Sessions = async_sessionmaker[AsyncSession]


async def entries_in(session: AsyncSession) -> list[tuple[str, int, str]]:
    """What the log holds, as seen from inside ``session``'s transaction."""
    rows = await session.execute(
        select(
            ChangeLogEntry.record_type,
            ChangeLogEntry.record_id,
            ChangeLogEntry.operation,
        ).order_by(ChangeLogEntry.id)
    )
    return [(kind, record_id, operation) for kind, record_id, operation in rows]


async def commit_user(sessionmaker: Sessions) -> int:
    async with sessionmaker() as session:
        user = new_user()
        session.add(user)
        await session.commit()
        return user.id


async def read(
    sessionmaker: Sessions,
    since: ChangeCursor | None,
    *,
    types: list[str] | None = None,
    limit: int = 100,
) -> tuple[list[ChangeLogEntry], ChangeCursor | None]:
    async with sessionmaker() as session:
        return await read_changes(session, since=since, types=types, limit=limit)


async def read_until(
    sessionmaker: Sessions, since: ChangeCursor | None, count: int
) -> tuple[list[ChangeLogEntry], ChangeCursor | None]:
    """Follow the log until ``count`` entries came; on PostgreSQL a transaction
    elsewhere on the server may hold the horizon back for a moment."""
    seen: list[ChangeLogEntry] = []
    async with asyncio.timeout(15):
        while len(seen) < count:
            page, since = await read(sessionmaker, since)
            seen += page
            if not page:
                await asyncio.sleep(0.02)
    return seen, since


class TestRecording:
    async def test_a_created_row_is_logged_in_its_transaction(
        self, session: AsyncSession
    ) -> None:
        user = new_user()
        session.add(user)
        await session.flush()
        logged = await entries_in(session)

        await session.rollback()

        assert logged == [("user", user.id, ChangeOperation.CREATED)]
        assert await entries_in(session) == []

    async def test_an_update_and_a_delete_are_logged(
        self, session: AsyncSession
    ) -> None:
        user = new_user()
        session.add(user)
        await session.flush()

        user.name = "Outro nome"
        await session.flush()
        await session.delete(user)
        await session.flush()

        assert await entries_in(session) == [
            ("user", user.id, ChangeOperation.CREATED),
            ("user", user.id, ChangeOperation.UPDATED),
            ("user", user.id, ChangeOperation.DELETED),
        ]

    async def test_an_update_of_ignored_columns_only_is_not_logged(
        self, session: AsyncSession
    ) -> None:
        user = new_user()
        session.add(user)
        await session.flush()

        user.last_sign_in_at = utcnow()
        user.password_hash = "another-hash"
        user.name = user.name
        await session.flush()

        assert await entries_in(session) == [("user", user.id, ChangeOperation.CREATED)]


class TestReading:
    async def test_pages_follow_commit_order_with_a_cursor(
        self, durable_runtime: Runtime
    ) -> None:
        sessions = durable_runtime.sessionmaker
        created = [await commit_user(sessions) for _ in range(5)]
        await read_until(sessions, None, 5)

        pages, cursor = [], None
        for _ in range(4):
            page, cursor = await read(sessions, cursor, limit=2)
            pages.append([entry.record_id for entry in page])

        assert pages == [created[:2], created[2:4], created[4:], []]
        assert cursor is not None
        again, same_cursor = await read(sessions, cursor, limit=2)
        assert (again, same_cursor) == ([], cursor)

    async def test_filters_by_record_type(self, durable_runtime: Runtime) -> None:
        sessions = durable_runtime.sessionmaker
        user_id = await commit_user(sessions)
        async with sessions() as session:
            area_type = AreaType(name={"pt-BR": "Saúde"})
            session.add(area_type)
            await session.commit()
        await read_until(sessions, None, 2)

        users, _ = await read(sessions, None, types=["user"])
        area_types, _ = await read(sessions, None, types=["area_type"])
        either, _ = await read(sessions, None, types=["user", "area_type"])

        assert [(e.record_type, e.record_id) for e in users] == [("user", user_id)]
        assert [(e.record_type, e.record_id) for e in area_types] == [
            ("area_type", area_type.id)
        ]
        assert len(either) == 2

    def test_a_cursor_survives_encoding(self) -> None:
        cursor = ChangeCursor(txid=2**40, id=17)

        assert ChangeCursor.decode(cursor.encode()) == cursor

    @pytest.mark.parametrize(
        "value",
        [
            "",
            "!!!",
            base64.urlsafe_b64encode(b"12").decode(),
            base64.urlsafe_b64encode(b"a.b").decode(),
            base64.urlsafe_b64encode(b"1.2.3").decode(),
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        ],
    )
    def test_a_malformed_cursor_is_invalid_input(self, value: str) -> None:
        with pytest.raises(InvalidInputError) as raised:
            ChangeCursor.decode(value)

        assert raised.value.extensions["errors"][0]["field"] == "since"


class TestLateCommits:
    """On PostgreSQL ids are taken when a row is written, not when it commits."""

    async def test_an_early_writer_committing_late_is_not_skipped(
        self, committed_runtime: Runtime
    ) -> None:
        sessions = committed_runtime.sessionmaker
        await commit_user(sessions)
        _, cursor = await read_until(sessions, None, 1)

        async with sessions() as early:
            early_user = new_user()
            early.add(early_user)
            await early.flush()
            late_user_id = await commit_user(sessions)
            while_early_is_open, cursor = await read(sessions, cursor)
            await early.commit()
        after, _ = await read_until(sessions, cursor, 2)

        assert while_early_is_open == []
        assert sorted(entry.record_id for entry in after) == sorted(
            [early_user.id, late_user_id]
        )

    async def test_a_follower_sees_every_entry_once_under_concurrent_writers(
        self, committed_runtime: Runtime
    ) -> None:
        sessions = committed_runtime.sessionmaker
        randomness = random.Random(2026)
        pauses = [[randomness.uniform(0, 0.02) for _ in range(8)] for _ in range(4)]
        seen: list[int] = []
        writing = True

        async def write(delays: list[float]) -> None:
            for delay in delays:
                async with sessions() as session:
                    session.add(new_user())
                    await session.flush()
                    await asyncio.sleep(delay)
                    await session.commit()

        async def follow() -> None:
            cursor = None
            while writing:
                page, cursor = await read(sessions, cursor, limit=5)
                seen.extend(entry.id for entry in page)
                await asyncio.sleep(0.005)
            rest, _ = await read_until(sessions, cursor, 32 - len(seen))
            seen.extend(entry.id for entry in rest)

        follower = asyncio.create_task(follow())
        await asyncio.gather(*(write(delays) for delays in pauses))
        writing = False
        await follower

        async with sessions() as session:
            stored = list(await session.scalars(select(ChangeLogEntry.id)))
        assert len(stored) == 32
        assert sorted(seen) == sorted(stored)
