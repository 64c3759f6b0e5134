from app.runtime import Runtime
from tests.factories import confirmed_account
from tests.mailbox import Mailbox


async def test_sign_up_confirm_sign_in_and_me(
    client, runtime: Runtime, mailbox: Mailbox
):
    account = await confirmed_account(client, runtime, mailbox)

    response = await client.get("/api/v1/me", headers=account.headers)

    assert response.status_code == 200
    assert response.json()["email"] == account.email
    assert response.json()["confirmed_at"] is not None
