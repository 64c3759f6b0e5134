"""Reads the mails that the file backend wrote, as a user reads their inbox."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlparse


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        if not self.folder.exists():
            return []
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if to is None or message["To"].lower() == to.lower():
                found.append(message)
        return found

    def last_token(self, to: str) -> str:
        """The ``token`` query parameter of the link in the newest mail to ``to``."""
        messages = self.messages(to)
        assert messages, f"no mail to {to}"
        body = messages[-1].get_body(preferencelist=("plain",))
        assert body is not None
        for word in body.get_content().split():
            if word.startswith("http") and "token=" in word:
                return parse_qs(urlparse(word).query)["token"][0]
        raise AssertionError(f"no link with a token in the mail to {to}")
