"""Settings: read from DECIDE_* variables; production refuses weak secrets."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Environment, Settings

STRONG_SECRET = "k" * 48


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DECIDE_"):
            monkeypatch.delenv(name)


class TestSecretKey:
    def test_production_refuses_the_development_secret(self) -> None:
        with pytest.raises(ValidationError, match="DECIDE_SECRET_KEY must be set"):
            Settings(env=Environment.PRODUCTION)

    def test_production_refuses_a_short_secret(self) -> None:
        with pytest.raises(ValidationError, match="at least 32 characters"):
            Settings(env=Environment.PRODUCTION, secret_key="short-secret")

    def test_production_accepts_a_strong_secret(self) -> None:
        settings = Settings(env=Environment.PRODUCTION, secret_key=STRONG_SECRET)

        assert settings.secret_key.get_secret_value() == STRONG_SECRET
        assert settings.logs_as_json

    def test_development_runs_on_the_development_secret(self) -> None:
        settings = Settings()

        assert settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        assert not settings.logs_as_json


class TestEnvironment:
    def test_lists_come_comma_separated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(
            "DECIDE_CORS_ORIGINS",
            "https://decide.contagem.mg.gov.br, http://localhost:5173",
        )
        monkeypatch.setenv("DECIDE_PREVIOUS_SECRET_KEYS", "old-one,older-one")

        settings = Settings()

        assert settings.cors_origins == [
            "https://decide.contagem.mg.gov.br",
            "http://localhost:5173",
        ]
        assert [key.get_secret_value() for key in settings.previous_secret_keys] == [
            "old-one",
            "older-one",
        ]

    def test_the_embedded_default_is_sqlite(self) -> None:
        settings = Settings()

        assert settings.is_sqlite
        assert settings.database_url == "sqlite+aiosqlite:///var/decide.db"

    def test_a_body_limit_below_a_kilobyte_is_refused(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DECIDE_MAX_BODY_BYTES", "10")

        with pytest.raises(ValidationError, match="max_body_bytes"):
            Settings()

    @pytest.mark.parametrize("rule", ["20 a minute", "0/minute", "", "minute"])
    def test_a_rate_limit_limits_cannot_read_is_refused_at_start(
        self, monkeypatch: pytest.MonkeyPatch, rule: str
    ) -> None:
        monkeypatch.setenv("DECIDE_RATE_LIMIT_AUTH_IP", rule)

        with pytest.raises(ValidationError, match="rate_limit_auth_ip"):
            Settings()

    def test_a_rate_limit_in_the_limits_notation_is_kept(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DECIDE_RATE_LIMIT_AUTH_ACCOUNT", "5 per 10 minutes")

        assert Settings().rate_limit_auth_account == "5 per 10 minutes"


def test_the_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")

    undocumented = [
        f"DECIDE_{name.upper()}"
        for name in Settings.model_fields
        if f"`DECIDE_{name.upper()}`" not in readme
    ]

    assert undocumented == []
