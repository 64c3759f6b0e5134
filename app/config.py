"""Settings, read once from the environment (prefix ``DECIDE_``)."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from limits import parse
from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

FCM_ENDPOINT = "https://fcm.googleapis.com"
FCM_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105
APNS_ENDPOINT = "https://api.push.apple.com"
PUSH_HOSTS = frozenset(
    {
        "fcm.googleapis.com",
        "oauth2.googleapis.com",
        "api.push.apple.com",
        "api.sandbox.push.apple.com",
    }
)
"""The push providers' own hosts: the only endpoints accepted in production."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

DEVELOPMENT_SECRET = "development-secret-change-me-0123456789abcdef"  # noqa: S105


def _rate_limit_rule(rule: str) -> str:
    """A rule ``limits`` understands (``20/minute``), checked when settings load."""
    try:
        allowed = parse(rule).amount
    except ValueError:
        allowed = 0
    if allowed < 1:
        raise ValueError(f"{rule!r} is no rate limit such as '20/minute'")
    return rule


RateLimitRule = Annotated[str, AfterValidator(_rate_limit_rule)]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MailBackend(StrEnum):
    CONSOLE = "console"
    FILE = "file"
    SMTP = "smtp"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DECIDE_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///var/decide.db"
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)

    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = []
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    confirmation_token_hours: int = Field(default=48, ge=1)
    reset_token_minutes: int = Field(default=60, ge=1)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65_536, ge=8)

    redis_url: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = []
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)

    upload_dir: Path = Path("var/uploads")
    attachment_max_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    attachment_max_pixels: int = Field(default=40_000_000, ge=1)
    attachments_per_resource: int = Field(default=20, ge=1)

    moderation_hide_threshold: int = Field(default=3, ge=1)

    terms_version: str | None = Field(default=None, max_length=40)
    data_export_hours: int = Field(default=24, ge=1)

    rate_limit_auth_ip: RateLimitRule = "20/minute"
    rate_limit_auth_account: RateLimitRule = "10/minute"
    rate_limit_writes: RateLimitRule = "120/minute"
    rate_limit_writes_ip: RateLimitRule = "300/minute"
    rate_limit_reads: RateLimitRule = "600/minute"
    rate_limit_reads_ip: RateLimitRule = "1200/minute"

    mail_backend: MailBackend = MailBackend.CONSOLE
    mail_dir: Path = Path("var/mail")
    mail_from: str = "Decide Contagem <nao-responda@decide.contagem.mg.gov.br>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True

    dispatcher_enabled: bool = True
    dispatcher_interval_seconds: float = Field(default=2.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    scheduler_interval_seconds: float = Field(default=60.0, gt=0)
    stats_refresh_seconds: float = Field(default=3600.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    idempotency_key_hours: int = Field(default=24, ge=1)

    min_app_version: str | None = Field(default=None, pattern=r"^\d+(\.\d+){0,3}$")

    fcm_endpoint: str = FCM_ENDPOINT
    fcm_token_url: str = FCM_TOKEN_URL
    fcm_project_id: str | None = None
    fcm_service_account_file: Path | None = None
    apns_endpoint: str = APNS_ENDPOINT
    apns_key_file: Path | None = None
    apns_key_id: str | None = None
    apns_team_id: str | None = None
    apns_topic: str | None = None
    push_timeout_seconds: float = Field(default=10.0, gt=0)

    default_locale: str = "pt-BR"
    time_zone: str = "America/Sao_Paulo"
    log_json: bool | None = None

    open_data_dir: Path = Path("var/open-data")
    open_data_locales: Annotated[list[str], NoDecode] = ["pt-BR", "en", "es", "ca"]
    open_data_licence: str = "Open Database License (ODbL) 1.0, https://opendatacommons.org/licenses/odbl/1-0/"
    open_data_refresh_seconds: float = Field(default=300.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: dict[str, object]) -> dict[str, object]:
        for key in ("cors_origins", "previous_secret_keys", "open_data_locales"):
            value = data.get(key)
            if isinstance(value, str):
                data[key] = [item.strip() for item in value.split(",") if item.strip()]
        return data

    @model_validator(mode="after")
    def _refuse_development_secret(self) -> "Settings":
        secret = self.secret_key.get_secret_value()
        if self.env is Environment.PRODUCTION:
            if secret == DEVELOPMENT_SECRET:
                raise ValueError("DECIDE_SECRET_KEY must be set in production")
            if len(secret) < 32:
                raise ValueError("DECIDE_SECRET_KEY needs at least 32 characters")
        return self

    @model_validator(mode="after")
    def _refuse_foreign_push_endpoints(self) -> "Settings":
        """Pushes carry tokens and texts: they go to the providers, or to a
        stand-in on loopback outside production (tests)."""
        allowed = PUSH_HOSTS
        if self.env is not Environment.PRODUCTION:
            allowed = PUSH_HOSTS | LOOPBACK_HOSTS
        for name in ("fcm_endpoint", "fcm_token_url", "apns_endpoint"):
            url = urlsplit(getattr(self, name))
            secure = url.scheme == "https" or (
                url.scheme == "http" and url.hostname in LOOPBACK_HOSTS
            )
            if url.hostname not in allowed or not secure:
                raise ValueError(
                    f"DECIDE_{name.upper()} must be a push provider's own host"
                    + ("" if self.env is Environment.PRODUCTION else " or loopback")
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def logs_as_json(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.env is Environment.PRODUCTION


@lru_cache
def get_settings() -> Settings:
    return Settings()
