"""The docs pages, as a person sees them in a browser."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx
import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

WAIT_SECONDS = 30
MAIL_WAIT_SECONDS = 30
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PREFIXES = ["/api/v1", "/mobile/v1"]
TOKEN_IN_LINK = re.compile(r"[?&]token=([^&\s]+)")


@dataclass(frozen=True)
class Account:
    email: str
    password: str


def _wait(driver: Chrome, seconds: float = WAIT_SECONDS) -> WebDriverWait[Chrome]:
    return WebDriverWait(driver, seconds, poll_frequency=0.2)


def _spec(server: LiveServer, prefix: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}{prefix}/openapi.json", timeout=10)
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each operation id of the document, with its method and path."""
    return {
        operation["operationId"]: (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _cls(name: str) -> str:
    """An XPath test for an element that has the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _opblock_xpath(method: str, path: str) -> str:
    return f"//div[{_cls(f'opblock-{method}')}][.//*[@data-path='{path}']]"


def _rendered_operations(driver: Chrome) -> set[tuple[str, str]]:
    pairs = driver.execute_script(
        """
        return Array.from(document.querySelectorAll('.opblock')).map((block) => {
            const verb = /^opblock-(get|put|post|delete|patch|head|options|trace)$/;
            const method = Array.from(block.classList).find((name) => verb.test(name));
            const path = block.querySelector('[data-path]');
            return [method ? method.slice(8) : null,
                    path ? path.getAttribute('data-path') : null];
        });
        """
    )
    return {(method, path) for method, path in pairs}


def _click(driver: Chrome, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click();", element)


def _clickable(driver: Chrome, xpath: str) -> WebElement:
    element: WebElement = _wait(driver).until(
        ec.element_to_be_clickable((By.XPATH, xpath)),
        f"nothing clickable at {xpath}",
    )
    return element


def _open_docs(driver: Chrome, server: LiveServer, prefix: str) -> None:
    driver.get(f"{server.url}{prefix}/docs")
    _wait(driver).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")),
        f"{prefix}/docs rendered no operation",
    )


def _wait_for_mail(folder: Path, address: str) -> email.message.EmailMessage:
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            message = email.message_from_bytes(
                path.read_bytes(), policy=email.policy.default
            )
            if address in str(message["To"]):
                assert isinstance(message, email.message.EmailMessage)
                return message
        time.sleep(0.2)
    pytest.fail(f"no mail to {address} in {folder} after {MAIL_WAIT_SECONDS}s")


def _confirmation_token(message: email.message.EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    assert body is not None, "the confirmation mail has no text part"
    match = TOKEN_IN_LINK.search(body.get_content())
    assert match, "the confirmation mail has no link with token=..."
    return unquote(match.group(1))


def _confirmed_account(server: LiveServer, prefix: str) -> Account:
    """An account signed up and confirmed through ``prefix``, as a client would."""
    suffix = uuid.uuid4().hex[:10]
    account = Account(email=f"browser-{suffix}@example.com", password="Senha-forte-42!")
    with httpx.Client(base_url=f"{server.url}{prefix}", timeout=30) as client:
        signed_up = client.post(
            "/auth/sign-up",
            json={
                "email": account.email,
                "name": "Maria da Silva",
                "nickname": f"maria_{suffix}",
                "password": account.password,
                "locale": "pt-BR",
                "tos_accepted": True,
            },
        )
        assert signed_up.status_code in (200, 201, 202), signed_up.text

        token = _confirmation_token(_wait_for_mail(server.mail_dir, account.email))
        confirmed = client.post("/auth/confirm", json={"token": token})
        assert confirmed.status_code in (200, 204), confirmed.text
    return account


def _authorize(driver: Chrome, account: Account) -> None:
    """Signs in through the Authorize dialog's OAuth2 password flow."""
    opener = f"//div[{_cls('auth-wrapper')}]/button[{_cls('authorize')}]"
    _click(driver, _clickable(driver, opener))
    oauth = f"//div[{_cls('auth-container')}][.//label[@for='oauth_username']]"
    _wait(driver).until(
        ec.visibility_of_element_located((By.ID, "oauth_username")),
        "the Authorize dialog shows no OAuth2 username field",
    )
    driver.find_element(By.ID, "oauth_username").send_keys(account.email)
    driver.find_element(By.ID, "oauth_password").send_keys(account.password)
    _click(driver, _clickable(driver, f"{oauth}//button[{_cls('authorize')}]"))

    logout = f"{oauth}//button[normalize-space() = 'Logout']"
    errors = f"{oauth}//*[{_cls('errors')}]"
    _wait(driver).until(
        ec.any_of(
            ec.presence_of_element_located((By.XPATH, logout)),
            ec.presence_of_element_located((By.XPATH, errors)),
        ),
        "the Authorize dialog neither signed in nor showed an error",
    )
    shown_errors = driver.find_elements(By.XPATH, errors)
    assert not shown_errors, "Authorize failed: " + shown_errors[0].text
    _click(driver, _clickable(driver, f"{oauth}//button[{_cls('btn-done')}]"))
    _wait(driver).until(
        ec.invisibility_of_element_located((By.CSS_SELECTOR, ".dialog-ux")),
        "the Authorize dialog did not close",
    )


def _try_out(driver: Chrome, method: str, path: str) -> WebElement:
    """Expands an operation, presses Try it out then Execute; returns its block."""
    block = _opblock_xpath(method, path)
    _click(
        driver,
        _clickable(driver, f"{block}//button[{_cls('opblock-summary-control')}]"),
    )
    _click(driver, _clickable(driver, f"{block}//button[{_cls('try-out__btn')}]"))
    _click(driver, _clickable(driver, f"{block}//button[{_cls('execute')}]"))
    element: WebElement = driver.find_element(By.XPATH, block)
    return element


def _live_response(driver: Chrome, block: WebElement) -> tuple[str, str]:
    """The status and body of the response that Execute got."""
    response = (
        ".live-responses-table tbody .response .response-col_status",
        ".live-responses-table tbody .response .response-col_description",
    )

    def answered(_: Chrome) -> bool:
        cells = block.find_elements(By.CSS_SELECTOR, response[0])
        return bool(cells) and bool(cells[0].text.strip())

    _wait(driver).until(answered, "Execute showed no response")
    status = block.find_element(By.CSS_SELECTOR, response[0]).text.strip()
    body = block.find_element(By.CSS_SELECTOR, response[1]).text
    return status, body


@pytest.mark.parametrize("prefix", PREFIXES)
def test_docs_page_lists_every_operation(
    browser: Chrome, live_server: LiveServer, prefix: str
) -> None:
    operations = _operations(_spec(live_server, prefix))
    expected = set(operations.values())

    _open_docs(browser, live_server, prefix)
    for tag in browser.find_elements(By.CSS_SELECTOR, "[data-is-open='false']"):
        _click(browser, tag)  # a collapsed tag renders none of its operations

    def all_listed(driver: Chrome) -> bool:
        return expected <= _rendered_operations(driver)

    try:
        _wait(browser).until(all_listed)
    except TimeoutException:
        missing = sorted(expected - _rendered_operations(browser))
        pytest.fail(f"{prefix}/docs does not list {missing}")
    method, path = operations["auth:sign_in"]
    assert browser.find_element(By.XPATH, _opblock_xpath(method, path)).is_displayed()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_docs_page_loads_nothing_from_another_host(
    browser: Chrome, live_server: LiveServer, prefix: str
) -> None:
    _open_docs(browser, live_server, prefix)

    sources = browser.execute_script(
        """
        const tags = document.querySelectorAll('script[src], link[href], img[src]');
        const loaded = performance.getEntriesByType('resource').map((e) => e.name);
        return Array.from(tags).map((t) => t.src || t.href).concat(loaded);
        """
    )

    assert sources, "the docs page loads no script or style at all"
    own = (f"{live_server.url}/", "data:", "blob:")
    foreign = [url for url in sources if not url.startswith(own)]
    assert not foreign, f"{prefix}/docs loads from other hosts: {foreign}"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_signed_in_through_authorize_me_answers_with_the_account(
    browser: Chrome, live_server: LiveServer, prefix: str
) -> None:
    account = _confirmed_account(live_server, prefix)
    method, path = _operations(_spec(live_server, prefix))["me:get"]
    _open_docs(browser, live_server, prefix)

    _authorize(browser, account)
    block = _try_out(browser, method, path)

    status, body = _live_response(browser, block)
    assert status == "200", f"GET {prefix}{path} answered {status}: {body}"
    assert account.email in body
