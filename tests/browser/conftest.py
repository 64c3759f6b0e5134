"""A real server and a headless Chromium for the browser tests.

The server runs as its own process (``decide serve``) on a free port, over a fresh
SQLite database built by ``decide migrate``, and writes its mail to a folder the
tests read. Chromium is Debian's, driven through its chromedriver; Selenium Manager
never runs, so nothing is downloaded. Without Chromium the tests skip, except with
``CI=true``, where they fail.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path(os.environ.get("DECIDE_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("DECIDE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
SERVER_START_SECONDS = 60
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1100",
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _executables() -> Path:
    return Path(sys.executable).parent


@dataclass(frozen=True)
class LiveServer:
    url: str
    mail_dir: Path
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    report = yield
    # The browser fixture reads this at teardown to keep evidence of a failure.
    item.stash[_FAILED] = item.stash.get(_FAILED, False) or report.failed
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots and page sources of failed browser tests go."""
    configured = os.environ.get("DECIDE_TEST_ARTIFACTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix="decide-browser-"))


@pytest.fixture(scope="session")
def chromium() -> tuple[Path, Path]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        message = (
            f"headless Chromium unavailable: {', '.join(missing)} not found; "
            "install Debian's chromium and chromium-driver (apt-get install "
            "chromium chromium-driver), as .ci/run does"
        )
        if _in_ci():
            pytest.fail(f"{message} (CI=true: browser tests may not skip)")
        pytest.skip(message)
    return CHROMIUM, CHROMEDRIVER


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_env(workdir: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("DECIDE_")
    }
    env.update(
        DECIDE_ENV="test",
        DECIDE_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'decide.db'}",
        DECIDE_MAIL_BACKEND="file",
        DECIDE_MAIL_DIR=str(workdir / "mail"),
        DECIDE_DISPATCHER_INTERVAL_SECONDS="0.2",
        DECIDE_PASSWORD_HASH_TIME_COST="1",
        DECIDE_PASSWORD_HASH_MEMORY_KIB="1024",
    )
    return env


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"decide serve exited with {process.returncode} before it was ready:\n"
                + log.read_text(encoding="utf-8", errors="replace")
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"decide serve did not answer /healthz in {SERVER_START_SECONDS}s")


@pytest.fixture(scope="session")
def live_server(chromium: tuple[Path, Path]) -> Iterator[LiveServer]:
    """``decide serve`` over a freshly migrated SQLite database, mail to files."""
    workdir = Path(tempfile.mkdtemp(prefix="decide-live-"))
    env = _server_env(workdir)
    decide = str(_executables() / "decide")
    log_path = workdir / "server.log"
    migrate = subprocess.run(
        [decide, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [decide, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, process, log_path)
        yield LiveServer(url=url, mail_dir=workdir / "mail", log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    chromium: tuple[Path, Path],
    live_server: LiveServer,
    artifacts_dir: Path,
) -> Iterator[webdriver.Chrome]:
    binary, driver_path = chromium
    profile = tempfile.mkdtemp(prefix="decide-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(binary)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(driver_path)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        if request.node.stash.get(_FAILED, False):
            _keep_evidence(driver, request.node.name, artifacts_dir, live_server)
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _keep_evidence(
    driver: webdriver.Chrome, name: str, folder: Path, server: LiveServer
) -> None:
    stem = "".join(char if char.isalnum() or char in "-_" else "_" for char in name)
    screenshot = folder / f"{stem}.png"
    try:
        driver.save_screenshot(str(screenshot))
        (folder / f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
        console = "\n".join(str(entry) for entry in driver.get_log("browser"))
        (folder / f"{stem}.console.txt").write_text(console, encoding="utf-8")
    except Exception as exc:  # evidence is best effort: report, go on
        print(f"could not save the browser's state: {exc!r}")
    print(
        f"browser evidence in {folder}: {screenshot.name} and its .html, .console.txt"
    )
    print(f"current URL: {driver.current_url}")
    print(f"last lines of the server log:\n{server.log_tail()}")
