"""``decide seed-demo``: accounts and Contagem's demo data, loaded idempotently."""

from sqlalchemy import select

from app.config import Environment, Settings
from app.db import session_scope
from app.models.base import utcnow
from app.models.users import User
from app.runtime import Runtime
from app.services import accounts

DEMO_ADMIN = ("admin@decide.contagem.local", "decide-admin-2026", "Equipe Decide")
DEMO_PARTICIPANT = (
    "participante@decide.contagem.local",
    "participe-2026",
    "Participante Demonstração",
    "participante",
)


async def ensure_admin(settings: Settings, email: str, password: str, name: str) -> int:
    runtime = Runtime.build(settings)
    try:
        async for session in session_scope(runtime.sessionmaker):
            user = await accounts.create_admin(
                session, runtime, email=email, password=password, name=name
            )
            user_id = user.id
        return user_id
    finally:
        await runtime.engine.dispose()


async def _ensure_participant(runtime: Runtime) -> bool:
    email, password, name, nickname = DEMO_PARTICIPANT
    async for session in session_scope(runtime.sessionmaker):
        if await accounts.find_by_email(session, email) is not None:
            return False
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
    return True


async def seed(settings: Settings) -> list[str]:
    """Load the demo data; returns what was done, one line each."""
    if settings.env is Environment.PRODUCTION:
        raise SystemExit(
            "seed-demo creates accounts with known passwords; not in production"
        )
    runtime = Runtime.build(settings)
    try:
        async for session in session_scope(runtime.sessionmaker):
            existing = await session.scalar(
                select(User.id).where(User.email_normalized == DEMO_ADMIN[0])
            )
        lines = []
        if existing is None:
            email, password, name = DEMO_ADMIN
            await ensure_admin(settings, email, password, name)
            lines.append(f"admin {email} / {password}")
        if await _ensure_participant(runtime):
            lines.append(f"participant {DEMO_PARTICIPANT[0]} / {DEMO_PARTICIPANT[1]}")
        return lines or ["demo data already loaded"]
    finally:
        await runtime.engine.dispose()
