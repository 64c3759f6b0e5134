"""Settings with versioned terms, and a participant with some contributions."""

import pytest

from app.config import Settings
from tests.conftest import make_settings
from tests.mailbox import Mailbox

TERMS = "2026-12"


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(database_url, mailbox.folder, terms_version=TERMS)
