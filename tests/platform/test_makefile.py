"""`make run` serves links that lead back to it, whatever the port."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def public_urls(*args: str, **env: str) -> set[str]:
    """The DECIDE_PUBLIC_URL values `make -n run` would pass to its commands."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DECIDE_PUBLIC_URL", "PORT", "HOST", "MAKEFLAGS")
    }
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(re.findall(r"DECIDE_PUBLIC_URL=(\S+)", dry_run.stdout))


def test_the_public_url_follows_the_port() -> None:
    assert public_urls() == {"http://127.0.0.1:8000"}
    assert public_urls(PORT="8013") == {"http://127.0.0.1:8013"}
    assert public_urls("PORT=8014") == {"http://127.0.0.1:8014"}


def test_a_public_url_set_by_hand_wins() -> None:
    chosen = "https://decide.example.org"

    assert public_urls(PORT="8013", DECIDE_PUBLIC_URL=chosen) == {chosen}
