"""What ETags and idempotency keys cost, and what a 304 or a replay saves.

Fills ``--spaces`` published spaces, then times through the real service, in
process, on a scratch PostgreSQL database:

- ``GET /api/v1/spaces`` (a full page, tagged) beside the same request with a
  matching ``If-None-Match`` (a 304: the page is still built, not sent);
- ``POST /api/v1/webhooks`` without a key, with a new key each time (the key is
  claimed and the answer stored in the write's transaction), and the same key
  again (a replay: no write at all).

Run with ``.venv/bin/python -m bench.caching --help``; see bench/README.md.
"""

import argparse
import asyncio
import itertools
import sys

import httpx

from app.models.base import utcnow
from app.models.spaces import Space, SpaceKind, SpaceStatus, Visibility
from app.models.users import UserRole
from app.runtime import Runtime
from bench.common import arguments, build_service, measure, report, scratch_database
from tests import builders

HOOK = {"url": "http://127.0.0.1:9/hooks", "event_types": ["meeting.published"]}


async def _arrange(runtime: Runtime, spaces: int) -> dict[str, str]:
    async with runtime.sessionmaker() as session:
        admin = await builders.user(session, runtime, role=UserRole.ADMIN)
        session.add_all(
            Space(
                kind=SpaceKind.PROCESS,
                slug=f"espaco-{number}",
                title={"pt-BR": f"Espaço {number}", "en": f"Space {number}"},
                status=SpaceStatus.PUBLISHED,
                published_at=utcnow(),
                visibility=Visibility.PUBLIC,
            )
            for number in range(spaces)
        )
        await session.commit()
    return builders.bearer(runtime, admin)


async def _ok(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code}: {response.text}")


async def run(options: argparse.Namespace) -> None:
    async with scratch_database(options.database_url, keep=options.keep) as url:
        runtime, client = build_service(url)
        admin = await _arrange(runtime, options.spaces)
        page = f"/api/v1/spaces?limit={options.page}"
        etag = (await client.get(page)).headers["etag"]
        keys = (f"bench-{number}" for number in itertools.count())

        async def read() -> None:
            await _ok(await client.get(page), 200)

        async def revalidate() -> None:
            await _ok(await client.get(page, headers={"If-None-Match": etag}), 304)

        async def write(key: str | None) -> None:
            headers = admin if key is None else {**admin, "Idempotency-Key": key}
            await _ok(
                await client.post("/api/v1/webhooks", json=HOOK, headers=headers), 201
            )

        repeat = options.repeat
        reads = [
            (
                await measure(f"GET {options.page} spaces, 200 + ETag", read, repeat),
                None,
            ),
            (await measure("same, If-None-Match: 304", revalidate, repeat), None),
        ]
        writes = [
            (await measure("POST webhook, no key", lambda: write(None), repeat), None),
            (
                await measure(
                    "POST webhook, new key", lambda: write(next(keys)), repeat
                ),
                None,
            ),
            (
                await measure(
                    "POST webhook, replayed key", lambda: write("bench-0"), repeat
                ),
                None,
            ),
        ]
        report("Reads with ETags", reads)
        report("Writes with Idempotency-Key", writes)
        await client.aclose()
        await runtime.engine.dispose()


def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--spaces", type=int, default=200, help="published spaces")
    parser.add_argument("--page", type=int, default=100, help="spaces per page")
    asyncio.run(run(parser.parse_args()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
