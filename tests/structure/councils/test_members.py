"""The public list of a council's members, and the admins' list of its seats."""

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.councils import SeatKind, SeatRole, SeatStatus
from app.models.spaces import Space, SpaceStatus, Visibility
from app.runtime import Runtime
from tests import builders
from tests.api.problems import assert_problem
from tests.builders import Actor
from tests.conftest import QueryCounter
from tests.structure.councils.conftest import (
    API,
    make_council,
    make_seat,
    seats_url,
    space_admin,
)

PUBLIC_FIELDS = {
    "id",
    "sector",
    "role",
    "kind",
    "titular_seat_id",
    "holder",
    "organisation",
    "term_start",
    "term_end",
    "status",
    "ceased_at",
}


def members_url(council: Space) -> str:
    return f"{API}/spaces/{council.id}/council/members"


async def test_members_show_public_names_roles_sectors_and_terms(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime, council: Space
):
    account = await builders.user(session, runtime, name="Joana Pereira")
    president = await make_seat(
        session,
        council,
        holder_user_id=account.id,
        role=SeatRole.PRESIDENT,
        organisation="Secretaria de Saúde",
        term_start=date(2025, 3, 1),
        term_end=date(2027, 2, 28),
    )
    await make_seat(
        session,
        council,
        kind=SeatKind.ALTERNATE,
        titular_seat_id=president.id,
        holder_name="Carlos Lima",
    )

    response = await client.get(members_url(council))

    assert response.status_code == 200, response.text
    members = response.json()["items"]
    assert [set(member) for member in members] == [PUBLIC_FIELDS, PUBLIC_FIELDS]
    assert [(m["holder"], m["role"], m["kind"]) for m in members] == [
        ("Joana Pereira", "president", "titular"),
        ("Carlos Lima", "member", "alternate"),
    ]
    assert members[0]["organisation"] == "Secretaria de Saúde"
    assert (members[0]["term_start"], members[0]["term_end"]) == (
        "2025-03-01",
        "2027-02-28",
    )
    assert account.email not in response.text
    assert account.nickname not in response.text


async def test_members_follow_the_composition_titulars_and_officers_first(
    client: httpx.AsyncClient, session: AsyncSession, council: Space
):
    society = await make_seat(session, council, sector="civil_society")
    member = await make_seat(session, council)
    alternate = await make_seat(
        session, council, kind=SeatKind.ALTERNATE, titular_seat_id=member.id
    )
    president = await make_seat(session, council, role=SeatRole.PRESIDENT)

    response = await client.get(members_url(council))

    assert [m["id"] for m in response.json()["items"]] == [
        president.id,
        member.id,
        alternate.id,
        society.id,
    ]


async def test_vacant_seats_are_not_members_and_ceased_ones_only_as_history(
    client: httpx.AsyncClient, session: AsyncSession, council: Space
):
    active = await make_seat(session, council)
    nominated = await make_seat(session, council, status=SeatStatus.NOMINATED)
    await make_seat(session, council, sector="civil_society", status=SeatStatus.VACANT)
    ceased = await make_seat(session, council, status=SeatStatus.CEASED)

    current = await client.get(members_url(council))
    history = await client.get(members_url(council), params={"include_ceased": True})

    assert [m["id"] for m in current.json()["items"]] == [active.id, nominated.id]
    assert [m["id"] for m in history.json()["items"]] == [
        active.id,
        nominated.id,
        ceased.id,
    ]


async def test_the_admin_list_shows_vacant_seats_and_holder_details(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    council: Space,
    council_admin: Actor,
):
    account = await builders.user(session, runtime)
    held = await make_seat(session, council, holder_user_id=account.id)
    vacant = await make_seat(session, council, status=SeatStatus.VACANT)

    response = await client.get(seats_url(council), headers=council_admin.headers)

    assert response.status_code == 200, response.text
    seats = response.json()["items"]
    assert [(s["id"], s["status"]) for s in seats] == [
        (held.id, "active"),
        (vacant.id, "vacant"),
    ]
    assert seats[0]["holder_user_id"] == account.id
    assert account.email not in response.text


async def test_a_private_council_is_404_for_the_anonymous_and_participants(
    client: httpx.AsyncClient, session: AsyncSession, participant: Actor
):
    council = await make_council(session, visibility=Visibility.PRIVATE)
    await make_seat(session, council)

    anonymous = await client.get(members_url(council))
    outsider = await client.get(members_url(council), headers=participant.headers)

    assert_problem(anonymous, 404, "not-found")
    assert_problem(outsider, 404, "not-found")


async def test_a_private_council_is_readable_by_its_members(
    client: httpx.AsyncClient, session: AsyncSession, participant: Actor
):
    council = await make_council(session, visibility=Visibility.PRIVATE)
    seat = await make_seat(session, council)
    assert participant.user is not None
    await builders.member(session, council, participant.user)

    response = await client.get(members_url(council), headers=participant.headers)

    assert [m["id"] for m in response.json()["items"]] == [seat.id]


async def test_a_draft_council_is_404_until_published_except_for_its_admins(
    client: httpx.AsyncClient, session: AsyncSession, runtime: Runtime
):
    council = await make_council(session, status=SpaceStatus.DRAFT)
    await make_seat(session, council)
    admin = await space_admin(session, runtime, council)

    anonymous = await client.get(members_url(council))
    previewed = await client.get(members_url(council), headers=admin.headers)

    assert_problem(anonymous, 404, "not-found")
    assert previewed.status_code == 200, previewed.text


async def test_an_unknown_space_has_no_members(client: httpx.AsyncClient):
    response = await client.get(f"{API}/spaces/999999/council/members")

    assert_problem(response, 404, "not-found")


async def _fill(
    session: AsyncSession, runtime: Runtime, council: Space, seats: int
) -> None:
    for number in range(seats):
        account = await builders.user(session, runtime)
        await make_seat(
            session,
            council,
            sector="many",
            holder_user_id=account.id if number % 2 else None,
            holder_name=None if number % 2 else f"Pessoa {number}",
        )


async def test_the_members_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
):
    small = await make_council(session, {"many": (30, 0)})
    large = await make_council(session, {"many": (30, 0)})
    await _fill(session, runtime, small, 2)
    await _fill(session, runtime, large, 20)

    counts = []
    for council, expected in ((small, 2), (large, 20)):
        before = queries.count
        response = await client.get(members_url(council))
        counts.append(queries.count - before)
        assert len(response.json()["items"]) == expected

    assert counts[0] == counts[1]


async def test_the_admin_seat_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    org_admin: Actor,
    queries: QueryCounter,
):
    small = await make_council(session, {"many": (30, 0)})
    large = await make_council(session, {"many": (30, 0)})
    await _fill(session, runtime, small, 2)
    await _fill(session, runtime, large, 20)

    counts = []
    for council, expected in ((small, 2), (large, 20)):
        before = queries.count
        response = await client.get(seats_url(council), headers=org_admin.headers)
        counts.append(queries.count - before)
        assert len(response.json()["items"]) == expected

    assert counts[0] == counts[1]


async def _walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: object
) -> list[int]:
    """Ids of every page of a list, two items a page, following next_cursor."""
    ids: list[int] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            return ids
        assert response.headers["link"].endswith('>; rel="next"')


async def _mixed_seats(session: AsyncSession, council: Space) -> list[int]:
    """Seats of every kind of sort key, in the order the lists must give them."""
    late = await make_seat(session, council, sector="civil_society")
    alternate = await make_seat(session, council, kind=SeatKind.ALTERNATE)
    member = await make_seat(session, council)
    president = await make_seat(session, council, role=SeatRole.PRESIDENT)
    outside = await make_seat(session, council, sector="extinct")
    ceased = await make_seat(session, council, status=SeatStatus.CEASED)
    vacant = await make_seat(session, council, status=SeatStatus.VACANT)
    return [
        president.id,
        member.id,
        vacant.id,
        alternate.id,
        late.id,
        outside.id,
        ceased.id,
    ]


async def test_the_seat_list_pages_through_every_seat_in_order(
    client: httpx.AsyncClient,
    session: AsyncSession,
    council: Space,
    council_admin: Actor,
):
    expected = await _mixed_seats(session, council)

    walked = await _walk(client, seats_url(council), council_admin.headers)

    assert walked == expected


async def test_the_member_list_pages_through_every_member_in_order(
    client: httpx.AsyncClient, session: AsyncSession, council: Space
):
    expected = await _mixed_seats(session, council)
    vacant = expected[2]

    walked = await _walk(client, members_url(council), {}, include_ceased=True)

    assert walked == [seat for seat in expected if seat != vacant]


async def test_a_long_seat_list_is_not_cut_silently(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    org_admin: Actor,
):
    council = await make_council(session, {"many": (200, 0)})
    await _fill(session, runtime, council, 101)

    first = await client.get(seats_url(council), headers=org_admin.headers)
    rest = await client.get(
        seats_url(council),
        params={"cursor": first.json()["next_cursor"]},
        headers=org_admin.headers,
    )

    assert len(first.json()["items"]) == 100
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None


async def test_a_malformed_seat_cursor_is_a_422(
    client: httpx.AsyncClient, council: Space, council_admin: Actor
):
    response = await client.get(
        seats_url(council), params={"cursor": "WyJ4Il0"}, headers=council_admin.headers
    )

    assert_problem(response, 422, "validation-error")
