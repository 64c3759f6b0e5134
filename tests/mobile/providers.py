"""A stand-in for FCM and APNs on loopback, served by uvicorn: it checks the
credentials the real clients send and answers as the providers document."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PROJECT = "decide-contagem-test"
ACCESS_TOKEN = "ya29.stand-in"
CLIENT_EMAIL = "push@decide-contagem-test.iam.gserviceaccount.com"
KEY_ID = "ABC123DEFG"
TEAM_ID = "TEAM123456"
TOPIC = "br.gov.contagem.decide"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@dataclass
class StandIn:
    """What the providers received, and the keys the clients sign with."""

    base_url: str
    folder: Path
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    token_exchanges: int = 0
    fcm: list[dict[str, Any]] = field(default_factory=list)
    apns: list[dict[str, Any]] = field(default_factory=list)

    def settings(self) -> dict[str, Any]:
        account = self.folder / "service-account.json"
        account.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": CLIENT_EMAIL,
                    "private_key_id": "key-1",
                    "private_key": _pem(self.rsa_key),
                }
            )
        )
        p8 = self.folder / "AuthKey.p8"
        p8.write_text(_pem(self.ec_key))
        return {
            "fcm_endpoint": self.base_url,
            "fcm_token_url": f"{self.base_url}/token",
            "fcm_project_id": PROJECT,
            "fcm_service_account_file": account,
            "apns_endpoint": self.base_url,
            "apns_key_file": p8,
            "apns_key_id": KEY_ID,
            "apns_team_id": TEAM_ID,
            "apns_topic": TOPIC,
        }

    async def token(self, request: Request) -> Response:
        form = await request.form()
        claims = jwt.decode(
            str(form["assertion"]),
            _public_pem(self.rsa_key),
            algorithms=["RS256"],
            audience=f"{self.base_url}/token",
        )
        assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        assert claims["iss"] == CLIENT_EMAIL
        self.token_exchanges += 1
        return JSONResponse({"access_token": ACCESS_TOKEN, "expires_in": 3599})

    async def fcm_send(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return JSONResponse({"error": {"status": "UNAUTHENTICATED"}}, 401)
        assert request.path_params["project"] == PROJECT
        message = (await request.json())["message"]
        self.fcm.append(message)
        token = message["token"]
        if token.startswith("gone"):
            return JSONResponse(
                {
                    "error": {
                        "code": 404,
                        "status": "NOT_FOUND",
                        "details": [
                            {
                                "@type": FCM_ERROR,
                                "errorCode": "UNREGISTERED",
                            }
                        ],
                    }
                },
                404,
            )
        if token.startswith("down"):
            return JSONResponse({"error": {"status": "UNAVAILABLE"}}, 503)
        return JSONResponse({"name": f"projects/{PROJECT}/messages/1"})

    async def apns_send(self, request: Request) -> Response:
        bearer = request.headers["authorization"].removeprefix("bearer ")
        header = jwt.get_unverified_header(bearer)
        claims = jwt.decode(bearer, _public_pem(self.ec_key), algorithms=["ES256"])
        if header["kid"] != KEY_ID or claims["iss"] != TEAM_ID:
            return JSONResponse({"reason": "InvalidProviderToken"}, 403)
        if request.headers.get("apns-topic") != TOPIC:
            return JSONResponse({"reason": "TopicDisallowed"}, 400)
        token = request.path_params["token"]
        self.apns.append({"token": token, **(await request.json())})
        if token.startswith("gone"):
            return JSONResponse({"reason": "Unregistered", "timestamp": 0}, 410)
        if token.startswith("bad"):
            return JSONResponse({"reason": "BadDeviceToken"}, 400)
        return Response(status_code=200, headers={"apns-id": "1"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route(
                    "/v1/projects/{project}/messages:send",
                    self.fcm_send,
                    methods=["POST"],
                ),
                Route("/3/device/{token}", self.apns_send, methods=["POST"]),
            ]
        )


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


@contextlib.asynccontextmanager
async def serve(folder: Path) -> AsyncIterator[StandIn]:
    """The stand-in, listening on a free loopback port until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stand_in = StandIn(
        base_url=f"http://127.0.0.1:{port}",
        folder=folder,
        rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec_key=ec.generate_private_key(ec.SECP256R1()),
    )
    config = uvicorn.Config(stand_in.app(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    async with asyncio.timeout(10):
        # uvicorn tells it started through a flag only, not an event.
        while not server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    try:
        yield stand_in
    finally:
        server.should_exit = True
        await task
