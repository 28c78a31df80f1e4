"""Browser tests: Playwright driving Debian's Chromium against the real running stack.

``live_stack`` (session scope) starts what ``dev.py up`` starts — ``manage.py runstack``: uvicorn,
a Celery worker and beat — on a free port of 127.0.0.1, with a temporary var dir (its own SQLite
database, broker, keys) after ``migrate`` and ``seed_demo``. Nothing is downloaded: Chromium is the
``chromium`` Debian package (``.ci/run`` installs it), driven through ``executable_path``.

Without Chromium or playwright these tests skip with the reason; with ``CI=true`` they fail.
Screenshots of each screen (``shot``) and of every failing test go to ``var/screenshots/``
(git-ignored).
"""

from __future__ import annotations

import json
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
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
DEMO_PASSWORD = "interlude-demo"  # noqa: S105 - the demo accounts' published password
DEMO_PATIENT_ID = "00000000-0000-4000-8000-00000000a1e5"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Fake microphone: Chromium records this WAV through getUserMedia (tests that record set it).
FAKE_MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="session", autouse=True)
def _assertion_timeout():
    """Assertions wait as long as actions do (15 s, not Playwright's 5): the suite runs beside another
    pytest-xdist worker, and a form post answered in 6 s under that load is not a failure of the page."""
    try:
        from playwright.sync_api import expect
    except ImportError:
        return
    expect.set_options(timeout=15_000)


def chromium_path() -> str | None:
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    for candidate in (found, *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _require_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require_service(False, "the playwright package is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    require_service(path is not None, "Chromium is not installed (apt-get install chromium)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback test server
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw.decode(errors="replace")}


@dataclass
class LiveStack:
    base_url: str
    var_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def token(self, username: str) -> str:
        """An API access token for a demo persona (``clinician@demo``, ``patient@demo``…)."""
        if username not in self._tokens:
            status, body = http_json(
                "POST", self.url("/api/v1/auth/token/"), {"username": username, "password": DEMO_PASSWORD}
            )
            assert status == 200, body
            self._tokens[username] = body["access"]
        return self._tokens[username]

    def api(self, method: str, path: str, body: dict | None = None, *, as_user: str) -> tuple[int, dict]:
        return http_json(method, self.url(path), body, self.token(as_user))

    def manage(self, *args: str) -> str:
        """Run a management command against the stack's database (e.g. to read state for an assertion)."""
        done = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    @contextmanager
    def ml_worker_paused(self) -> Iterator[None]:
        """The stack's ML worker (its main process and pool children) stopped with SIGSTOP until the block
        ends: a test can hold a job's state still while the page catches up, then let it finish."""
        pids, ours = [], b"INTERLUDE_VAR_DIR=" + str(self.var_dir).encode()
        for proc in Path("/proc").iterdir():
            try:
                if not proc.name.isdigit():
                    continue
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                if not any(a.startswith(b"--hostname=ml@") for a in argv):
                    continue
                environ = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if ours in environ:  # this stack's worker (runstack starts each worker in a session of its own)
                pids.append(int(proc.name))
        assert pids, "no ML worker of this stack (by its var dir) found"

        def signal_all(signum) -> None:
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signum)

        # The stack runs on SQLite (its database and the embedded broker): a worker stopped inside a write
        # transaction (a broker poll, a job's claim) would hold the lock, and the web request the test makes
        # next would wait on it until the click timed out. So it is stopped at a moment it holds none.
        for _ in range(500):
            signal_all(signal.SIGSTOP)
            if not self._sqlite_write_locked():
                break
            signal_all(signal.SIGCONT)
            time.sleep(0.02)
        else:
            raise AssertionError("the ML worker held a SQLite write lock every time it was stopped")
        try:
            yield
        finally:
            signal_all(signal.SIGCONT)

    def _sqlite_write_locked(self) -> bool:
        """Whether another connection holds a write lock on one of the stack's SQLite files."""
        import sqlite3

        for path in self.var_dir.rglob("*.sqlite3"):
            connection = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            except sqlite3.OperationalError:
                return True
            finally:
                connection.close()
        return False

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_notable(self, lines: int = 80) -> str:
        """The stack's warnings, errors, retries and task timings, last ``lines`` of them (what a failed
        test's report shows: the stack's var dir is gone by the time anyone reads a CI log)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        notable = re.compile(r"WARNING|ERROR|CRITICAL|Traceback|retry|Retry|succeeded in|received$")
        kept = [line for line in text.splitlines() if notable.search(line) and "core.heartbeat" not in line]
        return "\n".join(kept[-lines:])


def _stack_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        {
            "INTERLUDE_ENV": "development",
            "INTERLUDE_VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
            "WORKER_CONCURRENCY": "1",
            # The browser is the only client; keep the embedded relay snappy for live updates.
            "REALTIME_POLL_SECONDS": "0.1",
            "OMP_NUM_THREADS": "1",
            # The stack shares the machine with the suite's other pytest-xdist worker; at the production
            # default (nice 10) its ML worker would wait behind that worker's model tests for minutes.
            "ML_WORKER_NICE": "0",
            # Every browser test signs in afresh from 127.0.0.1, so a quick run passes LOGIN_RATE's default
            # 20 a minute per address and the next sign-in gets the "too many attempts" page. The limit
            # itself is tested in tests/apps/web/test_pages.py.
            "LOGIN_RATE": "1000/min",
        }
    )
    if os.environ.get("LIVE_STACK_REDIS_URL"):  # the production shape's channel layer (benchmarks)
        env["REDIS_URL"] = os.environ["LIVE_STACK_REDIS_URL"]
    return env


def _wait_ready(stack: LiveStack, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"runstack exited early:\n{stack.log_tail()}")
        try:
            with urllib.request.urlopen(stack.url("/health/ready"), timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the stack was not ready within {timeout:.0f} s:\n{stack.log_tail()}")


def demo_stack_start(var_dir: Path) -> LiveStack:
    """The whole system (``manage.py runstack``) on a free port with seeded demo data, ready to serve.
    Shared by the browser tests and the benchmarks that drive a running stack."""
    env = _stack_env(var_dir)
    for args in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
        # Seeding runs its background jobs inline so the demo alert exists before the first page loads.
        subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**env, "CELERY_TASK_ALWAYS_EAGER": "true"},
            check=True,
            capture_output=True,
        )
    port = free_port()
    log_path = var_dir / "runstack.log"
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", "runstack", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = LiveStack(f"http://127.0.0.1:{port}", var_dir, env, process, log_path)
    try:
        _wait_ready(stack)
    except BaseException:
        demo_stack_stop(stack)
        raise
    return stack


def demo_stack_stop(stack: LiveStack) -> None:
    """Stop the stack's whole process group (server, workers, scheduler)."""
    process = stack.process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory) -> Iterator[LiveStack]:
    """The whole system on a free port with seeded demo data; stopped (process group) afterwards."""
    _require_browser()
    stack = demo_stack_start(tmp_path_factory.mktemp("live-stack-var"))
    try:
        yield stack
    finally:
        demo_stack_stop(stack)


@pytest.fixture(scope="session")
def browser(live_stack) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[*FAKE_MEDIA_ARGS, "--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def watch_script_errors(page, *, console: bool = False):
    """Collect the page's uncaught script errors (and console errors) in ``page.script_errors``."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if console:
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.script_errors = errors
    return page


@contextmanager
def fake_microphone_page(browser, live_stack: LiveStack, wav: Path, new_context=None) -> Iterator[object]:
    """A page in its own Chromium whose microphone plays ``wav`` (Chromium loops it). ``new_context``
    (the launched browser → a context allowed the microphone) sizes it; by default a tablet."""
    mic_browser = browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*FAKE_MEDIA_ARGS, f"--use-file-for-fake-audio-capture={wav}", "--no-sandbox", "--disable-dev-shm-usage"],
    )
    if new_context is None:
        context = mic_browser.new_context(
            base_url=live_stack.base_url, viewport={"width": 1024, "height": 768}, permissions=["microphone"]
        )
        context.set_default_timeout(15_000)
    else:
        context = new_context(mic_browser)
    page = watch_script_errors(context.new_page())
    try:
        yield page
    finally:
        context.close()
        mic_browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
    stack = getattr(item, "funcargs", {}).get("live_stack")
    if report.failed and report.when == "call" and stack is not None:
        report.sections.append(("the stack's log (warnings, errors, task timings)", stack.log_notable()))


@pytest.fixture
def page(browser, live_stack, request) -> Iterator[object]:
    """A fresh browser context (no cookies) at tablet size; a screenshot is saved if the test fails."""
    context = browser.new_context(base_url=live_stack.base_url, viewport={"width": 1024, "height": 768})
    context.set_default_timeout(15_000)
    pg = watch_script_errors(context.new_page(), console=True)
    try:
        yield pg
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
        context.close()


def shot(page, name: str) -> Path:
    """Save a screenshot of the current screen as a test artifact (var/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    # The click returns before the form's POST lands (a redirect, or the page again with its error);
    # a goto() racing it would arrive signed out.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    if password == DEMO_PASSWORD and "/login/" in page.url:
        # Say why here, not as a missing button on the next page.
        alert = page.get_by_role("alert")
        reason = alert.first.inner_text() if alert.count() else "no message"
        raise AssertionError(f"{username} could not sign in: {reason}")


class HeldRefreshes:
    """The page's own background refreshes (``X-Interlude-Background``) of the URLs ``pattern`` matches, each
    fetched when the page asks (the page as it is then) and answered only at ``release``; every other request
    passes. For tests that make a live update race the refresh it triggered."""

    def __init__(self, page, pattern) -> None:
        self.page, self.pattern = page, pattern
        self.held: list[tuple[object, object]] = []  # (route, the response fetched when asked)
        self.holding = True
        page.route(pattern, self._route)

    def _route(self, route) -> None:
        if self.holding and route.request.headers.get("x-interlude-background") == "1":
            self.held.append((route, route.fetch()))
        else:
            route.continue_()

    def wait(self, seconds: float = 15.0) -> bytes:
        """Until the page has asked once; the body it will get."""
        for _ in range(int(seconds * 10)):
            if self.held:
                break
            self.page.wait_for_timeout(100)
        assert self.held, "the page never asked for its state"
        return self.held[0][1].body()

    def release(self) -> None:
        """Answer what was held (a refresh the page replaced meanwhile can no longer be answered), and let
        the next ones through."""
        from playwright.sync_api import Error as PlaywrightError

        self.holding = False
        for route, response in self.held:
            with suppress(PlaywrightError):
                route.fulfill(response=response)

    def stop(self) -> None:
        self.page.unroute(self.pattern)


def wait_live(page) -> None:
    """Wait until the page's websocket is connected (live updates from here on)."""
    page.wait_for_selector("body[data-live='connected']", state="attached")


AXE_BLOCKING = {"serious", "critical"}
AXE_RESULTS = ROOT / "var" / "axe"


def axe_violations(page, name: str) -> list[dict]:
    """Run axe-core in the page; save the full result under var/axe/<name>.json and return the serious and
    critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{name}.json").write_text(json.dumps(result.response, indent=1))
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result.response["violations"]
        if v.get("impact") in AXE_BLOCKING
    ]


def phq9_answers(item9: int, others: int = 1) -> dict[str, int]:
    answers = {f"phq9_{i}": others for i in range(1, 10)}
    answers["phq9_9"] = item9
    return answers
