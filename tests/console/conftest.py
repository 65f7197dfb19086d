"""A real browser for the console's tests: Debian's Chromium driven by Playwright, against a
real `paysandbox serve` (tests/processes.py). Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.processes import Served, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
WAIT_MS = 8000  # for what the console shows after polling (it polls every 1–2 s)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One Chromium per test module, in a fresh profile directory; each test gets a page.
    Not per session: while Playwright's sync API is open, its event loop counts as running
    in this thread, and later tests that call asyncio.run() would fail."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="paysandbox-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": 1400, "height": 900},
            )
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """A sandbox process, frozen at 2024-01-15T10:00:00Z, for one test module."""
    process = serve()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def api(served: Served) -> Iterator[httpx.Client]:
    """The control API of the served sandbox, reset before the test; webhook endpoints
    (which a reset keeps) are removed after it."""
    with httpx.Client(base_url=f"{served.url}/_sandbox", timeout=30) as client:
        client.post("/reset").raise_for_status()
        yield client
        for endpoint in client.get("/webhooks/endpoints").json()["data"]:
            if endpoint["url"]:
                client.delete(f"/webhooks/endpoints/{endpoint['provider']}/{endpoint['tenant']}")


class Browser:
    """A fresh page (its own session storage) that remembers what went wrong on it."""

    def __init__(self, context: object) -> None:
        self.context = context
        self.page = context.new_page()  # type: ignore[attr-defined]
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )

    def shot(self, name: str) -> None:
        """Saves a full-page screenshot as test-artifacts/console/<name>.png."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.evaluate("window.scrollTo(0, 0)")  # sticky bars belong at the top
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def browser(chromium: object) -> Iterator[Browser]:
    """A page of its own; the test fails if a script error or a refused resource (a
    content security policy violation) showed on it."""
    opened = Browser(chromium)
    try:
        yield opened
    finally:
        for page in chromium.pages:  # type: ignore[attr-defined]
            page.close()
        chromium.clear_permissions()  # type: ignore[attr-defined]
    # An API answer the test asked for (a 404, a refused scenario) is not a problem.
    blocking = [p for p in opened.problems if "the server responded with a status" not in p]
    assert not blocking, blocking
