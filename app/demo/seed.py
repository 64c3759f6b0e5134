"""``decide seed-demo``: accounts and Contagem's demo data, loaded idempotently.

Each step looks for what it would create (by e-mail, code or slug) and leaves
existing rows alone, so running it again changes nothing.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Environment, Settings
from app.db import session_scope
from app.demo import budgets as demo_budgets
from app.demo import consultation as demo_consultation
from app.demo import contagem
from app.models.action_log import ActionLogEntry
from app.models.base import utcnow
from app.models.components import Component, ComponentType, Page, Post
from app.models.councils import (
    CouncilSeat,
    CouncilSectorRequirement,
    SeatKind,
    SeatRole,
    SeatStatus,
)
from app.models.meetings import (
    LinkVisibility,
    Meeting,
    MeetingType,
    RegistrationType,
)
from app.models.spaces import Phase, Space, SpaceInterestGroup, SpaceKind, SpaceStatus
from app.models.taxonomies import (
    Area,
    AreaType,
    InterestGroup,
    InterestGroupKind,
    Scope,
    ScopeType,
)
from app.models.users import User
from app.runtime import Runtime
from app.services import accounts

DEMO_ADMIN = ("admin@contagem.example", "decide-admin-2026", "Equipe Decide")
DEMO_PARTICIPANT = (
    "participante@contagem.example",
    "participe-2026",
    "Participante Demonstração",
    "participante",
)


async def ensure_admin(settings: Settings, email: str, password: str, name: str) -> int:
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.sessionmaker) as session:
            user = await accounts.create_admin(
                session, runtime, email=email, password=password, name=name
            )
            user_id = user.id
        return user_id
    finally:
        await runtime.engine.dispose()


async def seed(settings: Settings) -> list[str]:
    """Load the demo data; returns what was done, one line each."""
    if settings.env is Environment.PRODUCTION:
        raise SystemExit("seed-demo creates accounts with known passwords; not here")
    today = utcnow().astimezone(ZoneInfo(settings.time_zone)).date()
    runtime = Runtime.build(settings)
    try:
        async with session_scope(runtime.sessionmaker) as session:
            lines = await _accounts(session, runtime)
            admin = await accounts.find_by_email(session, DEMO_ADMIN[0])
            lines += await _contagem(session, admin, today)
            lines += await demo_budgets.seed(session, admin)
            lines += await demo_consultation.seed(session)
        return lines or ["demo data already loaded"]
    finally:
        await runtime.engine.dispose()


async def _accounts(session: AsyncSession, runtime: Runtime) -> list[str]:
    lines = []
    email, password, name = DEMO_ADMIN
    if await accounts.find_by_email(session, email) is None:
        await accounts.create_admin(
            session, runtime, email=email, password=password, name=name
        )
        lines.append(f"admin {email} / {password}")
    email, password, name, nickname = DEMO_PARTICIPANT
    if await accounts.find_by_email(session, email) is None:
        session.add(
            User(
                email=email,
                email_normalized=email,
                name=name,
                nickname=nickname,
                password_hash=runtime.passwords.hash(password),
                confirmed_at=utcnow(),
                tos_accepted_at=utcnow(),
            )
        )
        lines.append(f"participant {email} / {password}")
    await session.flush()
    return lines


async def _contagem(
    session: AsyncSession, admin: User | None, today: date
) -> list[str]:
    if await session.scalar(select(Scope.id).where(Scope.code == "3118601")):
        return []
    regionais = await _territory(session)
    areas = await _themes(session)
    groups = await _interest_groups(session)
    await _ppa(session, admin, areas, groups)
    await _regional_councils(session, admin, regionais, groups, today)
    await _health_council(session, admin, areas, today)
    await _talk_to_the_mayor(session, admin)
    return [
        "Contagem: municipality, 8 regionais, themes and interest groups",
        "spaces: Plano Plurianual Participativo, 8 regional councils, "
        "Conselho Municipal de Saúde, Fale com o Prefeito",
    ]


async def _add_scope(
    session: AsyncSession, parent: Scope | None, **values: object
) -> Scope:
    scope = Scope(parent_id=parent.id if parent else None, **values)
    session.add(scope)
    await session.flush()
    scope.path = f"{parent.path if parent else '/'}{scope.id}/"
    return scope


async def _territory(session: AsyncSession) -> dict[str, Scope]:
    data = contagem.municipality()
    city = data["municipality"]
    root = await _add_scope(
        session,
        None,
        type=ScopeType.MUNICIPALITY,
        code=city["ibge_code"],
        name={"pt-BR": city["name"]},
        population=city["population_2022"],
        boundary=contagem.boundary(),
    )
    regionais = {}
    for regional in data["regionais"]:
        node = await _add_scope(
            session,
            root,
            type=ScopeType.REGIONAL,
            code=f"REG-{regional['code']}",
            name={"pt-BR": f"Regional {regional['name']}"},
            population=regional["population_2010"],
        )
        regionais[regional["code"]] = node
        for number, name in enumerate(
            contagem.NEIGHBOURHOODS.get(regional["code"], [])
        ):
            await _add_scope(
                session,
                node,
                type=ScopeType.NEIGHBOURHOOD,
                code=f"BAI-{regional['code']}-{number + 1}",
                name={"pt-BR": name},
            )
    return regionais


async def _themes(session: AsyncSession) -> dict[str, Area]:
    types = {}
    for key, name in contagem.AREA_TYPES.items():
        types[key] = AreaType(name=name)
        session.add(types[key])
    await session.flush()
    areas = {}
    for type_key, name in contagem.AREAS:
        areas[name["en"]] = Area(area_type_id=types[type_key].id, name=name)
        session.add(areas[name["en"]])
    await session.flush()
    return areas


async def _interest_groups(session: AsyncSession) -> dict[str, InterestGroup]:
    groups = {}
    for segment in contagem.municipality()["regional_council_segments"]:
        names = {"pt-BR": segment.capitalize(), **contagem.SEGMENT_NAMES[segment]}
        groups[segment] = InterestGroup(
            code=_slug(segment), kind=InterestGroupKind.SEGMENT, name=names
        )
    for code, name in contagem.POPULATION_GROUPS:
        groups[code] = InterestGroup(
            code=code, kind=InterestGroupKind.POPULATION, name=name
        )
    for code, name in contagem.SECTORS:
        groups[code] = InterestGroup(
            code=code, kind=InterestGroupKind.SECTOR, name=name
        )
    session.add_all(groups.values())
    await session.flush()
    return groups


def _slug(text: str) -> str:
    plain = text.translate(str.maketrans("áâãéêíóôõúç", "aaaeeiooouc"))
    return "-".join(plain.lower().split())


def _publish(session: AsyncSession, admin: User | None, space: Space) -> None:
    space.status = SpaceStatus.PUBLISHED
    space.published_at = utcnow()
    session.add(
        ActionLogEntry(
            actor_id=admin.id if admin else None,
            action="space.published",
            object_type="space",
            object_id=space.id,
            space_id=space.id,
            public=True,
        )
    )


async def _space(session: AsyncSession, admin: User | None, **values: object) -> Space:
    space = Space(**values)
    session.add(space)
    await session.flush()
    _publish(session, admin, space)
    return space


PARTICIPATION = {
    "creation_enabled": True,
    "supports_enabled": True,
    "endorsements_enabled": True,
    "answers_enabled": True,
}
"""Switches of a demo component open to residents' proposals, as a live one is."""


def _component(
    space: Space,
    type: ComponentType,
    name: dict[str, str],
    position: int,
    *,
    settings: dict[str, object] | None = None,
) -> Component:
    participative = type in (ComponentType.PROPOSALS, ComponentType.MEETINGS)
    return Component(
        space_id=space.id,
        type=type,
        name=name,
        position=position,
        published_at=utcnow(),
        settings=settings or {},
        default_switches=PARTICIPATION if participative else {},
    )


def _ppa_meetings(component: Component) -> list[Meeting]:
    """A hybrid hearing that takes registrations and an online plenary."""
    evening = utcnow().replace(hour=22, minute=0, second=0, microsecond=0)
    hearing_starts = evening + timedelta(days=10)
    plenary_starts = evening + timedelta(days=17)
    return [
        Meeting(
            component_id=component.id,
            title={"pt-BR": "Audiência pública do PPA: Regional Eldorado"},
            description={
                "pt-BR": "<p>Apresentação do plano e escuta das propostas.</p>"
            },
            type=MeetingType.HYBRID,
            address="Praça da Cemig, Eldorado, Contagem - MG",
            online_url="https://meet.example.org/ppa-eldorado",
            link_visibility=LinkVisibility.REGISTERED,
            starts_at=hearing_starts,
            ends_at=hearing_starts + timedelta(hours=3),
            registration_type=RegistrationType.ON_PLATFORM,
            capacity=120,
            waitlist_enabled=True,
            published_at=utcnow(),
        ),
        Meeting(
            component_id=component.id,
            title={"pt-BR": "Plenária online do PPA"},
            type=MeetingType.ONLINE,
            online_url="https://meet.example.org/ppa-plenaria",
            link_visibility=LinkVisibility.EVERYONE,
            starts_at=plenary_starts,
            ends_at=plenary_starts + timedelta(hours=2),
            registration_type=RegistrationType.DISABLED,
            published_at=utcnow(),
        ),
    ]


async def _ppa(
    session: AsyncSession,
    admin: User | None,
    areas: dict[str, Area],
    groups: dict[str, InterestGroup],
) -> None:
    space = await _space(
        session,
        admin,
        kind=SpaceKind.PROCESS,
        slug="ppa-participativo-2026-2029",
        title={
            "pt-BR": "Plano Plurianual Participativo 2026-2029",
            "en": "Participatory Multi-Year Plan 2026-2029",
            "es": "Plan Plurianual Participativo 2026-2029",
        },
        subtitle={"pt-BR": "As prioridades de Contagem para os próximos quatro anos"},
        short_description={
            "pt-BR": "Diga o que sua regional precisa e ajude a priorizar o orçamento.",
            "en": "Say what your region needs and help set the budget's priorities.",
        },
        description={"pt-BR": "<p>O PPA define os programas e metas da cidade.</p>"},
        start_date=date.fromisoformat(contagem.PPA_PHASES[0].start),
        end_date=date.fromisoformat(contagem.PPA_PHASES[-1].end),
    )
    for position, phase in enumerate(contagem.PPA_PHASES):
        session.add(
            Phase(
                space_id=space.id,
                position=position,
                title=phase.title,
                start_date=date.fromisoformat(phase.start),
                end_date=date.fromisoformat(phase.end),
                active=phase.active,
            )
        )
    session.add_all(
        SpaceInterestGroup(space_id=space.id, interest_group_id=group.id)
        for group in (groups["juventude"], groups["mulheres"])
    )
    news = _component(space, ComponentType.POSTS, {"pt-BR": "Notícias"}, 2)
    about = _component(space, ComponentType.PAGES, {"pt-BR": "Sobre o PPA"}, 3)
    meetings = _component(space, ComponentType.MEETINGS, {"pt-BR": "Encontros"}, 1)
    session.add_all(
        [
            _component(
                space,
                ComponentType.PROPOSALS,
                {"pt-BR": "Propostas"},
                0,
                settings={"attachments_allowed": True, "supports_limit_per_user": 10},
            ),
            meetings,
            news,
            about,
        ]
    )
    await session.flush()
    session.add_all(_ppa_meetings(meetings))
    session.add(
        Post(
            component_id=news.id,
            title={"pt-BR": "Começa a fase de propostas do PPA"},
            body={"pt-BR": "<p>Envie suas propostas até fevereiro.</p>"},
            published_at=utcnow(),
        )
    )
    session.add(
        Page(
            component_id=about.id,
            slug="o-que-e-o-ppa",
            title={"pt-BR": "O que é o PPA"},
            body={"pt-BR": "<p>O Plano Plurianual organiza as ações da cidade.</p>"},
        )
    )


SEAT_PATTERN = ("vacant", "pending", "ending", "expired", "active", "active", "active")


async def _regional_councils(
    session: AsyncSession,
    admin: User | None,
    regionais: dict[str, Scope],
    groups: dict[str, InterestGroup],
    today: date,
) -> None:
    segments = contagem.municipality()["regional_council_segments"]
    holder = 0
    for index, regional in enumerate(regionais.values()):
        name = regional.name["pt-BR"].removeprefix("Regional ")
        council = await _space(
            session,
            admin,
            kind=SpaceKind.ASSEMBLY,
            slug=f"conselho-regional-{_slug(name)}",
            title={
                "pt-BR": f"Conselho Regional {name}",
                "en": f"{name} Regional Council",
                "es": f"Consejo Regional {name}",
            },
            scope_id=regional.id,
            is_council=True,
            legal_act="Lei municipal de criação dos conselhos regionais",
            purpose={
                "pt-BR": f"Acompanhar as políticas públicas na regional {name}.",
            },
            meeting_frequency="mensal",
        )
        for offset, segment in enumerate(segments):
            session.add(
                CouncilSectorRequirement(
                    space_id=council.id,
                    sector=groups[segment].code,
                    titular_seats=1,
                    alternate_seats=1,
                )
            )
            state = SEAT_PATTERN[(index + offset) % len(SEAT_PATTERN)]
            holder += 1
            titular = _seat(council, groups[segment].code, state, holder, today)
            if offset == 0:
                titular.role = SeatRole.PRESIDENT
            session.add(titular)
            await session.flush()
            alternate_state = "vacant" if (index + offset) % 3 == 0 else "active"
            holder += 1
            alternate = _seat(
                council, groups[segment].code, alternate_state, holder, today
            )
            alternate.kind = SeatKind.ALTERNATE
            alternate.titular_seat_id = titular.id
            session.add(alternate)


def _seat(
    council: Space, sector: str, state: str, holder: int, today: date
) -> CouncilSeat:
    seat = CouncilSeat(space_id=council.id, sector=sector, status=SeatStatus.VACANT)
    if state == "vacant":
        return seat
    seat.holder_name = f"Participante {holder:04d}"
    seat.term_start = date(2025, 3, 1)
    seat.term_end = date(2027, 2, 28)
    seat.status = SeatStatus.ACTIVE
    if state == "pending":
        seat.status = SeatStatus.PENDING_REGULARISATION
    elif state == "ending":
        seat.term_end = today + timedelta(days=20)
    elif state == "expired":
        seat.term_end = today - timedelta(days=10)
    return seat


async def _health_council(
    session: AsyncSession, admin: User | None, areas: dict[str, Area], today: date
) -> None:
    council = await _space(
        session,
        admin,
        kind=SpaceKind.ASSEMBLY,
        slug="conselho-municipal-de-saude",
        title={
            "pt-BR": "Conselho Municipal de Saúde",
            "en": "Municipal Health Council",
            "es": "Consejo Municipal de Salud",
        },
        area_id=areas["Health"].id,
        is_council=True,
        legal_act="Lei Federal nº 8.142/1990 e lei municipal do conselho",
        purpose={"pt-BR": "Formular e fiscalizar a política municipal de saúde."},
        meeting_frequency="mensal",
    )
    holder = 500
    for sector, titulars, alternates in contagem.HEALTH_COUNCIL_COMPOSITION:
        session.add(
            CouncilSectorRequirement(
                space_id=council.id,
                sector=sector,
                titular_seats=titulars,
                alternate_seats=alternates,
            )
        )
        for number in range(titulars):
            holder += 1
            state = "vacant" if number == titulars - 1 else "active"
            session.add(_seat(council, sector, state, holder, today))
    pages = _component(council, ComponentType.PAGES, {"pt-BR": "Documentos"}, 0)
    session.add(pages)
    await session.flush()
    session.add(
        Page(
            component_id=pages.id,
            slug="regimento-interno",
            title={"pt-BR": "Regimento interno"},
            body={"pt-BR": "<p>Texto do regimento interno do conselho.</p>"},
        )
    )


async def _talk_to_the_mayor(session: AsyncSession, admin: User | None) -> None:
    channel = await _space(
        session,
        admin,
        kind=SpaceKind.CHANNEL,
        slug="fale-com-o-prefeito",
        title={
            "pt-BR": "Fale com o Prefeito",
            "en": "Talk to the Mayor",
            "es": "Habla con el Alcalde",
        },
        short_description={
            "pt-BR": "Envie sua demanda; a prefeitura responde dentro do prazo.",
            "en": "Send your request; the city answers within the deadline.",
        },
    )
    session.add(
        _component(
            channel,
            ComponentType.PROPOSALS,
            {"pt-BR": "Demandas"},
            0,
            settings={"answer_deadline_days": 30, "attachments_allowed": True},
        )
    )
