"""Real-browser fixtures: Debian's chromium driven by Playwright, and the dashboard server.

`make test` installs chromium with apt-get when ``/usr/bin/chromium`` is
missing (``scripts/install-chromium.sh``); Playwright never downloads a
browser. Chromium runs headless, without a sandbox (CI runs as root) and with
its background networking off, so the only requests a page makes are its own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dashboard.py"


def _bench() -> Any:
    """``benchmarks/bench_dashboard.py``: the load, and the chromium flags used everywhere."""
    spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench_dashboard = _bench()
CHROMIUM = Path(bench_dashboard.CHROMIUM)
#: Chromium flags: headless as root, and no requests of the browser's own.
CHROMIUM_ARGS = bench_dashboard.CHROMIUM_ARGS
#: Seconds the dashboard server may take to answer its health check (a cold import of
#: streamlit, pandas and the dataset on a busy 2-core machine).
SERVER_START_TIMEOUT = 90.0


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium under Playwright, for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}: "
            "`make test` installs it (scripts/install-chromium.sh)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Traffic:
    """What a page did: every request's URL, console errors and uncaught page errors."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def outside(self, allowed: tuple[str, ...]) -> list[str]:
        """Requests whose URL starts with none of ``allowed``."""
        return [url for url in self.requests if not url.startswith(allowed)]


def watch(page: Any) -> Traffic:
    """Record a page's requests, console errors and page errors from now on."""
    traffic = Traffic()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on(
        "console",
        lambda msg: traffic.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: traffic.page_errors.append(str(exc)))
    return traffic


@dataclass
class Server:
    """A dashboard server on loopback."""

    url: str
    log: Path


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard served on a free loopback port for a test module."""
    from evhub.dashboard import background

    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with background(log=log, timeout=SERVER_START_TIMEOUT) as url:
        yield Server(url, log)


@pytest.fixture
def load_bench() -> Any:
    """The load benchmark module (``benchmarks/bench_dashboard.py``)."""
    return bench_dashboard


@pytest.fixture
def watcher() -> Any:
    """:func:`watch`, for test modules (which cannot import this conftest)."""
    return watch
