"""Mail: rendered per locale, written as .eml files, or handed to an SMTP relay."""

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from aiosmtpd.controller import Controller
from aiosmtplib import SMTPRecipientsRefused
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import MailBackend, Settings
from app.models.events import OutboxEvent, OutboxStatus
from app.runtime import Runtime
from app.services import outbox
from app.services.mail import (
    MAIL_SEND,
    ConsoleSender,
    FileSender,
    Mail,
    SmtpSender,
    create_sender,
    mail_handler,
    mail_request,
    render,
)
from tests.conftest import make_settings
from tests.mailbox import Mailbox

TOKEN = "a+b/c=d&e"  # characters a link must escape


def link_token(text: str) -> str:
    [link] = [word for word in text.split() if word.startswith("http")]
    return parse_qs(urlparse(link).query)["token"][0]


@pytest.fixture
def mail_settings(tmp_path: Path) -> Settings:
    return make_settings("sqlite+aiosqlite://", tmp_path / "mail")


class TestRender:
    @pytest.mark.parametrize(
        ("locale", "subject"),
        [
            ("pt-BR", "Confirme seu e-mail no Decide Contagem"),
            ("en", "Confirm your e-mail on Decide Contagem"),
            ("es", "Confirma tu correo en Decide Contagem"),
            ("en-GB", "Confirm your e-mail on Decide Contagem"),
            ("es-419", "Confirma tu correo en Decide Contagem"),
            ("fr", "Confirme seu e-mail no Decide Contagem"),
            ("", "Confirme seu e-mail no Decide Contagem"),
        ],
    )
    def test_confirmation_in_the_locale_else_its_language_else_pt_br(
        self, mail_settings: Settings, locale: str, subject: str
    ) -> None:
        rendered = render(
            "confirm_email", locale, {"name": "Ana", "token": TOKEN}, mail_settings
        )

        assert rendered[0] == subject
        assert "Ana" in rendered[1]

    @pytest.mark.parametrize("template", ["confirm_email", "reset_password"])
    def test_the_link_carries_the_token_escaped(
        self, mail_settings: Settings, template: str
    ) -> None:
        _, text = render(
            template, "pt-BR", {"name": "Ana", "token": TOKEN}, mail_settings
        )

        assert link_token(text) == TOKEN
        assert f"{mail_settings.public_url}/" in text

    def test_reset_in_spanish(self, mail_settings: Settings) -> None:
        subject, text = render(
            "reset_password", "es", {"name": "Ana", "token": TOKEN}, mail_settings
        )

        assert subject == "Restablece tu contraseña de Decide Contagem"
        assert "nueva contraseña" in text


class TestFileSender:
    async def test_writes_a_parseable_eml_with_the_link(
        self, mail_settings: Settings
    ) -> None:
        subject, text = render(
            "reset_password", "pt-BR", {"name": "Ana", "token": TOKEN}, mail_settings
        )
        sender = create_sender(
            mail_settings.model_copy(update={"mail_backend": MailBackend.FILE})
        )

        await sender.send(Mail(to="ana@example.org", subject=subject, text=text))

        assert isinstance(sender, FileSender)
        [message] = Mailbox(mail_settings.mail_dir).messages("ana@example.org")
        assert message["Subject"] == "Redefinição de senha no Decide Contagem"
        assert message["From"] == mail_settings.mail_from
        assert message["Message-ID"]
        assert Mailbox(mail_settings.mail_dir).last_token("ana@example.org") == TOKEN


class TestConsoleSender:
    async def test_prints_the_message(
        self, mail_settings: Settings, capsys: pytest.CaptureFixture[str]
    ) -> None:
        sender = ConsoleSender(mail_settings)

        await sender.send(Mail(to="ana@example.org", subject="Olá", text="corpo"))

        printed = capsys.readouterr().out
        assert "To: ana@example.org" in printed
        assert "corpo" in printed


class TestThroughTheOutbox:
    async def test_an_emitted_mail_reaches_the_mailbox_in_the_users_locale(
        self, session: AsyncSession, runtime: Runtime, mailbox: Mailbox
    ) -> None:
        outbox.emit(session, MAIL_SEND, confirmation("es"))
        await session.commit()

        delivered = await runtime.dispatcher().run_once()

        assert delivered == 1
        [message] = mailbox.messages("ana@example.org")
        assert message["Subject"] == "Confirma tu correo en Decide Contagem"
        assert mailbox.last_token("ana@example.org") == TOKEN


class Relay:
    """An SMTP relay on loopback that keeps what it receives, or refuses it."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RelayFactory = Callable[..., tuple[Relay, Settings]]


@pytest.fixture
def start_relay(mail_settings: Settings) -> Iterator[RelayFactory]:
    """Starts relays on loopback; returns each with settings that send to it."""
    controllers: list[Controller] = []

    def start(*, refuse: bool = False) -> tuple[Relay, Settings]:
        handler = Relay(refuse=refuse)
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        settings = mail_settings.model_copy(
            update={
                "mail_backend": MailBackend.SMTP,
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_starttls": False,
            }
        )
        return handler, settings

    yield start
    for controller in controllers:
        controller.stop()


def confirmation(locale: str = "en") -> dict[str, Any]:
    context = {"name": "Ana", "token": TOKEN}
    return mail_request("confirm_email", "ana@example.org", locale, context)


class TestSmtpSender:
    async def test_hands_the_mail_to_the_relay(self, start_relay: RelayFactory) -> None:
        relay, settings = start_relay()
        sender = create_sender(settings)

        await mail_handler(settings, sender)(confirmation())

        assert isinstance(sender, SmtpSender)
        [(sender_address, recipients, message)] = relay.received
        assert recipients == ["ana@example.org"]
        assert sender_address == "nao-responda@decide.contagem.mg.gov.br"
        assert message["Subject"] == "Confirm your e-mail on Decide Contagem"
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        assert link_token(body.get_content()) == TOKEN

    async def test_a_refusal_raises_so_the_outbox_retries(
        self, start_relay: RelayFactory
    ) -> None:
        relay, settings = start_relay(refuse=True)

        with pytest.raises(SMTPRecipientsRefused):
            await mail_handler(settings, SmtpSender(settings))(confirmation())

        assert relay.received == []

    async def test_a_refused_mail_stays_pending_with_its_error(
        self,
        start_relay: RelayFactory,
        session: AsyncSession,
        runtime: Runtime,
    ) -> None:
        _, settings = start_relay(refuse=True)
        runtime.handlers[MAIL_SEND] = mail_handler(settings, SmtpSender(settings))
        outbox.emit(session, MAIL_SEND, confirmation("pt-BR"))
        await session.commit()

        delivered = await runtime.dispatcher().run_once()

        event = await session.scalar(
            select(OutboxEvent).execution_options(populate_existing=True)
        )
        assert delivered == 0
        assert event is not None
        assert event.status == OutboxStatus.PENDING
        assert event.attempts == 1
        assert "mailbox unavailable" in (event.last_error or "")
