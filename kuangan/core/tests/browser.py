"""Helpers for the browser tests (test_browser.py): the real server in a subprocess, Debian's
Chromium driven by Playwright, and a recorder that proves no page asks anything of another host.

The audit table refuses DELETE, so pytest-django's ``live_server`` (which flushes tables) cannot
be used: the tests run ``kuangan demo --no-serve`` and ``kuangan serve`` (gunicorn) on a
temporary data folder instead, exactly as a user would.

The fixtures at the end of this file (``kuangan_server``, ``browser``, ``open_page``) are a
pytest plugin, registered once for the whole run by the repository's ``conftest.py``: one
server and, per test process, one Chromium for every app's browser tests."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO_DIR / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("KUANGAN_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, never a downloaded browser; nothing in the background may call out.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
DEMO_PASSWORD = "Browser#Test2026"  # demo accounts of the throw-away test server only
CJK = re.compile(r"[\u4e00-\u9fff]")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The environment for a program the tests start: this one's, without the flag that lets
    the ORM run beside Playwright's event loop in this process only (``BrowserSession``)."""
    return {k: v for k, v in os.environ.items() if k not in {ASYNC_UNSAFE, *drop}}


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment of the test server: the caller's, minus any database URL (the browser
    tests always run on SQLite in their own folder), with the demo password fixed."""
    env = child_env(drop=("KUANGAN_DATABASE_URL",))
    env.update(
        KUANGAN_DATA_DIR=str(data_dir),
        KUANGAN_STATIC_ROOT=str(data_dir / "static"),
        KUANGAN_DEMO_PASSWORD=DEMO_PASSWORD,
        KUANGAN_TESTING="1",  # static files from the finders; no collectstatic needed
        KUANGAN_DEBUG="0",
        KUANGAN_SECURE="0",
        KUANGAN_MFA_REQUIRED="0",
        KUANGAN_LOG_LEVEL="WARNING",
    )
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    return env


@dataclass
class Server:
    """``kuangan demo --no-serve`` then ``kuangan serve`` on a free port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    pid: int | None = None  # of a server another test process started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 120) -> None:
        env = server_env(self.data_dir)
        kuangan = [sys.executable, "-m", "kuangan"]
        demo = subprocess.run(
            [*kuangan, "demo", "--no-serve"],
            env=env,
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if demo.returncode != 0:
            raise RuntimeError(f"kuangan demo --no-serve failed:\n{demo.stdout}\n{demo.stderr}")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [*kuangan, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                cwd=REPO_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives this process if another one still uses it
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kuangan serve exited early:\n{self._log_tail()}")
            if self.answers():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"kuangan serve did not answer within {timeout}s:\n{self._log_tail()}")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/login/", timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """SIGTERM (gunicorn's arbiter stops its workers), SIGKILL if it lingers."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            return
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(self.pid):
            time.sleep(0.2)
        if _alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def shared_server(root: Path):
    """One server for every process of a test run (pytest-xdist workers share ``root``): the
    first to come starts it, the others use it, the last to leave stops it. A lock file
    serialises the bookkeeping in ``root/server.json``."""
    state_path = root / "server.json"
    with open(root / "server.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = json.loads(state_path.read_text()) if state_path.exists() else None
            server = None
            if state:
                server = Server(data_dir=Path(state["data_dir"]), port=state["port"])
                server.pid = state["pid"]
                if not (_alive(server.pid) and server.answers()):
                    server = None
            if server is None:
                data_dir = root / "server"
                shutil.rmtree(data_dir, ignore_errors=True)
                data_dir.mkdir()
                server = Server(data_dir=data_dir)
                server.start()
                state = {"data_dir": str(data_dir), "port": server.port, "pid": server.pid}
                state["users"] = 0
            state["users"] += 1
            state_path.write_text(json.dumps(state))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        yield server
    finally:
        with open(root / "server.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads(state_path.read_text())
                state["users"] -= 1
                if state["users"] <= 0:
                    server.stop()
                    state_path.unlink()
                else:
                    state_path.write_text(json.dumps(state))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@dataclass
class PageRecorder:
    """Every request a page makes, every console error and uncaught exception."""

    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_resources: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._on_response)
        context.on("page", self._attach_page)

    def _on_response(self, response) -> None:
        # A page's own status is the test's business (a lockout answers 429); a style sheet,
        # script, font or image that fails to load is always a defect.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_resources.append(f"{response.status} {response.url}")

    def _on_console(self, msg) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def _attach_page(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base_url + "/")]


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-button")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))


# --- Fixtures: a test module takes them with ``pytest_plugins = ["kuangan.core.tests.browser"]``


@pytest.fixture(scope="session")
def kuangan_server(tmp_path_factory):
    """The real server on a demo database of its own, for the whole run: pytest-xdist's
    workers and every browser test module share one (loading the demo costs tens of
    seconds). A test that changes data the others read uses users of its own."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with shared_server(root) as server:
        yield server


# Timeouts are generous: on a busy 2-core machine a first page render can take seconds. Tests
# wait on conditions (a selector, a navigation), never on a fixed time.
ACTION_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 90_000
log = logging.getLogger("kuangan.browser")


def _crashed(exc: Exception) -> bool:
    """A page, context or browser that went away under us (not a test failure of its own)."""
    text = str(exc).lower()
    return type(exc).__name__ == "TargetClosedError" or any(
        s in text
        for s in (
            "target closed",
            "target page, context or browser has been closed",
            "page crashed",
            "browser has been closed",
            "browser closed",
        )
    )


class BrowserSession:
    """One Playwright and one Chromium for the whole test session (per pytest-xdist worker),
    relaunched if Chromium dies. Playwright's sync API keeps an event loop running in this
    thread while it is started; Django's ORM refuses to run in such a thread unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set, which we do for the test process only (the database
    tests of the same worker run synchronously, one at a time, as before)."""

    def __init__(self) -> None:
        self._playwright_cm = None
        self._playwright = None
        self._browser = None

    def browser(self):
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._browser is not None:
            log.warning("Chromium is no longer connected: launching it again")
        if self._playwright is None:
            from playwright.sync_api import sync_playwright

            os.environ[ASYNC_UNSAFE] = "true"
            self._playwright_cm = sync_playwright()
            self._playwright = self._playwright_cm.__enter__()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=NAVIGATION_TIMEOUT_MS
        )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            except Exception as exc:  # noqa: BLE001 - closing a dead browser is not a failure
                log.warning("closing Chromium: %s", exc)
        if self._playwright_cm is not None:
            self._playwright_cm.__exit__(None, None, None)
        self._browser = self._playwright = self._playwright_cm = None


class ResilientPage:
    """A Playwright page that survives one crash of its page or browser: ``goto`` that fails
    because the target closed opens a new page (in a new context with the cookies the old one
    had, if the browser itself died) and tries once more, with a clear log line. Everything
    else is the page's own API."""

    def __init__(self, session: BrowserSession, open_context) -> None:
        self._session = session
        self._open_context = open_context
        self.dialogs: list[str] = []  # the confirmation questions the pages asked (accepted)
        self._storage_state = None
        self._page = self._new_page(storage_state=None)

    def _new_page(self, storage_state):
        context = self._open_context(self._session.browser(), storage_state)
        return self._prepare(context.new_page())

    def _prepare(self, page):
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page.on("dialog", self._accept_dialog)
        return page

    def _accept_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def _replacement_page(self):
        """A new page in the same context (same cookies) if the context lives, else a new
        context, in a relaunched browser if need be, with the cookies last seen."""
        try:
            page = self._page.context.new_page()
        except Exception as exc:  # noqa: BLE001 - the context went with the browser
            log.warning("browser context closed too (%s): opening a new one", exc)
            return self._new_page(self._storage_state)
        return self._prepare(page)

    def goto(self, url: str, **options):
        try:
            response = self._page.goto(url, **options)
        except Exception as exc:
            if not _crashed(exc):
                raise
            log.warning(
                "browser page closed during goto(%s) (%s): opening a new page, once", url, exc
            )
            print(f"\n[browser] page closed during goto({url}); retrying once in a new page")
            self._page = self._replacement_page()
            response = self._page.goto(url, **options)
        self._remember_state()
        return response

    def _remember_state(self) -> None:
        try:
            self._storage_state = self._page.context.storage_state()
        except Exception as exc:  # noqa: BLE001 - only a help for a later crash
            log.debug("storage state not read: %s", exc)

    def __getattr__(self, name):
        if name.startswith("_"):  # our own state, not yet set (or a probe such as Playwright's)
            raise AttributeError(name)
        return getattr(self._page, name)


@pytest.fixture(scope="session")
def browser_session():
    if not chromium_available():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `scripts/setup.sh --test`, or deselect the "
            "browser tests with -m 'not browser'."
        )
    session = BrowserSession()
    yield session
    session.close()


@pytest.fixture
def browser(browser_session):
    """Chromium, shared by every browser test of this process (launched again if it died)."""
    return browser_session.browser()


@pytest.fixture
def open_page(browser_session, kuangan_server):
    """``open_page(viewport=..., **context options)``: a page in a fresh browser context (no
    cookies) whose browser asks for Chinese, as users in Jilin do. Confirmation dialogs are
    accepted and recorded in ``page.dialogs``. After the test, no request may have left the
    server, and no page may have logged an error (a CSP refusal is one)."""
    recorders: list[PageRecorder] = []
    contexts: list = []

    def _open(viewport=None, **options):
        recorder = PageRecorder(kuangan_server.url)
        recorders.append(recorder)

        def open_context(browser, storage_state):
            context = browser.new_context(
                locale="zh-CN",
                viewport=viewport or {"width": 1280, "height": 900},
                accept_downloads=True,
                storage_state=storage_state,
                **options,
            )
            recorder.attach(context)
            contexts.append(context)
            return context

        return ResilientPage(browser_session, open_context)

    yield _open
    for context in contexts:
        try:
            context.close()
        except Exception as exc:  # noqa: BLE001 - a context of a crashed browser
            log.debug("closing a context: %s", exc)
    for recorder in recorders:
        assert recorder.requests, "the page made no request at all"
        assert recorder.outside_requests() == [], "a page asked something of another host"
        assert recorder.failed_resources == [], "resources that failed to load"
        assert recorder.page_errors == [], "uncaught JavaScript errors"
        assert recorder.console_errors == [], "errors in the browser console"
