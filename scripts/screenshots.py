"""Screenshots of the report and the dashboard for the README (``docs/*.png``).

    .venv/bin/python scripts/screenshots.py [RESULTS_DIR]

RESULTS_DIR (default ``results``) must hold a report (``make run``). The
dashboard is started on a free loopback port, the baseline and hub scenarios
are run in it and compared. Debian's chromium renders both, as in the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from evhub.dashboard import background

DOCS = Path(__file__).resolve().parents[1] / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars"]
TIMEOUT_MS = 120_000


def _report(page: Page, report: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 1100})
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8")
    page.screenshot(path=str(DOCS / "report-scorecard.png"))
    page.evaluate("document.querySelector('#charts').scrollIntoView()")
    page.wait_for_timeout(500)
    page.screenshot(path=str(DOCS / "report-fan-charts.png"))


def _run(page: Page, scenario: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text="Scenario").first
    box.click()
    options = page.get_by_role("option", name=scenario, exact=True)
    if not options.count():
        box.click()  # the click closed a list the previous choice left open
    options.click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(f"Latest run: {scenario}").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)


def _dashboard(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=TIMEOUT_MS)
    _run(page, "baseline")
    _run(page, "hub")
    page.wait_for_timeout(3000)  # both runs are compared: a new run joins the comparison
    page.screenshot(path=str(DOCS / "dashboard.png"))


def main() -> int:
    """Write the screenshots; 1 if the report is missing."""
    results = Path(sys.argv[1] if len(sys.argv) > 1 else "results").resolve()
    report = results / "report.html"
    if not report.exists():
        sys.stderr.write(f"error: {report} not found; run `make run` first\n")
        return 1
    with background() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page()
        _report(page, report)
        _dashboard(page, url)
        browser.close()
    for png in sorted(DOCS.glob("*.png")):
        sys.stdout.write(f"wrote {png} ({png.stat().st_size / 1e3:.0f} kB)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
