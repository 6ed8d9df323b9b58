"""Load: N concurrent dashboard sessions on loopback, each running a scenario.

Starts ``evhub dashboard`` on a free loopback port, opens N browser sessions
at once in Debian's headless chromium (one Playwright context each, so each is
its own Streamlit session), and in each picks a shipped scenario (in turn),
presses Run and waits for the scorecard. Reports each session's page load
and run response times, and every error: a page error, a Streamlit exception
box, an error message in the page, or a timeout.

    .venv/bin/python benchmarks/bench_dashboard.py [--sessions 20] [--samples 0]

``tests/browser/test_dashboard_load.py`` runs the same load and asserts no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
]
#: Seconds a session may wait for the page, and for its run's scorecard, on a loaded machine.
TIMEOUT_S = 300.0
#: The status line of a finished run ("Ran hub in 2.5 s").
_RAN = re.compile(r"^Ran .+ in [0-9.]+ s$")
#: The headline metric every run shows: the lead class's EV share of sales in 2030.
METRIC = "EV share of sales (Passenger Cars) 2030"


@dataclass
class Session:
    """What one session saw."""

    index: int
    scenario: str
    load_s: float = float("nan")
    run_s: float = float("nan")
    metric: str = ""
    errors: list[str] = field(default_factory=list)


async def _session(browser: Any, url: str, index: int, scenario: str, samples: int) -> Session:
    out = Session(index, scenario)
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: out.errors.append(f"page error: {exc}"))
    timeout = TIMEOUT_S * 1000
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=timeout)
        run = page.get_by_role("button", name="Run", exact=True)
        await run.wait_for(timeout=timeout)
        out.load_s = time.perf_counter() - start
        box = page.get_by_test_id("stSelectbox").filter(has_text="Scenario").first
        await box.click(timeout=timeout)
        await page.get_by_role("option", name=scenario, exact=True).click(timeout=timeout)
        await page.wait_for_timeout(300)  # let the rerun that resets the inputs settle
        if samples:
            members = page.get_by_label("Ensemble members (0 = single run)")
            await members.fill(str(samples))
            await members.press("Enter")
            await page.wait_for_timeout(300)
        start = time.perf_counter()
        await run.click(timeout=timeout)
        metric = page.get_by_test_id("stMetric").filter(has_text=METRIC).first
        await metric.wait_for(timeout=timeout)
        await page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=timeout)
        await page.get_by_text(_RAN).first.wait_for(timeout=timeout)
        out.run_s = time.perf_counter() - start
        out.metric = (
            await metric.get_by_test_id("stMetricValue").inner_text(timeout=timeout)
        ).strip()
        for box in await page.get_by_test_id("stException").all():
            out.errors.append(f"exception: {(await box.inner_text())[:200]}")
        for box in await page.get_by_test_id("stAlertContentError").all():
            out.errors.append(f"error: {(await box.inner_text())[:200]}")
    except Exception as exc:  # a timeout or a broken page is an error of this session
        out.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        await context.close()
    return out


async def load(url: str, sessions: int, scenarios: list[str], samples: int = 0) -> list[Session]:
    """Open ``sessions`` browser sessions at once, each running a scenario; what each saw."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            return list(
                await asyncio.gather(
                    *(
                        _session(browser, url, i, scenarios[i % len(scenarios)], samples)
                        for i in range(sessions)
                    )
                )
            )
        finally:
            await browser.close()


def summary(results: list[Session], wall_s: float) -> str:
    """A table of the sessions and the totals."""
    lines = [f"{'session':>7} {'scenario':<10} {'load [s]':>9} {'run [s]':>8}  {METRIC}"]
    for s in results:
        lines.append(
            f"{s.index:>7} {s.scenario:<10} {s.load_s:>9.2f} {s.run_s:>8.2f}  {s.metric}"
            + (f"  ERRORS: {s.errors}" if s.errors else "")
        )
    runs = [s.run_s for s in results if s.run_s == s.run_s]
    errors = sum(len(s.errors) for s in results)
    if runs:
        lines.append(
            f"{len(results)} sessions, {errors} errors; run response: median "
            f"{statistics.median(runs):.2f} s, slowest {max(runs):.2f} s; "
            f"slowest page load {max(s.load_s for s in results):.2f} s; wall {wall_s:.1f} s"
        )
    else:
        lines.append(f"{len(results)} sessions, {errors} errors; no run finished")
    return "\n".join(lines)


def measure(sessions: int = 20, samples: int = 0) -> tuple[list[Session], float]:
    """Serve the dashboard on a free loopback port and load it; each session and the wall time."""
    import evhub
    from evhub.dashboard import background

    scenarios = [s.name for s in evhub.list_scenarios()]
    with tempfile.TemporaryDirectory() as tmp, background(log=Path(tmp) / "server.log") as url:
        start = time.perf_counter()
        results = asyncio.run(load(url, sessions, scenarios, samples))
        return results, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--samples", type=int, default=0, help="ensemble members per run")
    args = parser.parse_args()
    results, wall = measure(args.sessions, args.samples)
    print(summary(results, wall))
    return 1 if any(s.errors for s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
