"""Open data export and search on the Barcelona 2016 action-plan corpus, scaled.

Loads the real proposals (Catalan titles and summaries, districts, states,
votes) and comments of ``barcelona-pam-2016`` ``--scale`` times (10 by default:
108,600 proposals and 181,920 comments) into one public process, COPYed into
the real tables, then through the real service, in process:

- rebuilds the search index (``decide search reindex``'s code) and times it;
- builds the open data export (every entity, CSV, JSON Lines, README, zip)
  and reports its time, its files' sizes and the process's peak resident
  memory during the build, sampled every 20 ms, beside the memory before it;
- times ``GET /api/v1/search`` for a set of queries (anonymous), p50 and p95.

Run with ``.venv/bin/python -m bench.open_data_search --help``; see bench/README.md.
"""

import asyncio
import gzip
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.services import open_data, search
from app.services import open_data_decisions as _decisions  # noqa: F401  (registers)
from app.services import open_data_exports as _entities  # noqa: F401  (registers)
from bench.common import (
    arguments,
    build_service,
    measure,
    raw_connection,
    report,
    scratch_database,
)
from bench.proposals import COMMENT_COLUMNS, USER_COLUMNS, progress

CORPUS = Path("/work/shared/data/barcelona-pam-2016")
STATES = {"accepted": "accepted", "rejected": "rejected", "evaluating": "evaluating"}
QUERIES = (
    ("one common word", {"q": "barri"}),
    ("one rarer word, no accent", {"q": "accessibilitat"}),
    ("accent left out", {"q": "participacio"}),
    ("two words", {"q": "habitatge social"}),
    ("phrase", {"q": '"carril bici"'}),
    ("proposals only", {"q": "escola", "type": "proposal"}),
    ("comments only", {"q": "escola", "type": "comment"}),
    ("in one district", {"q": "escola", "scope_id": 1}),
    ("no hit", {"q": "zzyzx"}),
)


def _read(name: str) -> list[dict[str, Any]]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _date(value: str) -> datetime:
    for layout in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime(2016, 2, 1, tzinfo=UTC)


def _users(count: int) -> Iterator[tuple[Any, ...]]:
    moment = datetime(2016, 1, 1, tzinfo=UTC)
    for user_id in range(1, count + 1):
        email = f"pessoa{user_id}@example.org"
        yield (
            user_id, email, email, f"Participante {user_id}", f"p{user_id}", "ca",
            "!", "participant", moment, moment, 0, moment, moment,
        )  # fmt: skip


def _proposals(
    corpus: list[dict[str, Any]],
    scale: int,
    component_id: int,
    districts: dict[str, int],
) -> Iterator[tuple[Any, ...]]:
    for copy in range(scale):
        for index, item in enumerate(corpus):
            proposal_id = copy * len(corpus) + index + 1
            published = _date(item["created_at"])
            title = {"ca": item["title"]}
            body = {"ca": f"<p>{item.get('summary') or ''}</p>"}
            state = STATES.get(item.get("status") or "", "not_answered")
            answered = published if state != "not_answered" else None
            yield (
                proposal_id, component_id, f"BCN-{proposal_id}",
                "official" if item.get("official") else "user", None,
                json.dumps(title), json.dumps(body), item["title"].lower(),
                districts.get(item.get("district") or ""), "published", published,
                state, "{}", answered, answered, "{}", "{}",
                item.get("total_votes") or 0, 0, 0, published, published,
            )  # fmt: skip


PROPOSAL_COLUMNS = [
    "id", "component_id", "reference", "author_kind", "author_id", "title", "body",
    "search_text", "scope_id", "status", "published_at", "answer_state", "answer",
    "answered_at", "answer_published_at", "cost_report", "execution_period",
    "supports_count", "comments_count", "endorsements_count", "created_at",
    "updated_at",
]  # fmt: skip


def _comments(
    corpus: list[dict[str, Any]], proposals: int, scale: int, users: int
) -> Iterator[tuple[Any, ...]]:
    alignment = {1: "in_favour", -1: "against"}
    for copy in range(scale):
        for index, item in enumerate(corpus):
            moment = _date(item["created_at"])
            yield (
                copy * len(corpus) + index + 1, "proposal",
                copy * proposals + item["proposal_id"], None, 0,
                hash(item.get("author")) % users + 1, item["body"],
                alignment.get(item.get("alignment"), "neutral"),
                item.get("total_likes") or 0, item.get("total_dislikes") or 0, 0,
                moment, moment,
            )  # fmt: skip


async def load(url: str, scale: int, users: int) -> dict[str, int]:
    proposals = _read("proposals.jsonl.gz")
    comments = [c for c in _read("comments.jsonl.gz") if c.get("proposal_id")]
    known = {item["id"] for item in proposals}
    comments = [c for c in comments if c["proposal_id"] in known]
    by_id = {item["id"]: index + 1 for index, item in enumerate(proposals)}
    for comment in comments:
        comment["proposal_id"] = by_id[comment["proposal_id"]]
    connection = await raw_connection(url)
    try:
        await connection.execute("SET session_replication_role = replica")
        space_id = await connection.fetchval(
            "INSERT INTO spaces (kind, slug, title, subtitle, short_description,"
            " description, status, published_at, visibility, purpose) VALUES"
            " ('process', 'pam-2016', $1, '{}', '{}', '{}', 'published', now(),"
            " 'public', '{}') RETURNING id",
            json.dumps({"ca": "Pla d'Actuació Municipal 2016-2019"}),
        )
        component_id = await connection.fetchval(
            "INSERT INTO components (space_id, type, name, position, published_at,"
            " settings, default_switches, phase_switches) VALUES ($1, 'proposals',"
            " $2, 0, now(), '{}', '{}', '{}') RETURNING id",
            space_id,
            json.dumps({"ca": "Propostes"}),
        )
        districts: dict[str, int] = {}
        for name in sorted({p.get("district") or "" for p in proposals} - {""}):
            districts[name] = await connection.fetchval(
                "INSERT INTO scopes (path, type, code, name) VALUES ('', 'regional',"
                " $1, $2) RETURNING id",
                f"D{len(districts) + 1}",
                json.dumps({"ca": name}),
            )
        await connection.execute("UPDATE scopes SET path = '/' || id || '/'")
        await connection.copy_records_to_table(
            "users", records=_users(users), columns=USER_COLUMNS
        )
        await connection.copy_records_to_table(
            "proposals",
            records=_proposals(proposals, scale, component_id, districts),
            columns=PROPOSAL_COLUMNS,
        )
        await connection.copy_records_to_table(
            "comments",
            records=_comments(comments, len(proposals), scale, users),
            columns=COMMENT_COLUMNS,
        )
        await connection.execute(
            "UPDATE proposals SET comments_count = c.n FROM (SELECT resource_id,"
            " count(*) AS n FROM comments GROUP BY resource_id) AS c"
            " WHERE c.resource_id = proposals.id"
        )
        for table in ("users", "proposals", "comments", "scopes"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            highest = f"(SELECT max(id) FROM {table})"  # noqa: S608  (our names)
            await connection.execute(f"SELECT setval({sequence}, {highest})")
        await connection.execute("VACUUM ANALYZE")
        return {
            "proposals": await connection.fetchval("SELECT count(*) FROM proposals"),
            "comments": await connection.fetchval("SELECT count(*) FROM comments"),
            "districts": len(districts),
        }
    finally:
        await connection.close()


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakMemory:
    """The process's resident memory, sampled in a thread while work runs."""

    def __init__(self) -> None:
        self.before = _rss_kib()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_kib())

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_kib())


async def run(options: Any) -> None:
    async with scratch_database(options.database_url, keep=options.keep) as url:
        started = time.perf_counter()
        loaded = await load(url, options.scale, options.users)
        progress(f"loaded {loaded} in {time.perf_counter() - started:.0f} s")
        runtime, client = build_service(url)
        folder = Path(tempfile.mkdtemp(prefix="decide-open-data-"))
        settings = runtime.settings.model_copy(update={"open_data_dir": folder})
        runtime.settings = settings
        try:
            started = time.perf_counter()
            async with runtime.sessionmaker() as session, session.begin():
                indexed = await search.reindex(session)
            reindex_seconds = time.perf_counter() - started
            progress(f"indexed {indexed} in {reindex_seconds:.0f} s")

            store = open_data.store_for(settings)
            with PeakMemory() as memory:
                started = time.perf_counter()
                build = await open_data.build(runtime.sessionmaker, store)
                export_seconds = time.perf_counter() - started
            progress(f"exported in {export_seconds:.0f} s")

            timings = []
            for label, params in QUERIES:

                async def ask(params: dict[str, Any] = params) -> None:
                    response = await client.get("/api/v1/search", params=params)
                    assert response.status_code == 200, response.text

                first = (await client.get("/api/v1/search", params=params)).json()
                hits = sum(first["counts"].values())
                timings.append(
                    await measure(f"{label} ({hits} hits)", ask, options.repeat)
                )
            _print(loaded, indexed, reindex_seconds, export_seconds, memory, build)
            report("GET /api/v1/search, anonymous, 25 hits a page", [
                (timing, None) for timing in timings
            ])  # fmt: skip
        finally:
            await client.aclose()
            await runtime.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def _print(
    loaded: dict[str, int],
    indexed: dict[str, int],
    reindex_seconds: float,
    export_seconds: float,
    memory: PeakMemory,
    build: open_data.Build,
) -> None:
    sizes = {path.name: path.stat().st_size for path in build.folder.iterdir()}
    print("\n### Load\n")
    print(f"{loaded['proposals']} proposals, {loaded['comments']} comments, "
          f"{loaded['districts']} districts as scopes.")  # fmt: skip
    print(f"\nSearch index rebuilt in {reindex_seconds:.1f} s: {indexed}.")
    print("\n### Open data export\n")
    print("| measure | value |\n| --- | ---: |")
    print(f"| build time (all entities, CSV + JSONL + zip) | {export_seconds:.1f} s |")
    print(f"| resident memory before | {memory.before / 1024:.0f} MiB |")
    print(f"| peak resident memory during the build | {memory.peak / 1024:.0f} MiB |")
    print(
        f"| growth during the build | {(memory.peak - memory.before) / 1024:.0f} MiB |"
    )
    for name in ("proposals.csv", "proposals.jsonl", "comments.csv", "open-data.zip"):
        print(f"| {name} | {sizes.get(name, 0) / 1_048_576:.1f} MiB |")


def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--scale", type=int, default=10, help="copies of the corpus")
    parser.add_argument("--users", type=int, default=20_000, help="comment authors")
    options = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(run(options))


if __name__ == "__main__":
    main()
