"""Load: 20 concurrent browser sessions each run a scenario on one dashboard, without errors.

The load itself is ``benchmarks/bench_dashboard.py`` (``make bench`` prints its
table); this test runs it against the module's dashboard server and checks
that every session finished, without an error, showing its own scenario's
number (a session that ran a mix of two scenarios' inputs would not).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import evhub
from evhub.dashboard import logic

#: Sessions at once, as the issue asks.
SESSIONS = 20


def test_twenty_concurrent_sessions(dashboard: Any, load_bench: Any) -> None:
    bench = load_bench
    scenarios = [s.name for s in evhub.list_scenarios()]
    start = time.perf_counter()
    # Its own thread: the session's sync Playwright already runs an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        sessions = pool.submit(
            lambda: asyncio.run(bench.load(dashboard.url, SESSIONS, scenarios))
        ).result()
    wall = time.perf_counter() - start
    table = bench.summary(sessions, wall)
    print("\n" + table)  # noqa: T201 - the load report: shown with -s, and on failure

    card = evhub.run(scenarios).scorecard().set_index(["indicator", "year", "scenario"])
    indicator, year = bench.METRIC.rsplit(" ", 1)
    expected = {
        name: f"{logic.format_value(card.at[(indicator, int(year), name), 'value'], '%')} %"
        for name in scenarios
    }
    assert len(sessions) == SESSIONS
    assert [s.errors for s in sessions] == [[] for _ in sessions], table
    assert {s.index: s.metric for s in sessions} == {
        s.index: expected[s.scenario] for s in sessions
    }
