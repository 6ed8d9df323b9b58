"""The dashboard in a real browser: move a slider, run, see the chart and the scorecard change."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evhub import figures
from evhub.dataset import load_dataset

#: The fan chart (its Streamlit key is ``chart-<key>``: the lead class's EV share, shown
#: first) and the headline number the test watches.
EV_CHART = figures.charts(load_dataset().dims)[0].key
METRIC = "EV share of sales (Passenger Cars) 2030"
#: Milliseconds to wait for a run and its page (a cold start on a busy 2-core machine).
TIMEOUT_MS = 120_000

_CHART_DATA = """(key) => {
  const plot = document.querySelector(`.st-key-chart-${key} .js-plotly-plot`);
  if (!plot || !plot._fullData) return null;
  return plot._fullData.filter(t => t.showlegend !== false && t.mode === "lines")
    .map(t => ({name: t.name, y: Array.from(t.y)}));
}"""


def _metric(page: Any) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=METRIC).first
    box.wait_for(timeout=TIMEOUT_MS)
    return str(box.get_by_test_id("stMetricValue").inner_text()).strip()


_LATEST = """() => {
  const c = Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"]'))
    .find(e => e.innerText.startsWith('Latest run:'));
  return c ? c.innerText : '';
}"""


def _run(page: Any) -> str:
    """Press Run, wait until the page names the new run as the latest; return that line."""
    before = page.evaluate(_LATEST)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        f"(t => t !== '' && t !== {before!r})(({_LATEST})()) "
        "|| document.querySelectorAll('[data-testid=\"stException\"]').length > 0",
        timeout=TIMEOUT_MS,
    )
    assert page.get_by_test_id("stException").count() == 0
    return str(page.evaluate(_LATEST))


def _chart(page: Any, unlike: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The EV chart's lines; with ``unlike``, once they differ from those (Plotly redraws
    after the page names the new run, so a read right away can still see the old lines).

    The lines are those the wait saw, read in the same call: while Plotly redraws, the
    chart can be missing or empty for a moment, so a second read could find none.
    """
    lines = page.wait_for_function(
        f"""([key, old]) => {{
          const d = ({_CHART_DATA})(key);
          const drawn = d !== null && d.length > 0;
          return drawn && (old === null || JSON.stringify(d) !== JSON.stringify(old)) && d;
        }}""",
        arg=[EV_CHART, unlike],
        timeout=TIMEOUT_MS,
    )
    return list(lines.json_value())


def test_slider_run_changes_chart_and_scorecard(
    browser: Any, watcher: Any, dashboard: Any, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route(re.compile(r"^(https?|wss?)://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    traffic = watcher(page)
    page.goto(dashboard.url, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=TIMEOUT_MS)

    assert _run(page).startswith("Latest run: baseline")
    before_metric = _metric(page)
    before_chart = _chart(page)
    assert before_chart and len(before_chart[0]["y"]) > 0

    slider = page.get_by_test_id("stSlider").filter(has_text="Yearly fall of battery pack prices")
    thumb = slider.get_by_role("slider")
    shown = slider.get_by_test_id("stSliderThumbValue")
    start = shown.inner_text()
    thumb.focus()
    thumb.press("Home")  # pack prices stay where they are: dearer electric cars
    page.wait_for_timeout(500)  # the slider sends its value when the key is released
    assert shown.inner_text() != start

    assert "edited" in _run(page)
    after_metric = _metric(page)
    after_chart = _chart(page, unlike=before_chart)
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    context.close()

    assert after_metric != before_metric
    assert float(after_metric.split()[0].replace(",", "")) < float(
        before_metric.split()[0].replace(",", "")
    ), "dearer packs must lower the EV share of sales in 2030 (buyers choose by cost)"
    assert [t["y"] for t in after_chart] != [t["y"] for t in before_chart]
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert traffic.page_errors == []
    assert traffic.outside((dashboard.url, "data:", "blob:", "about:")) == []
