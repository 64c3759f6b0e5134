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

from app.config import MailBackend, Settings
from app.models.base import utcnow

MAIL_SEND = "mail.send"

_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "confirm_email": {
        "pt-BR": (
            "Confirme seu e-mail no Decide Contagem",
            "Olá, {name}.\n\nPara ativar sua conta, abra o link abaixo:\n{link}\n\n"
            "Se você não criou esta conta, ignore esta mensagem.",
        ),
        "en": (
            "Confirm your e-mail on Decide Contagem",
            "Hello, {name}.\n\nTo activate your account, open this link:\n{link}\n\n"
            "If you did not sign up, ignore this message.",
        ),
        "es": (
            "Confirma tu correo en Decide Contagem",
            "Hola, {name}.\n\nPara activar tu cuenta, abre este enlace:\n{link}\n\n"
            "Si no creaste esta cuenta, ignora este mensaje.",
        ),
    },
    "reset_password": {
        "pt-BR": (
            "Redefinição de senha no Decide Contagem",
            "Olá, {name}.\n\nPara escolher uma nova senha, abra o link abaixo:\n"
            "{link}\n\nSe você não pediu a redefinição, ignore esta mensagem.",
        ),
        "en": (
            "Reset your Decide Contagem password",
            "Hello, {name}.\n\nTo choose a new password, open this link:\n{link}\n\n"
            "If you did not ask for a reset, ignore this message.",
        ),
        "es": (
            "Restablece tu contraseña de Decide Contagem",
            "Hola, {name}.\n\nPara elegir una nueva contraseña, abre este enlace:\n"
            "{link}\n\nSi no pediste el cambio, ignora este mensaje.",
        ),
    },
}

_LINK_PATHS = {"confirm_email": "/confirm", "reset_password": "/reset-password"}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def render(
    template: str, locale: str, context: dict[str, Any], settings: Settings
) -> tuple[str, str]:
    """Subject and body of ``template`` in ``locale``, else the default locale."""
    variants = _TEMPLATES[template]
    subject, body = _variant(variants, locale) or variants[settings.default_locale]
    values = dict(context)
    if "token" in values:
        query = urlencode({"token": values["token"]})
        values["link"] = f"{settings.public_url}{_LINK_PATHS[template]}?{query}"
    return subject, body.format(**values)


def _variant(
    variants: dict[str, tuple[str, str]], locale: str
) -> tuple[str, str] | None:
    """The variant of ``locale``, else of its language (``en-GB`` reads ``en``)."""
    if locale in variants:
        return variants[locale]
    language = locale.split("-")[0].lower()
    for name, variant in variants.items():
        if name.split("-")[0].lower() == language:
            return variant
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
        subject, text = render(
            payload["template"], payload["locale"], payload["context"], settings
        )
        await sender.send(Mail(to=payload["to"], subject=subject, text=text))

    return deliver
