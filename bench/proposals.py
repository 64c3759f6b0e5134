"""Proposals at city scale: list pages per sort and supports under concurrency.

Loads a published proposals component with ``--proposals`` proposals,
``--supports`` supports and ``--comments`` threaded comments by ``--users``
participants (COPY into the real tables), then times through the real service,
in process:

- the first and a deep page (``--page``, 200 by default) of
  ``GET /api/v1/components/{id}/proposals`` for every sort, beside the main
  SQL statement of that request, captured from the service and replayed on a
  raw asyncpg connection;
- ``--posts`` supports POSTed by ``--clients`` concurrent clients, each request
  by a different participant, beside the same writes done on raw asyncpg with
  the same concurrency and the same number of connections.

Run with ``.venv/bin/python -m bench.proposals --help``; see bench/README.md.
"""

import asyncio
import gzip
import json
import math
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

from app.runtime import Runtime
from bench.common import (
    Timing,
    arguments,
    build_service,
    measure,
    raw_connection,
    raw_pool,
    report,
    report_rates,
    scratch_database,
)

SORTS = ("recent", "most_supported", "most_commented", "random", "recently_answered")
SQLALCHEMY_MAX_OVERFLOW = 10
"""create_async_engine's default, which app.db.create_engine keeps."""
RANDOM_SEED = 42
"""The ``seed`` of sort=random."""
PAGE_SIZE = 25
"""The service's default page size."""
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
ANSWER_STATES = ("accepted", "accepted", "rejected", "evaluating")
# fmt: off
WORDS = (
    "praça", "iluminação", "calçada", "ônibus", "escola", "creche", "saúde", "posto",
    "parque", "árvore", "ciclovia", "esgoto", "asfalto", "feira", "biblioteca",
    "quadra", "segurança", "lixo", "coleta", "reciclagem", "água", "enchente",
    "córrego", "ponte", "passarela", "semáforo", "faixa", "idosos", "juventude",
    "cultura", "esporte", "emprego", "moradia", "acessibilidade", "rampa",
)
# fmt: on


STARTED = time.perf_counter()


def progress(message: str) -> None:
    """A line on standard error, so that a long run shows where it is."""
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr)


# Generation


@dataclass
class Plan:
    """What gets loaded, decided up front so that counters equal rows."""

    users: int
    statuses: list[str]
    published_at: list[datetime | None]
    answered_at: list[datetime | None]
    answer_states: list[str]
    supports: list[int]
    comments: list[int]
    supports_given: list[int] = field(default_factory=list)

    @property
    def proposals(self) -> int:
        return len(self.statuses)


def _sampled_weights(
    count: int, rng: random.Random, votes_path: Path | None
) -> tuple[list[float], list[float]]:
    """Support and comment weights per proposal.

    From a file of real proposals (JSON lines with ``total_votes`` and
    ``total_comments``), each proposal draws one real proposal's pair;
    otherwise supports follow a Zipf-like law over a shuffled rank and
    comments follow supports.
    """
    if votes_path is not None:
        opener = gzip.open if votes_path.suffix == ".gz" else open
        with opener(votes_path, "rt", encoding="utf-8") as lines:
            pairs = [
                (record.get("total_votes") or 0, record.get("total_comments") or 0)
                for record in map(json.loads, lines)
            ]
        drawn = [rng.choice(pairs) for _ in range(count)]
        return [float(v) for v, _ in drawn], [float(c) for _, c in drawn]
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    supports = [1.0 / (rank + 50) ** 1.05 for rank in ranks]
    comments = [w * rng.uniform(0.3, 1.7) for w in supports]
    return supports, comments


def _spread(
    total: int, weights: list[float], cap: int, rng: random.Random
) -> list[int]:
    """``total`` split in proportion to ``weights``, each share at most ``cap``."""
    weights = [w if cap > 0 else 0.0 for w in weights]
    mass = sum(weights)
    if total == 0 or mass == 0:
        return [0] * len(weights)
    shares = [min(cap, math.floor(total * w / mass)) for w in weights]
    left = total - sum(shares)
    open_ids = [i for i, w in enumerate(weights) if w > 0 and shares[i] < cap]
    while left > 0:
        if not open_ids:
            raise SystemExit(f"cannot place {total} rows: raise --users")
        for i in rng.choices(open_ids, [weights[i] for i in open_ids], k=left):
            if left and shares[i] < cap:
                shares[i] += 1
                left -= 1
        open_ids = [i for i in open_ids if shares[i] < cap]
    return shares


def plan(
    proposals: int,
    supports: int,
    comments: int,
    users: int,
    rng: random.Random,
    votes_path: Path | None,
) -> Plan:
    """1% drafts, 1% withdrawn, a fifth of the published answered."""
    statuses: list[str] = []
    published: list[datetime | None] = []
    answered: list[datetime | None] = []
    states: list[str] = []
    for index in range(proposals):
        roll = rng.random()
        status = "draft" if roll < 0.01 else "withdrawn" if roll < 0.02 else "published"
        statuses.append(status)
        moment = NOW - YEAR + YEAR * (index + rng.random()) / proposals
        published.append(None if status == "draft" else moment)
        if status == "published" and rng.random() < 0.2:
            answered.append(min(NOW, moment + timedelta(days=rng.uniform(1, 90))))
            states.append(rng.choice(ANSWER_STATES))
        else:
            answered.append(None)
            states.append("not_answered")
    support_weights, comment_weights = _sampled_weights(proposals, rng, votes_path)
    for index, status in enumerate(statuses):
        if status == "draft":
            support_weights[index] = comment_weights[index] = 0.0
    return Plan(
        users=users,
        statuses=statuses,
        published_at=published,
        answered_at=answered,
        answer_states=states,
        supports=_spread(supports, support_weights, users, rng),
        comments=_spread(comments, comment_weights, comments, rng),
    )


def _user_rows(plan: Plan) -> Iterator[tuple[Any, ...]]:
    for user_id in range(1, plan.users + 1):
        joined = NOW - 2 * YEAR + 2 * YEAR * user_id / (plan.users + 1)
        yield (
            user_id,
            f"pessoa{user_id}@example.org",
            f"pessoa{user_id}@example.org",
            f"Pessoa {user_id}",
            f"pessoa{user_id}",
            "pt-BR",
            "!",  # no password: the benchmark signs its tokens directly
            "participant",
            joined,
            joined,
            0,
            joined,
            joined,
        )


USER_COLUMNS = [
    "id",
    "email",
    "email_normalized",
    "name",
    "nickname",
    "locale",
    "password_hash",
    "role",
    "confirmed_at",
    "tos_accepted_at",
    "token_version",
    "created_at",
    "updated_at",
]


def _proposal_rows(
    plan: Plan, component_id: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    for index in range(plan.proposals):
        proposal_id = index + 1
        published = plan.published_at[index]
        created = (published or NOW) - timedelta(hours=1)
        words = " ".join(rng.choices(WORDS, k=6))
        title = f"Proposta {proposal_id}: {words}"
        body = " ".join(rng.choices(WORDS, k=40))
        answered = plan.answered_at[index]
        answer = {"pt-BR": "Resposta da prefeitura."} if answered else {}
        status = plan.statuses[index]
        reference = None
        if published is not None:
            reference = f"CTG-PROP-{published:%Y-%m}-{proposal_id}"
        yield (
            proposal_id,
            component_id,
            reference,
            "user",
            rng.randint(1, plan.users),
            json.dumps({"pt-BR": title}),
            json.dumps({"pt-BR": f"<p>{body}</p>"}),
            f"{title} {body}".lower(),
            status,
            published,
            created + timedelta(days=30) if status == "withdrawn" else None,
            plan.answer_states[index],
            json.dumps(answer),
            answered,
            answered,
            "{}",
            "{}",
            plan.supports[index],
            plan.comments[index],
            0,
            created,
            answered or published or created,
        )


PROPOSAL_COLUMNS = [
    "id",
    "component_id",
    "reference",
    "author_kind",
    "author_id",
    "title",
    "body",
    "search_text",
    "status",
    "published_at",
    "withdrawn_at",
    "answer_state",
    "answer",
    "answered_at",
    "answer_published_at",
    "cost_report",
    "execution_period",
    "supports_count",
    "comments_count",
    "endorsements_count",
    "created_at",
    "updated_at",
]


def _support_rows(
    plan: Plan, component_id: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """The support rows; counts each user's supports into ``plan.supports_given``."""
    given = [0] * (plan.users + 1)
    support_id = 0
    population = range(1, plan.users + 1)
    for index, count in enumerate(plan.supports):
        published = plan.published_at[index] or NOW
        for user_id in rng.sample(population, count):
            support_id += 1
            given[user_id] += 1
            moment = published + (NOW - published) * rng.random()
            yield (support_id, index + 1, component_id, user_id, moment, moment)
    plan.supports_given = given


SUPPORT_COLUMNS = [
    "id",
    "proposal_id",
    "component_id",
    "user_id",
    "created_at",
    "updated_at",
]


def _comment_rows(plan: Plan, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Threads: about half the comments are roots, the rest reply down to depth 3."""
    comment_id = 0
    for index, count in enumerate(plan.comments):
        if count == 0:
            continue
        published = plan.published_at[index] or NOW
        thread: list[list[Any]] = []
        open_parents: list[int] = []
        for position in range(count):
            moment = published + (NOW - published) * (position + rng.random()) / count
            parent = None
            if open_parents and rng.random() < 0.5:
                parent = thread[rng.choice(open_parents)]
            depth = 0 if parent is None else parent[4] + 1
            comment_id += 1
            row = [
                comment_id,
                "proposal",
                index + 1,
                None if parent is None else parent[0],
                depth,
                rng.randint(1, plan.users),
                " ".join(rng.choices(WORDS, k=20)),
                rng.choice(("in_favour", "against", "neutral")),
                0,
                0,
                0,
                moment,
                moment,
            ]
            if parent is not None:
                parent[10] += 1
            if depth < 3:
                open_parents.append(len(thread))
            thread.append(row)
        yield from map(tuple, thread)


COMMENT_COLUMNS = [
    "id",
    "resource_type",
    "resource_id",
    "parent_id",
    "depth",
    "author_id",
    "body",
    "alignment",
    "up_votes",
    "down_votes",
    "replies_count",
    "created_at",
    "updated_at",
]


# Loading


@dataclass
class Loaded:
    component_id: int
    seconds: dict[str, float]


async def _timed(seconds: dict[str, float], label: str, work: Awaitable[Any]) -> None:
    started = time.perf_counter()
    await work
    seconds[label] = time.perf_counter() - started


async def load(url: str, plan: Plan, rng: random.Random) -> Loaded:
    """COPY the plan into the real tables, then VACUUM ANALYZE them."""
    connection = await raw_connection(url)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        # The rows are consistent by construction (and checked afterwards);
        # skipping the foreign-key triggers makes the load several times faster.
        await connection.execute("SET session_replication_role = replica")
        space_id = await connection.fetchval(
            """
            INSERT INTO spaces (kind, slug, title, subtitle, short_description,
                description, status, published_at, visibility, purpose)
            VALUES ('process', 'orcamento-participativo', $1, '{}', '{}', '{}',
                'published', $2, 'public', '{}')
            RETURNING id
            """,
            json.dumps({"pt-BR": "Orçamento participativo"}),
            NOW - 2 * YEAR,
        )
        component_id = await connection.fetchval(
            """
            INSERT INTO components (space_id, type, name, position, published_at,
                settings, default_switches, phase_switches)
            VALUES ($1, 'proposals', $2, 0, $3, $4, $5, '{}')
            RETURNING id
            """,
            space_id,
            json.dumps({"pt-BR": "Propostas"}),
            NOW - 2 * YEAR,
            json.dumps({"comments_enabled": True}),
            json.dumps({"supports_enabled": True, "creation_enabled": True}),
        )
        copies: list[tuple[str, str, list[str], Iterator[tuple[Any, ...]]]] = [
            ("users", "users", USER_COLUMNS, _user_rows(plan)),
            (
                "proposals",
                "proposals",
                PROPOSAL_COLUMNS,
                _proposal_rows(plan, component_id, rng),
            ),
            (
                "supports",
                "proposal_supports",
                SUPPORT_COLUMNS,
                _support_rows(plan, component_id, rng),
            ),
            ("comments", "comments", COMMENT_COLUMNS, _comment_rows(plan, rng)),
        ]
        for label, table, columns, rows in copies:
            await _timed(
                seconds,
                label,
                connection.copy_records_to_table(table, records=rows, columns=columns),
            )
        participants = (
            (component_id, user_id, given, NOW, NOW)
            for user_id, given in enumerate(plan.supports_given)
            if given
        )
        await _timed(
            seconds,
            "participants",
            connection.copy_records_to_table(
                "proposal_participants",
                records=participants,
                columns=[
                    "component_id",
                    "user_id",
                    "supports_given",
                    "created_at",
                    "updated_at",
                ],
            ),
        )
        for statement in RESET_SEQUENCES:
            await connection.execute(statement)
        await connection.execute("RESET session_replication_role")
        await _timed(seconds, "vacuum analyze", connection.execute("VACUUM ANALYZE"))
    finally:
        await connection.close()
    seconds["total"] = time.perf_counter() - started
    return Loaded(component_id, seconds)


RESET_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    for table in ("users", "proposals", "proposal_supports", "comments")
]
"""Rows were copied with their ids: the sequences continue after them."""

COUNTER_CHECKS = {
    "proposals.supports_count": """
        SELECT count(*) FROM proposals p
        WHERE p.supports_count <> (
            SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = p.id)
    """,
    "proposals.comments_count": """
        SELECT count(*) FROM proposals p
        WHERE p.comments_count <> (
            SELECT count(*) FROM comments c
            WHERE c.resource_type = 'proposal' AND c.resource_id = p.id
              AND c.deleted_at IS NULL)
    """,
    "comments.replies_count": """
        SELECT count(*) FROM comments c
        WHERE c.replies_count <> (
            SELECT count(*) FROM comments r WHERE r.parent_id = c.id)
    """,
    "proposal_participants.supports_given": """
        SELECT count(*) FROM proposal_participants pp
        WHERE pp.supports_given <> (
            SELECT count(*) FROM proposal_supports s
            WHERE s.component_id = pp.component_id AND s.user_id = pp.user_id)
    """,
}


async def check_counters(url: str) -> dict[str, int]:
    """Rows whose stored counter differs from the rows it counts: all must be 0."""
    connection = await raw_connection(url)
    try:
        return {
            name: await connection.fetchval(query)
            for name, query in COUNTER_CHECKS.items()
        }
    finally:
        await connection.close()


# The service in process


class Statements:
    """The SQL the service sends, captured while ``recording``."""

    def __init__(self, runtime: Runtime) -> None:
        self.recording = False
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", self._see)

    def _see(
        self,
        _connection: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if self.recording:
            self.seen.append((statement, tuple(parameters or ())))

    async def during(
        self, work: Callable[[], Awaitable[Any]]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        self.seen, self.recording = [], True
        try:
            await work()
        finally:
            self.recording = False
        return self.seen


async def _get_page(
    client: httpx.AsyncClient, component_id: int, params: dict[str, Any]
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/components/{component_id}/proposals", params=params
    )
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text}")
    page: dict[str, Any] = response.json()
    return page


def _main_query(
    statements: list[tuple[str, tuple[Any, ...]]],
) -> tuple[str, tuple[Any, ...]]:
    for statement, parameters in statements:
        if "FROM proposals" in statement and "ORDER BY" in statement:
            return statement, parameters
    raise RuntimeError("the list request ran no ordered query on proposals")


async def time_pages(
    client: httpx.AsyncClient,
    statements: Statements,
    baseline: asyncpg.Connection,
    component_id: int,
    deep: int,
    repeat: int,
    plans: dict[str, str] | None = None,
) -> list[tuple[Timing, Timing | None]]:
    """First and deep page of each sort; ``plans`` collects EXPLAIN ANALYZE."""
    rows: list[tuple[Timing, Timing | None]] = []
    for sort in SORTS:
        progress(f"pages of sort={sort}")
        params: dict[str, Any] = {"sort": sort, "limit": PAGE_SIZE}
        if sort == "random":
            params["seed"] = RANDOM_SEED
        first = await _get_page(client, component_id, params)
        # Walk to the deep page once; it is then fetched by its cursor.
        cursor, number, page = None, 1, first
        while number < deep and page["next_cursor"] is not None:
            cursor = page["next_cursor"]
            page = await _get_page(client, component_id, {**params, "cursor": cursor})
            number += 1
        pages = [(1, params)]
        if cursor is not None:
            pages.append((number, {**params, "cursor": cursor}))
        for page_number, page_params in pages:
            label = f"{sort}, page {page_number}"

            async def fetch(page_params: dict[str, Any] = page_params) -> None:
                await _get_page(client, component_id, page_params)

            seen = await statements.during(fetch)
            sql, args = _main_query(seen)

            async def replay(sql: str = sql, args: tuple[Any, ...] = args) -> None:
                await baseline.fetch(sql, *args)

            service = await measure(f"{label} ({len(seen)} queries)", fetch, repeat)
            raw = await measure(label, replay, repeat)
            rows.append((service, raw))
            if plans is not None:
                explain = "EXPLAIN (ANALYZE, BUFFERS) " + sql
                lines = await baseline.fetch(explain, *args)
                plans[label] = "\n".join(line[0] for line in lines)
    return rows


# Supports under concurrency


@dataclass
class Burst:
    label: str
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def _burst(
    label: str,
    jobs: list[tuple[int, int]],
    clients: int,
    run: Callable[[int, int], Awaitable[None]],
) -> Burst:
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []

    async def client() -> None:
        while not queue.empty():
            user_id, proposal_id = queue.get_nowait()
            started = time.perf_counter()
            await run(user_id, proposal_id)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Burst(label, time.perf_counter() - started, latencies)


async def support_jobs(
    url: str, posts: int, users: int, rng: random.Random
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Two disjoint sets of (user, proposal) pairs not yet supported: service, raw."""
    if 2 * posts > users:
        raise SystemExit(f"--posts {posts} needs at least {2 * posts} --users")
    connection = await raw_connection(url)
    try:
        supportable = [
            row["id"]
            for row in await connection.fetch(
                """
                SELECT id FROM proposals
                WHERE status = 'published'
                  AND (answer_published_at IS NULL OR answer_state <> 'rejected')
                """
            )
        ]
        jobs = []
        for user_id in rng.sample(range(1, users + 1), 2 * posts):
            while True:
                proposal_id = rng.choice(supportable)
                taken = await connection.fetchval(
                    "SELECT 1 FROM proposal_supports "
                    "WHERE proposal_id = $1 AND user_id = $2",
                    proposal_id,
                    user_id,
                )
                if not taken:
                    break
            jobs.append((user_id, proposal_id))
    finally:
        await connection.close()
    return jobs[:posts], jobs[posts:]


RAW_SUPPORT = [
    """
    INSERT INTO proposal_participants (component_id, user_id, supports_given)
    VALUES ($1, $2, 0) ON CONFLICT DO NOTHING
    """,
    """
    SELECT supports_given FROM proposal_participants
    WHERE component_id = $1 AND user_id = $2 FOR UPDATE
    """,
    "SELECT status, supports_count FROM proposals WHERE id = $1 FOR UPDATE",
    """
    INSERT INTO proposal_supports (proposal_id, component_id, user_id)
    VALUES ($1, $2, $3)
    """,
    """
    UPDATE proposal_participants SET supports_given = supports_given + 1
    WHERE component_id = $1 AND user_id = $2
    """,
    """
    UPDATE proposals SET supports_count = supports_count + 1 WHERE id = $1
    RETURNING supports_count
    """,
    """
    INSERT INTO outbox_events (event_type, payload, status, attempts, available_at)
    VALUES ('proposal.supported', $1, 'pending', 0, now())
    """,
]


async def _raw_support(
    connection: asyncpg.Connection, component_id: int, user_id: int, proposal_id: int
) -> None:
    """The rows a support writes, and the locks it takes, without the service."""
    insert_participant, lock_participant, lock_proposal = RAW_SUPPORT[:3]
    insert_support, count_given, count_support, emit = RAW_SUPPORT[3:]
    async with connection.transaction():
        await connection.execute(insert_participant, component_id, user_id)
        await connection.fetchval(lock_participant, component_id, user_id)
        await connection.fetchrow(lock_proposal, proposal_id)
        await connection.execute(insert_support, proposal_id, component_id, user_id)
        await connection.execute(count_given, component_id, user_id)
        await connection.fetchval(count_support, proposal_id)
        payload = {"proposal_id": proposal_id, "user_id": user_id}
        await connection.execute(emit, json.dumps(payload))


async def time_supports(
    url: str,
    runtime: Runtime,
    client: httpx.AsyncClient,
    statements: Statements,
    component_id: int,
    jobs: tuple[list[tuple[int, int]], list[tuple[int, int]]],
    clients: int,
) -> tuple[list[Burst], int]:
    """One client, then ``clients`` at once, on the service and on raw asyncpg.

    Returns the four bursts and the statements the service sent for one support.
    """
    service_jobs, raw_jobs = jobs
    solo = max(1, min(50, len(service_jobs) // 10))

    # Tokens are signed before the clock starts; verifying them is timed.
    tokens = {user_id: runtime.tokens.issue(user_id, 0) for user_id, _ in service_jobs}

    async def post(user_id: int, proposal_id: int) -> None:
        response = await client.post(
            f"/api/v1/proposals/{proposal_id}/supports",
            headers={"Authorization": f"Bearer {tokens[user_id]}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.text}")

    # One support alone first, to count the statements the service sends.
    first_user, first_proposal = service_jobs[0]
    seen = await statements.during(lambda: post(first_user, first_proposal))
    progress(f"{len(service_jobs)} supports through the service")
    bursts = [
        await _burst("service, 1 client", service_jobs[1 : solo + 1], 1, post),
        await _burst(
            f"service, {clients} clients", service_jobs[solo + 1 :], clients, post
        ),
    ]

    # The service's pool holds pool_size + max_overflow connections; the raw
    # pool gets as many, and the service's are closed first.
    connections = runtime.settings.database_pool_size + SQLALCHEMY_MAX_OVERFLOW
    await runtime.engine.dispose()
    pool = await raw_pool(url, connections)
    try:

        async def raw(user_id: int, proposal_id: int) -> None:
            async with pool.acquire() as connection:
                await _raw_support(connection, component_id, user_id, proposal_id)

        progress(f"{len(raw_jobs)} supports on raw asyncpg")
        bursts += [
            await _burst("raw, 1 client", raw_jobs[:solo], 1, raw),
            await _burst(f"raw, {clients} clients", raw_jobs[solo:], clients, raw),
        ]
    finally:
        await pool.close()
    return bursts, len(seen)


# Running


def _parser() -> Any:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--supports", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument(
        "--votes-from",
        type=Path,
        default=None,
        help=(
            "JSON lines of real proposals with total_votes and total_comments "
            "(e.g. /work/shared/data/barcelona-pam-2016/proposals.jsonl.gz) to "
            "draw the skew of supports and comments from; default a Zipf-like law"
        ),
    )
    parser.add_argument("--page", type=int, default=200, help="the deep page timed")
    parser.add_argument("--clients", type=int, default=50, help="concurrent POSTers")
    parser.add_argument("--posts", type=int, default=2_000, help="supports POSTed")
    parser.add_argument("--seed", type=int, default=2026, help="of the generator")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN (ANALYZE, BUFFERS) of each page's main query",
    )
    return parser


async def run(options: Any) -> None:
    rng = random.Random(options.seed)
    started = time.perf_counter()
    the_plan = plan(
        options.proposals,
        options.supports,
        options.comments,
        options.users,
        rng,
        options.votes_from,
    )
    planned = time.perf_counter() - started
    progress("planned; loading")
    async with scratch_database(options.database_url, keep=options.keep) as url:
        loaded = await load(url, the_plan, rng)
        progress("loaded; checking counters")
        counters = await check_counters(url)
        runtime, client = build_service(url)
        statements = Statements(runtime)
        baseline = await raw_connection(url)
        plans: dict[str, str] | None = {} if options.explain else None
        try:
            pages = await time_pages(
                client,
                statements,
                baseline,
                loaded.component_id,
                options.page,
                options.repeat,
                plans,
            )
        finally:
            await baseline.close()
        jobs = await support_jobs(url, options.posts, options.users, rng)
        try:
            bursts, statement_count = await time_supports(
                url,
                runtime,
                client,
                statements,
                loaded.component_id,
                jobs,
                options.clients,
            )
        finally:
            await client.aclose()
            await runtime.engine.dispose()
        after = await check_counters(url)
        totals = await _totals(url)

    _print_load(options, the_plan, planned, loaded, counters)
    report(
        f"List pages ({PAGE_SIZE} a page, anonymous reader, {options.repeat} runs "
        "each; baseline: the request's main query replayed on raw asyncpg)",
        pages,
    )
    solo_service, service, solo_raw, raw = bursts
    print(
        f"\n### Supports: POST /proposals/{{id}}/supports, each by a different "
        f"user; {len(solo_service.latencies)} by one client, then "
        f"{len(service.latencies)} by {options.clients} concurrent clients; "
        "baseline: the same writes and locks on raw asyncpg\n"
    )
    report_rates(
        [
            (
                "supports/s, 1 client",
                solo_service.per_second,
                solo_raw.per_second,
            ),
            (
                f"supports/s, {options.clients} clients",
                service.per_second,
                raw.per_second,
            ),
        ]
    )
    report(
        f"Support latency (the service sends {statement_count} statements per "
        f"support; the baseline {len(RAW_SUPPORT)} plus BEGIN/COMMIT)",
        [
            (
                Timing("1 client", solo_service.latencies),
                Timing("", solo_raw.latencies),
            ),
            (
                Timing(f"{options.clients} clients", service.latencies),
                Timing("", raw.latencies),
            ),
        ],
    )
    print("\n### Counters after the supports (rows differing from their count)\n")
    for name, wrong in after.items():
        print(f"- {name}: {wrong}")
    posted = 1 + sum(len(burst.latencies) for burst in bursts)
    print(
        f"- rows: {totals['supports']:,} supports "
        f"({sum(the_plan.supports):,} loaded + {posted:,} posted), "
        f"{totals['outbox']:,} outbox events"
    )
    for label, text in (plans or {}).items():
        print(f"\n#### Plan of {label}\n\n```\n{text}\n```")


async def _totals(url: str) -> dict[str, int]:
    connection = await raw_connection(url)
    try:
        return {
            "supports": await connection.fetchval(
                "SELECT count(*) FROM proposal_supports"
            ),
            "outbox": await connection.fetchval("SELECT count(*) FROM outbox_events"),
        }
    finally:
        await connection.close()


def _print_load(
    options: Any,
    the_plan: Plan,
    planned: float,
    loaded: Loaded,
    counters: dict[str, int],
) -> None:
    skew = "Zipf-like" if options.votes_from is None else str(options.votes_from)
    published = sum(1 for status in the_plan.statuses if status == "published")
    answered = sum(1 for moment in the_plan.answered_at if moment is not None)
    top = sorted(the_plan.supports, reverse=True)
    print(
        f"\n### Data: {the_plan.proposals:,} proposals ({published:,} published, "
        f"{answered:,} answered), {sum(the_plan.supports):,} supports, "
        f"{sum(the_plan.comments):,} comments, {the_plan.users:,} users; "
        f"skew {skew}\n"
    )
    print(
        f"Supports per proposal: max {top[0]:,}, p99 {top[len(top) // 100]:,}, "
        f"median {top[len(top) // 2]:,}, "
        f"none {sum(1 for count in top if count == 0):,}.\n"
    )
    print("| load step | seconds |")
    print("| --- | ---: |")
    print(f"| plan (Python) | {planned:.1f} |")
    for label, seconds in loaded.seconds.items():
        print(f"| {label} | {seconds:.1f} |")
    wrong = {name: count for name, count in counters.items() if count}
    verdict = wrong or "all equal their rows"
    print(f"\nCounters after the load: {verdict}")


def main() -> None:
    options = _parser().parse_args()
    asyncio.run(run(options))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
