"""Clients of the push providers: FCM HTTP v1 (Android) and APNs (iOS).

Each sends one notification to one device token and says whether the token
still stands. A token the provider no longer knows is ``REJECTED`` (the caller
forgets it); a provider failure raises ``PushFailed``, so the outbox retries.

FCM authenticates with an OAuth2 access token obtained by exchanging a JWT
signed with the service account's key (RFC 7523); APNs with a JWT signed with
the team's ``.p8`` key (ES256), over HTTP/2.
"""

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import httpx
import structlog
from jose import jwt

from app.config import Settings

log = structlog.get_logger()

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600
RENEW_BEFORE = 300
"""Tokens are renewed five minutes before they expire."""
APNS_TOKEN_LIFETIME = 50 * 60
"""APNs refuses a provider token older than an hour and one renewed too often."""
APNS_GONE_REASONS = frozenset(
    {"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"}
)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    REJECTED = "rejected"


class PushFailed(Exception):
    """The provider could not take the notification now; try again later."""


@dataclass(frozen=True, slots=True)
class Notification:
    title: str
    body: str
    url: str | None
    data: dict[str, str]


class Provider(Protocol):
    async def send(self, token: str, notification: Notification) -> Outcome: ...


class _CachedToken:
    def __init__(self) -> None:
        self.value: str | None = None
        self.expires_at = 0.0

    def fresh(self) -> str | None:
        if self.value is not None and time.monotonic() < self.expires_at - RENEW_BEFORE:
            return self.value
        return None

    def keep(self, value: str, lifetime: float) -> str:
        self.value, self.expires_at = value, time.monotonic() + lifetime
        return value


class FcmClient:
    """FCM HTTP v1: ``POST /v1/projects/{project}/messages:send``."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        assert settings.fcm_project_id and settings.fcm_service_account_file
        self._http = http
        self._url = (
            f"{settings.fcm_endpoint.rstrip('/')}/v1/projects/"
            f"{settings.fcm_project_id}/messages:send"
        )
        self._token_url = settings.fcm_token_url
        self._account = _service_account(settings.fcm_service_account_file)
        self._token = _CachedToken()

    async def send(self, token: str, notification: Notification) -> Outcome:
        message = {
            "message": {
                "token": token,
                "notification": {
                    "title": notification.title,
                    "body": notification.body,
                },
                "data": _data(notification),
            }
        }
        headers = {"Authorization": f"Bearer {await self._access_token()}"}
        answer = await _post(self._http, self._url, json=message, headers=headers)
        if answer.is_success:
            return Outcome.DELIVERED
        if answer.status_code == 404 or _fcm_error_code(answer) == "UNREGISTERED":
            return Outcome.REJECTED
        raise PushFailed(f"FCM answered {answer.status_code}: {answer.text[:200]}")

    async def _access_token(self) -> str:
        cached = self._token.fresh()
        if cached is not None:
            return cached
        now = int(time.time())
        assertion = jwt.encode(
            {
                "iss": self._account["client_email"],
                "scope": FCM_SCOPE,
                "aud": self._token_url,
                "iat": now,
                "exp": now + TOKEN_LIFETIME,
            },
            self._account["private_key"],
            algorithm="RS256",
            headers={"kid": self._account.get("private_key_id", "")},
        )
        answer = await _post(
            self._http,
            self._token_url,
            data={"grant_type": JWT_BEARER, "assertion": assertion},
        )
        if not answer.is_success:
            raise PushFailed(f"The FCM token exchange answered {answer.status_code}.")
        granted = answer.json()
        lifetime = float(granted.get("expires_in", TOKEN_LIFETIME))
        return self._token.keep(str(granted["access_token"]), lifetime)


class ApnsClient:
    """APNs provider API: ``POST /3/device/{token}`` over HTTP/2."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        assert settings.apns_key_file and settings.apns_key_id
        assert settings.apns_team_id and settings.apns_topic
        self._http = http
        self._endpoint = settings.apns_endpoint.rstrip("/")
        self._key = settings.apns_key_file.read_text()
        self._key_id = settings.apns_key_id
        self._team_id = settings.apns_team_id
        self._topic = settings.apns_topic
        self._token = _CachedToken()

    async def send(self, token: str, notification: Notification) -> Outcome:
        payload = {
            "aps": {
                "alert": {"title": notification.title, "body": notification.body},
                "sound": "default",
            },
            **_data(notification),
        }
        headers = {
            "authorization": f"bearer {self._provider_token()}",
            "apns-topic": self._topic,
            "apns-push-type": "alert",
            "apns-priority": "10",
        }
        answer = await _post(
            self._http,
            f"{self._endpoint}/3/device/{token}",
            json=payload,
            headers=headers,
        )
        if answer.is_success:
            return Outcome.DELIVERED
        reason = _apns_reason(answer)
        if answer.status_code == 410 or reason in APNS_GONE_REASONS:
            return Outcome.REJECTED
        raise PushFailed(f"APNs answered {answer.status_code}: {reason}")

    def _provider_token(self) -> str:
        cached = self._token.fresh()
        if cached is not None:
            return cached
        signed = jwt.encode(
            {"iss": self._team_id, "iat": int(time.time())},
            self._key,
            algorithm="ES256",
            headers={"kid": self._key_id},
        )
        return self._token.keep(signed, APNS_TOKEN_LIFETIME + RENEW_BEFORE)


async def _post(http: httpx.AsyncClient, url: str, **request: Any) -> httpx.Response:
    try:
        return await http.post(url, **request)
    except httpx.HTTPError as exc:
        raise PushFailed(f"{type(exc).__name__} calling {url}") from exc


def _data(notification: Notification) -> dict[str, str]:
    data = dict(notification.data)
    if notification.url:
        data["url"] = notification.url
    return data


def _fcm_error_code(answer: httpx.Response) -> str | None:
    try:
        error = answer.json().get("error", {})
    except ValueError:
        return None
    for detail in error.get("details", []):
        if isinstance(detail, dict) and "errorCode" in detail:
            return str(detail["errorCode"])
    return str(error.get("status")) if error.get("status") else None


def _apns_reason(answer: httpx.Response) -> str | None:
    try:
        reason = answer.json().get("reason")
    except ValueError:
        return None
    return str(reason) if reason else None


def _service_account(path: Path) -> dict[str, str]:
    account: dict[str, str] = json.loads(path.read_text())
    return account


def build_providers(settings: Settings, http: httpx.AsyncClient) -> dict[str, Provider]:
    """The providers configured in ``settings``, by device platform."""
    providers: dict[str, Provider] = {}
    if settings.fcm_project_id and settings.fcm_service_account_file:
        providers["android"] = FcmClient(settings, http)
    apns = (
        settings.apns_key_file,
        settings.apns_key_id,
        settings.apns_team_id,
        settings.apns_topic,
    )
    if all(apns):
        providers["ios"] = ApnsClient(settings, http)
    return providers


def http_client(settings: Settings) -> httpx.AsyncClient:
    """One client for both providers; HTTP/2 where the server offers it (APNs)."""
    return httpx.AsyncClient(
        http2=True,
        timeout=settings.push_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
    )
