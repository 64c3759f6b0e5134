"""Hostile HTML in comments and debates comes back inert."""

import httpx
import pytest

from app.models.debates import Debate
from tests.conversation.conftest import API, Stage, about, comment_on

PAYLOADS = {
    "script": "<p>oi</p><script>alert(1)</script>",
    "handler": '<p onclick="alert(1)">oi</p><img src=x onerror=alert(1)>',
    "javascript-link": '<a href="javascript:alert(1)">oi</a>',
    "javascript-entity": '<a href="&#106;avascript:alert(1)">oi</a>',
    "javascript-mixed-case": '<a href=" JaVaScRiPt:alert(1)">oi</a>',
    "svg-onload": "<svg onload=alert(1)><circle r=1 /></svg>oi",
    "svg-script": "<svg><script>alert(1)</script></svg>oi",
    "svg-link": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>oi',
    "iframe": '<iframe src="https://evil.example"></iframe>oi',
    "style": "<style>body{display:none}</style><p style='x:expression(1)'>oi</p>",
}
FORBIDDEN = (
    "<script",
    "onclick",
    "onerror",
    "onload",
    "javascript",
    "<svg",
    "<img",
    "<iframe",
    "<style",
    "style=",
    "xlink",
)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    for marker in FORBIDDEN:
        assert marker not in lowered, html
    assert "oi" in lowered


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_a_comment_body_is_inert(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate, payload: str
) -> None:
    created = await comment_on(client, about(open_debate), stage.other, payload)
    edited = await client.patch(
        f"{API}/comments/{created['id']}",
        json={"body": "<b>x</b>" + payload},
        headers=stage.other.headers,
    )
    listed = await client.get(f"{API}/comments", params=about(open_debate))

    assert_inert(created["body"])
    assert_inert(edited.json()["body"])
    assert_inert(listed.json()["items"][0]["body"])


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
async def test_a_debate_description_and_conclusions_are_inert(
    client: httpx.AsyncClient, stage: Stage, payload: str
) -> None:
    created = await client.post(
        f"{API}/components/{stage.component.id}/debates",
        json={"title": {"pt-BR": "Debate"}, "description": {"pt-BR": payload}},
        headers=stage.space_admin.headers,
    )
    closed = await client.post(
        f"{API}/debates/{created.json()['id']}/close",
        json={"conclusions": {"pt-BR": payload}},
        headers=stage.space_admin.headers,
    )

    assert created.status_code == 201, created.text
    assert_inert(created.json()["description"]["pt-BR"])
    assert_inert(closed.json()["conclusions"]["pt-BR"])


async def test_a_safe_link_survives_with_a_safe_rel(
    client: httpx.AsyncClient, stage: Stage, open_debate: Debate
) -> None:
    created = await comment_on(
        client,
        about(open_debate),
        stage.other,
        '<a href="https://contagem.mg.gov.br" target="_blank">site</a>',
    )

    assert created["body"] == (
        '<a href="https://contagem.mg.gov.br" rel="noopener noreferrer nofollow">'
        "site</a>"
    )
