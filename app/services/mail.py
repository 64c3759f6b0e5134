"""Mail: messages rendered per locale, sent by the configured backend."""

import asyncio
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.config import MailBackend, Settings
from app.models.base import utcnow

MAIL_SEND = "mail.send"

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
LOCALES = ("pt-BR", "en", "es")

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    # Only HTML is escaped: a name with "&" must read as typed in plain text.
    autoescape=select_autoescape(enabled_extensions=("html",)),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)

_LINK_PATHS = {"confirm_email": "/confirm", "reset_password": "/reset-password"}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def render_mail(
    template: str, locale: str, context: dict[str, Any], settings: Settings
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``template`` in ``locale``, else the
    language of ``locale``, else the default locale."""
    chosen = _variant(locale) or settings.default_locale
    values = dict(context)
    if "token" in values:
        query = urlencode({"token": values["token"]})
        values["link"] = f"{settings.public_url}{_LINK_PATHS[template]}?{query}"
    subject, text, html = (
        _environment.get_template(f"{chosen}/{template}.{part}").render(values)
        for part in ("subject.txt", "txt", "html")
    )
    return " ".join(subject.split()), text.strip() + "\n", html


def render(
    template: str, locale: str, context: dict[str, Any], settings: Settings
) -> tuple[str, str]:
    """Subject and plain text of ``template`` in ``locale``."""
    subject, text, _ = render_mail(template, locale, context, settings)
    return subject, text


def _variant(locale: str) -> str | None:
    """The locale we write in for ``locale``; ``en-GB`` reads ``en``."""
    if locale in LOCALES:
        return locale
    language = locale.split("-")[0].lower()
    for name in LOCALES:
        if name.split("-")[0].lower() == language:
            return name
    return None


def mail_request(
    template: str, to: str, locale: str, context: dict[str, Any]
) -> dict[str, Any]:
    """The outbox payload that asks for ``template`` to be mailed to ``to``."""
    return {"template": template, "to": to, "locale": locale, "context": context}


class MailSender(Protocol):
    async def send(self, mail: Mail) -> None: ...


def _message(mail: Mail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="decide.contagem")
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


class ConsoleSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        sys.stdout.write(_message(mail, self._settings).as_string() + "\n")
        sys.stdout.flush()


class FileSender:
    """Writes each mail as an ``.eml`` file, for development and tests."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._folder = Path(settings.mail_dir)

    async def send(self, mail: Mail) -> None:
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        await asyncio.to_thread(
            self._write, self._folder / name, _message(mail, self._settings)
        )

    def _write(self, path: Path, message: EmailMessage) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes())


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        settings = self._settings
        password = settings.smtp_password
        await aiosmtplib.send(
            _message(mail, settings),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
            start_tls=settings.smtp_starttls,
        )


def create_sender(settings: Settings) -> MailSender:
    senders: dict[MailBackend, Callable[[Settings], MailSender]] = {
        MailBackend.CONSOLE: ConsoleSender,
        MailBackend.FILE: FileSender,
        MailBackend.SMTP: SmtpSender,
    }
    return senders[settings.mail_backend](settings)


def mail_handler(settings: Settings, sender: MailSender) -> Any:
    """The outbox handler for ``mail.send`` events."""

    async def deliver(payload: dict[str, Any]) -> None:
        subject, text, html = render_mail(
            payload["template"], payload["locale"], payload["context"], settings
        )
        await sender.send(Mail(payload["to"], subject, text, html))

    return deliver
