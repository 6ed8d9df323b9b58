"""The report in a real browser: every chart renders offline, without errors or requests out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evhub
from evhub import figures
from evhub.report import write_report

#: URL schemes a self-contained page may load from: itself and inline data.
LOCAL = ("file://", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    res = evhub.run(["baseline", "hub"], samples=40, seed=1)
    return write_report(res.write(folder / "results"))


def test_report_has_no_remote_script_or_link(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    remote = re.compile(
        r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//", re.I
    )
    assert remote.findall(html) == []
    assert re.findall(r"@import|url\(\s*[\"']?https?:", html, re.I) == []


def test_report_renders_offline_without_errors(
    browser, watcher, report: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # Anything that tries to leave the machine is recorded (and refused), then fails the test.
    context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    page = context.new_page()
    traffic = watcher(page)
    page.goto(report.as_uri(), wait_until="load")
    dims = evhub.load_dataset().dims  # one chart per vehicle class
    expected = len(figures.charts(dims)) + len(figures.stacks(dims))
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {expected}",
        timeout=60_000,
    )
    plots = page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(p => ({title: p.layout.title.text, traces: p.data.length,"
        " points: p.data.reduce((n, t) => n + (t.y ? t.y.length : 0), 0),"
        " ytitle: p.layout.yaxis.title ? p.layout.yaxis.title.text : ''}))"
    )
    titles = [p["title"] for p in plots]
    for spec in figures.charts(dims):
        assert spec.title in titles
    for stack in figures.stacks(dims):
        assert stack.title in titles
    for plot in plots:
        assert plot["points"] > 0, plot
        assert plot["ytitle"], f"{plot['title']}: y axis without a unit"
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    context.close()
    assert traffic.page_errors == []
    assert traffic.console_errors == []
    assert traffic.outside(LOCAL) == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
