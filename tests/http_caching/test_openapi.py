"""Generated clients learn of ETags and idempotency keys from the documents."""

import pytest

from app.config import Settings
from app.main import build_api, build_mobile


@pytest.mark.parametrize("build", [build_api, build_mobile], ids=["api", "mobile"])
def test_reads_declare_if_none_match_and_writes_the_key(build: object) -> None:
    document = build(Settings()).openapi()  # type: ignore[operator]

    me = document["paths"]["/me"]
    assert "304" in me["get"]["responses"]
    assert "If-None-Match" in [
        parameter["name"] for parameter in me["get"]["parameters"]
    ]
    assert "Idempotency-Key" in [
        parameter["name"] for parameter in me["patch"]["parameters"]
    ]
    sign_in = document["paths"]["/auth/sign-in"]["post"]
    assert "Idempotency-Key" not in [
        parameter["name"] for parameter in sign_in.get("parameters", [])
    ]
