"""Real-browser fixtures: Debian's chromium driven by Playwright, and the dashboard server.

Every test here is marked ``browser`` (deselect them with ``-m "not browser"``).
As root or with ``CI=true``, `make test` installs chromium with apt-get when
``/usr/bin/chromium`` is missing (``scripts/install-chromium.sh``), and a
chromium still missing fails these tests; otherwise they are skipped, and the
end of the run says so in one line. Playwright never downloads a browser.
Chromium runs headless, without a sandbox (CI runs as root) and with its
background networking off, so the only requests a page makes are its own.
"""

from __future__ import annotations

import importlib.util
import os
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
HERE = Path(__file__).resolve().parent
#: How to get the browser tests to run where chromium is missing.
HOW_TO_RUN = (
    "to run them, install it with `sh scripts/install-chromium.sh` (apt-get through sudo) "
    "or run `CI=true make test`"
)


def chromium_required() -> bool:
    """Whether a missing chromium fails the browser tests instead of skipping them.

    As root or with ``CI=true``, `make test` installs a missing chromium, so one still
    missing is an error: in CI the browser tests never skip.
    """
    return os.environ.get("CI") == "true" or os.geteuid() == 0


def skipping() -> bool:
    """Whether the browser tests are skipped: no chromium, and not root or CI."""
    return not CHROMIUM.exists() and not chromium_required()


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser``."""
    mine = [item for item in items if item.path.is_relative_to(HERE)]
    for item in mine:
        item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line at the end of the run when the browser tests were skipped: why, and how to run.

    The tests are this folder's by their node ids: with ``-n`` (pytest-xdist, as `make test`
    runs) the workers collect, so the controller's stash holds none of them.
    """
    folder = HERE.relative_to(config.rootpath).as_posix() + "/"
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if r.nodeid.startswith(folder)]
    if skipping() and skipped:
        terminalreporter.write_line(
            f"browser tests: {len(skipped)} skipped, no Debian chromium at {CHROMIUM}; "
            f"{HOW_TO_RUN}",
            yellow=True,
        )


@pytest.fixture(scope="session", autouse=True)
def _chromium() -> None:
    """Skip (or, as root or in CI, fail) every browser test when chromium is missing."""
    if CHROMIUM.exists():
        return
    if chromium_required():
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}, and it is missing: "
            "`make test` installs it as root or with CI=true (scripts/install-chromium.sh)",
            pytrace=False,
        )
    pytest.skip(f"no Debian chromium at {CHROMIUM} (not root, CI is not true)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium under Playwright, for the whole session."""
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
