"""The offline HTML report: contents, self-containment and bad results folders."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

import evhub
from evhub import figures, layout
from evhub.errors import InputError
from evhub.report import build, charts, formatting, write_report
from evhub.report.read import read_results

SECTIONS = (
    "overview",
    "scorecard",
    "charts",
    "stacks",
    "pipeline",
    "assumptions",
    "bibliography",
    "reproduce",
)
SCENARIOS = ["baseline", "hub"]
#: The shipped dataset's dimensions: the report's charts, one per vehicle class.
DIMS = evhub.load_dataset().dims
#: Elements that would load something from elsewhere (or embed another document).
LOADING = ("img", "iframe", "frame", "object", "embed", "audio", "video", "source", "track")
#: Void elements: no end tag, so no children.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


# --- a small DOM, from the standard library's parser ---------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.classes)]

    def find(self, tag: str, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls!r}>"
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag) -> None:
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        assert node is not self.root, f"</{tag}> without a start tag"
        self.current = node.parent

    def handle_data(self, data) -> None:
        self.current.children.append(data)


def parse(html: str) -> TreeBuilder:
    tree = TreeBuilder()
    tree.feed(html)
    tree.close()
    assert tree.current is tree.root, f"<{tree.current.tag}> is not closed"
    return tree


def by_id(tree: TreeBuilder) -> dict[str, Node]:
    ids: dict[str, Node] = {}
    for node in tree.root.iter():
        if "id" in node.attrs:
            key = node.attrs["id"]
            assert key not in ids, f"duplicate id {key!r}"
            ids[key] = node
    return ids


def squash(text: str) -> str:
    return " ".join(text.split())


def facts(tree: TreeBuilder) -> dict[str, str]:
    """The overview's facts: term -> description."""
    dl = by_id(tree)["overview"].find("dl", "facts")
    terms = [squash(n.text()) for n in dl.find_all("dt")]
    return dict(zip(terms, (squash(n.text()) for n in dl.find_all("dd")), strict=True))


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    """Two scenarios with small ensembles (40 members keep the suite fast)."""
    folder = tmp_path_factory.mktemp("report") / "results"
    evhub.run(SCENARIOS, samples=40, seed=1).write(folder)
    return folder


@pytest.fixture(scope="module")
def report(results_dir) -> Path:
    return write_report(results_dir)


@pytest.fixture(scope="module")
def html(report) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tree(html) -> TreeBuilder:
    return parse(html)


@pytest.fixture(scope="module")
def store(results_dir):
    """The store's tables, as the report should show them."""
    con = duckdb.connect(str(results_dir / "evhub.duckdb"), read_only=True)
    try:
        yield {
            t: con.execute(f"SELECT * FROM {t}").df()
            for t in (
                "runs",
                "inputs",
                "input_sources",
                "sources",
                "pipeline",
                "scorecard",
                "distributions",
                "ensemble_runs",
            )
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def deterministic_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_det") / "results"
    evhub.run("baseline").write(folder)
    return folder


def cited(store) -> set[str]:
    ids: set[str] = set()
    for table in ("inputs", "pipeline", "distributions"):
        for text in store[table]["source"].dropna():
            ids.update(s.strip() for s in str(text).split(";") if s.strip())
    return ids


# --- the file -------------------------------------------------------------------------------


def test_written_to_the_results_folder_by_default(results_dir, report):
    assert report == results_dir / "report.html"
    assert report.is_file()
    leftovers = [p.name for p in results_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_out_writes_elsewhere(results_dir, tmp_path, html):
    out = write_report(results_dir, out=tmp_path / "mine.html")
    assert out == tmp_path / "mine.html"
    # the same page apart from nothing: the report depends only on the folder
    assert out.read_text(encoding="utf-8") == html


def test_valid_html_with_every_section(tree):
    assert tree.doctype.lower() == "doctype html"
    ids = by_id(tree)  # also: no id twice
    for section in SECTIONS:
        assert section in ids, section
    for spec in figures.charts(DIMS):
        assert f"chart-{spec.key}" in ids
        assert f"fig-{spec.key}" in ids
        assert squash(ids[f"chart-{spec.key}"].find("figcaption").text()) == spec.question
    for stack in figures.stacks(DIMS):
        assert f"stack-{stack.key}" in ids
        assert f"fig-{stack.key}" in ids
    # the table of contents points at sections that exist
    toc = tree.root.find("nav", "toc")
    targets = [a.attrs["href"] for a in toc.find_all("a")]
    assert targets and all(t[1:] in ids for t in targets)


def test_every_internal_link_has_a_target(tree):
    ids = by_id(tree)
    links = [a.attrs["href"] for a in tree.root.find_all("a") if a.attrs["href"].startswith("#")]
    dangling = sorted({h for h in links if h[1:] not in ids})
    assert dangling == []


def test_header_names_the_run(tree, results_dir, store):
    shown = facts(tree)
    assert shown["Scenarios"] == "baseline, hub"
    base_year = evhub.load_dataset().base_year
    assert shown["Dataset"] == f"turkiye (observed history up to {base_year})"
    assert shown["evhub version"] == store["runs"]["evhub_version"].iloc[0]
    created = store["runs"]["created_utc"].iloc[0]  # 2026-01-31T12:00:00+00:00
    assert shown["Created"] == f"{created[:10]} {created[11:16]} UTC"
    assert set(store["ensemble_runs"]["samples"]) == {40}
    assert shown["Ensemble"] == "40 members per scenario (lhs sampling, seed 1)"
    command = by_id(tree)["reproduce"].find("pre").text()
    assert command == (
        "evhub run baseline hub --samples 40 --seed 1 --sampler lhs --out results "
        "&& evhub report results"
    )


# --- scorecard ------------------------------------------------------------------------------


def _number(value: float) -> str:
    """The scorecard's rule, written out again: no decimals from 1,000, else one."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}"


def _percent(p: float) -> str:
    if 0 < p < 0.01:
        return "<1 %"
    if 0.99 < p < 1:
        return ">99 %"
    return f"{round(p * 100):.0f} %"


def test_scorecard_csv_is_the_store_table(results_dir, store):
    """The report shows the store's scorecard; scorecard.csv is the same to 6 digits."""
    csv = pd.read_csv(results_dir / "scorecard.csv")
    table = store["scorecard"]
    assert csv[["indicator", "year", "scenario"]].values.tolist() == (
        table[["indicator", "year", "scenario"]].values.tolist()
    )
    for column in ("value", "target", "probability", "p05", "p95"):
        # rtol: the CSV is written with 6 significant digits (float_format="%.6g")
        pd.testing.assert_series_equal(
            csv[column], table[column].astype(float), check_names=False, rtol=1e-5
        )


def test_scorecard_shows_the_store_values(tree, store):
    card = store["scorecard"]
    table = by_id(tree)["scorecard"].find("table", "scorecard")
    header = [squash(th.text()) for th in table.find("thead").find_all("th")]
    assert header == ["indicator", "year", "unit", "target", *SCENARIOS]
    shown = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = tr.find_all("td")
        key = (squash(cells[0].text()), int(cells[1].text()))
        shown[key] = (squash(cells[3].text()), cells[4:])
    assert len(shown) == len(card) // len(SCENARIOS)
    checked_targets = 0
    for rec in card.itertuples(index=False):
        target, cells = shown[(rec.indicator, rec.year)]
        cell = cells[SCENARIOS.index(rec.scenario)]
        expected = _number(rec.value)
        if not pd.isna(rec.met):
            expected += " ✓" if rec.met else " ✗"
            expected += f" {_percent(rec.probability)}"
            assert ("met" if rec.met else "unmet") in cell.classes
            assert target == _number(rec.target)
            checked_targets += 1
        else:
            assert "met" not in cell.classes and "unmet" not in cell.classes
        assert squash(cell.find("span", "value").text()) == expected
        low, high = _number(rec.p05), _number(rec.p95)
        bands = [squash(s.text()) for s in cell.find_all("span", "band")]
        assert bands == ([f"{low} – {high}"] if low != high else [])
    assert checked_targets >= 2 * len(SCENARIOS)  # CO2, EVs built and cells have targets


def test_scorecard_formats(tree):
    assert formatting.format_value(80812.5) == "80,812"
    assert formatting.format_value(1493800.4) == "1,493,800"
    assert formatting.format_value(35.4535) == "35.5"
    assert formatting.format_value(float("nan")) == "–"
    assert formatting.format_probability(0.95) == "95 %"
    assert formatting.format_probability(0.005) == "<1 %"
    assert formatting.format_probability(0.996) == ">99 %"
    assert formatting.format_probability(0.0) == "0 %"


# --- charts ---------------------------------------------------------------------------------


def _figure_scripts(tree) -> dict[str, str]:
    out = {}
    for div in tree.root.find_all("div", "plotly-graph-div"):
        script = div.parent.find("script")
        out[div.attrs["id"].removeprefix("fig-")] = script.text()
    return out


def test_charts_hold_every_scenario_with_bands(tree):
    scripts = _figure_scripts(tree)
    assert set(scripts) == {c.key for c in figures.charts(DIMS)} | {
        s.key for s in figures.stacks(DIMS)
    }
    for spec in figures.charts(DIMS):
        data = scripts[spec.key]
        for scen in SCENARIOS:
            if len(spec.variables) > 1:  # one panel per scenario, titled with its name
                assert re.search(rf'"text":"{scen}"', data), (spec.key, scen)
            else:
                assert re.search(rf'"name":"{scen}"', data), (spec.key, scen)
        assert '"fill":"toself"' in data  # the ensemble's bands
        assert re.search(r'"displaylogo":\s*false', data)
        assert re.search(r'"responsive":\s*true', data)
    assert "target path" in scripts["co2-car"]
    assert "target path" in scripts["co2-lcv"]


def _figure(html: str, key: str) -> tuple[list[dict], dict]:
    """The data and layout of the report's figure ``key`` (its ``Plotly.newPlot`` call)."""
    call = html.find("Plotly.newPlot(", html.find(f'id="fig-{key}"'))
    decoder = json.JSONDecoder()
    start = html.find("[", call)
    data, length = decoder.raw_decode(html[start:])
    layout, _ = decoder.raw_decode(html[html.find("{", start + length) :])
    return data, layout


def test_fan_chart_shows_the_iamc_values(html, results_dir):
    """BEV stock: the central run from iamc.csv and the median from iamc_quantiles.csv, in
    million veh; CO2: the target path. Compared after the report's rounding to 4 digits."""
    data, layout = _figure(html, "bev-stock-car")
    assert layout["yaxis"]["title"]["text"] == "million veh"
    assert layout["xaxis"]["title"]["text"] == "year"
    iamc = pd.read_csv(results_dir / "iamc.csv")
    quantiles = pd.read_csv(results_dir / "iamc_quantiles.csv")
    traces = {t["name"]: t for t in data}
    for scen in SCENARIOS:
        rows = iamc[(iamc["Scenario"] == scen) & (iamc["Variable"] == "Stock|Passenger Cars|BEV")]
        median = quantiles[
            (quantiles["Scenario"] == scen)
            & (quantiles["Variable"] == "Stock|Passenger Cars|BEV")
            & (quantiles["Quantile"] == 0.5)
        ]
        for name, table in ((scen, rows), (f"{scen} median", median)):
            trace = traces[name]
            years = [str(y) for y in trace["x"]]
            assert trace["x"][0] == charts.DISPLAY_START
            expected = charts.round_significant(
                table[years].to_numpy(dtype=float)[0] * 1e-6, charts.SIGNIFICANT_DIGITS
            )
            assert trace["y"] == expected.tolist(), name
    data, layout = _figure(html, "co2-car")
    assert layout["yaxis"]["title"]["text"] == "Mt CO2/yr"
    target = next(t for t in data if t["name"] == "target path")
    path = iamc[
        (iamc["Scenario"] == SCENARIOS[0])
        & (iamc["Variable"] == "Target|Emissions|CO2|Passenger Cars")
    ]
    years = [str(y) for y in target["x"]]
    expected = charts.round_significant(path[years].to_numpy(dtype=float)[0], 4)
    assert target["y"] == expected.tolist()


def _significant(number: str) -> int:
    mantissa = number.lower().split("e")[0].lstrip("-").removesuffix(".0")
    return len(mantissa.replace(".", "").strip("0"))


def test_figure_data_are_rounded(tree):
    """Four significant digits, and no unused template styles: the figures stay small."""
    scripts = _figure_scripts(tree)
    total = len("".join(scripts.values()))
    assert total < 300_000  # about 25 kB per fan chart of two scenarios with bands
    values = [
        v
        for script in scripts.values()
        for array in re.findall(r'"y":\[([^\]]*)\]', script)
        for v in array.split(",")
        if v not in ("", "null")
    ]
    assert len(values) > 1000
    assert max(_significant(v) for v in values) <= charts.SIGNIFICANT_DIGITS
    assert "heatmap" not in "".join(scripts.values())  # the template's unused styles
    # plain JSON arrays, not base64 typed arrays: what a browser-side check can count
    assert "bdata" not in "".join(scripts.values())


def test_round_significant():
    values = pd.Series([80812.5, 0.0123456, -35.4535, 0.0, float("nan")]).to_numpy()
    got = charts.round_significant(values, 4)
    assert got[:4].tolist() == [80810.0, 0.01235, -35.45, 0.0]
    assert pd.isna(got[4])


# --- pipeline, assumptions and sources ------------------------------------------------------


def test_pipeline_lists_every_project(tree, store):
    ids = by_id(tree)
    pipeline = store["pipeline"]
    table = ids["pipeline"].find("table", "pipeline")
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == pipeline["id"].nunique()
    for pid in pipeline["id"].unique():
        row = ids[f"project-{pid}"]
        cells = row.find_all("td")
        for k, scen in enumerate(SCENARIOS):
            rec = pipeline[(pipeline["scenario"] == scen) & (pipeline["id"] == pid)].iloc[0]
            text = squash(cells[5 + k].children[0])  # "p · start", then the usable capacity
            start = "–" if pd.isna(rec.start) else f"{rec.start:.6g}"
            assert text == f"{rec.probability:.2f} · {start}", (pid, scen)
        sources = [a.attrs["href"] for a in cells[-1].find_all("a")]
        expected = [
            f"#src-{s}"
            for s in str(rec.source).split(";")
            if s.strip() in set(store["sources"]["id"])
        ]
        assert sources == expected


def test_pipeline_shades_what_a_scenario_changes(tree, store):
    """A project in talks is realised with p = 1 in hub: its hub cell differs from baseline."""
    pipeline = store["pipeline"]
    talks = pipeline[(pipeline["scenario"] == "baseline") & (pipeline["stage"] == "talks")]
    assert not talks.empty
    row = by_id(tree)[f"project-{talks['id'].iloc[0]}"]
    cells = row.find_all("td")
    assert "differs" not in cells[5].classes and "differs" in cells[6].classes


def _shown(inputs: pd.DataFrame, scenario: str) -> pd.Series:
    """A scenario's inputs as the report shows them: a choice, a number to 10 digits, or none."""
    rows = inputs[inputs["scenario"] == scenario].set_index("parameter")
    return pd.Series(
        [
            str(c) if isinstance(c, str) else "none" if pd.isna(v) else f"{v:.10g}"
            for v, c in zip(rows["value"], rows["choice"], strict=True)
        ],
        index=rows.index,
    )


def test_assumptions_show_what_hub_changes(tree, store):
    inputs = store["inputs"]
    base = _shown(inputs, "baseline")
    hub = _shown(inputs, "hub")
    changed = sorted(p for p in hub.index if p not in base.index or base[p] != hub[p])
    assert changed  # hub fixes the storyline: there is something to show
    box = by_id(tree)["scenario-hub"]
    summary = squash(box.find("summary").text())
    assert summary.startswith(f"hub — {len(hub)} inputs, {len(changed)} differ from baseline")
    table = box.find("table", "changes")
    shown = [squash(tr.find("td").text()) for tr in table.find("tbody").find_all("tr")]
    assert sorted(shown) == changed
    first = table.find("tbody").find("tr").find_all("td")
    assert squash(first[1].text()) == base[shown[0]]
    assert squash(first[2].text()) == hub[shown[0]]
    # the full table of hub's inputs has every input, the changed ones shaded
    full = box.find("table", "inputs").find("tbody").find_all("tr")
    assert len(full) == len(hub)
    assert sum("changed" in tr.classes for tr in full) == len(changed)


def test_assumptions_list_the_distributions(tree, store):
    dists = store["distributions"]
    inputs = store["inputs"]
    for scen in SCENARIOS:
        box = by_id(tree)[f"scenario-{scen}"]
        table = box.find("table", "distributions")
        header = [squash(th.text()) for th in table.find("thead").find_all("th")]
        assert header == ["parameter", "distribution", "central", "unit", "sources"]
        rows = [
            [squash(td.text()) for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")
        ]
        assert [r[0] for r in rows] == dists.loc[dists["scenario"] == scen, "parameter"].tolist()
        units = inputs[inputs["scenario"] == scen].set_index("parameter")["unit"]
        assert [r[3] for r in rows] == [units[r[0]] for r in rows]
    # baseline.yaml samples the LCV midpoint year around 2036 [yr]: a year, not "2,036"
    box = by_id(tree)["scenario-baseline"].find("table", "distributions")
    shown = {squash(tr.find("td").text()): tr.find_all("td") for tr in box.find_all("tr")[1:]}
    midpoint = shown["lcv.market.bev_share.midpoint_year"]
    assert [squash(midpoint[2].text()), squash(midpoint[3].text())] == ["2036", "yr"]


def test_unset_option_is_shown_as_none(tree, store):
    """car.market.ice_ban_year is unset in baseline: stored as no value, shown as "none"."""
    inputs = store["inputs"]
    stored = inputs[
        (inputs["scenario"] == "baseline") & (inputs["parameter"] == "car.market.ice_ban_year")
    ]
    assert stored["value"].isna().tolist() == [True]
    assert stored["choice"].isna().tolist() == [True]
    table = by_id(tree)["scenario-baseline"].find("table", "inputs")
    row = next(
        tr
        for tr in table.find_all("tr")[1:]
        if squash(tr.find("td").text()) == "car.market.ice_ban_year"
    )
    assert squash(row.find_all("td")[1].text()) == "none"


def test_baseline_has_no_parent(tree):
    box = by_id(tree)["scenario-baseline"]
    assert "differ from" not in box.find("summary").text()
    assert box.find_all("table", "changes") == []


def test_bibliography_has_every_cited_source(tree, store):
    known = set(store["sources"]["id"])
    expected = cited(store) & known
    entries = by_id(tree)["bibliography"].find("ol", "bib").find_all("li")
    shown = [li.attrs["id"].removeprefix("src-") for li in entries]
    assert sorted(shown) == sorted(expected)
    assert shown == sorted(shown, key=str.lower)
    sources = store["sources"].set_index("id")
    for li in entries:
        sid = li.attrs["id"].removeprefix("src-")
        text = squash(li.text())
        assert squash(str(sources.at[sid, "title"])) in text
        assert squash(str(sources.at[sid, "publisher"])) in text
        url = str(sources.at[sid, "url"])
        if url.startswith(("http://", "https://")):
            assert [a.attrs["href"] for a in li.find_all("a")] == [url]
        else:  # a source without an address says why
            assert not url
            assert f"No address: {squash(str(sources.at[sid, 'no_url_reason']))}." in text
    assert "evhub-assumption" in shown  # cited, and without an address


def test_bibliography_lists_the_other_sources_of_the_dataset(tree, store):
    """Sources only the data tables cite (the history, the CO2 target path) are listed too."""
    known = set(store["sources"]["id"])
    ids = by_id(tree)
    others = ids["bibliography"].find("ol", "others").find_all("li")
    shown = [li.attrs["id"].removeprefix("src-") for li in others]
    assert sorted(shown) == sorted(known - cited(store))
    # every source of the dataset has one entry to link to
    assert {i.removeprefix("src-") for i in ids if i.startswith("src-")} == known
    # the CO2 target path's sources (targets.csv) are among them
    assert "turkiyetoday-ndc3" in shown


def test_scenario_files_are_cited_by_name_and_file_not_linked(html, tree, store):
    """A scenario file is cited by the scenario's name and its file in the dataset, as text."""
    files = store["input_sources"].query("kind == 'scenario'")
    chain = evhub.resolve("hub").chain  # baseline, announced, hub: each sets some input
    assert set(files["file"]) == {f"scenarios/{s}.yaml" for s in chain}
    for name, file in set(zip(files["source"], files["file"], strict=True)):
        assert f"scenario {name} ({file})" in html
    links = [a.attrs.get("href") or "" for a in tree.root.find_all("a")]
    assert [href for href in links if ".yaml" in href] == []
    assert str(evhub.load_dataset().path) not in html
    assert "Source ids referenced but not in the sources" not in html


def test_set_overrides_are_not_missing_sources(tmp_path):
    """A value given with --set has the source "overrides": not an id missing from sources."""
    folder = tmp_path / "results"
    evhub.run("baseline", overrides={"car.trade.eu_export_share": 80}).write(folder)
    page = write_report(folder).read_text(encoding="utf-8")
    assert "Source ids referenced but not in the sources" not in page
    assert "overrides (missing)" not in page
    tree = parse(page)
    table = by_id(tree)["scenario-baseline"].find("table", "inputs")
    row = next(
        tr
        for tr in table.find_all("tr")[1:]
        if squash(tr.find("td").text()) == "car.trade.eu_export_share"
    )
    cells = row.find_all("td")
    assert squash(cells[1].text()) == "80"
    assert squash(cells[3].text()) == "command-line override (--set)"


# --- self-containment -----------------------------------------------------------------------


def test_loads_nothing_from_elsewhere(tree, html):
    scripts = tree.root.find_all("script")
    assert [s.attrs for s in scripts if "src" in s.attrs] == []
    assert tree.root.find_all("link") == []
    for tag in LOADING:
        assert tree.root.find_all(tag) == [], tag
    styles = [s.text() for s in tree.root.find_all("style")]
    styles += [n.attrs["style"] or "" for n in tree.root.iter() if "style" in n.attrs]
    for css in styles:
        assert "url(" not in css
        assert "@import" not in css
        assert "@font-face" not in css
    assert "MathJax" not in html.split("</script>", 1)[1]  # none outside the plotly bundle


def test_plotly_embedded_exactly_once(tree, html):
    bundle = get_plotlyjs()
    assert html.count(bundle[:2000]) == 1
    big = [s for s in tree.root.find_all("script") if len(s.text()) > 1_000_000]
    assert len(big) == 1
    assert big[0].parent.tag == "head"
    # every other script is a figure's Plotly.newPlot call
    others = [s.text() for s in tree.root.find_all("script") if s not in big]
    assert len(others) == len(figures.charts(DIMS)) + len(figures.stacks(DIMS))
    assert all("Plotly.newPlot" in s for s in others)


def test_data_are_escaped(results_dir, tmp_path, store):
    folder = tmp_path / "results"
    shutil.copytree(results_dir, folder, symlinks=True)
    sid = sorted(cited(store) & set(store["sources"]["id"]))[0]
    con = duckdb.connect(str(folder / "evhub.duckdb"))
    con.execute(
        "UPDATE sources SET title = ?, url = ? WHERE id = ?",
        ["<script>alert(1)</script> & co", "javascript:alert(1)", sid],
    )
    con.close()
    _reseal(folder)
    page = write_report(folder).read_text(encoding="utf-8")
    tree = parse(page)
    li = by_id(tree)[f"src-{sid}"]
    assert "<script>alert(1)</script> & co" in li.text()  # shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert li.find_all("a") == []  # not a link: only http(s) URLs are
    assert len(tree.root.find_all("script")) == 1 + len(figures.charts(DIMS)) + len(
        figures.stacks(DIMS)
    )


# --- without an ensemble --------------------------------------------------------------------


def test_deterministic_folder_renders_lines_only(deterministic_dir):
    page = write_report(deterministic_dir).read_text(encoding="utf-8")
    tree = parse(page)
    ids = by_id(tree)
    for section in SECTIONS:
        assert section in ids
    assert facts(tree)["Ensemble"] == "none: central (deterministic) runs only"
    card = pd.read_csv(deterministic_dir / "scorecard.csv")
    table = ids["scorecard"].find("table", "scorecard")
    values = [squash(s.text()) for s in table.find_all("span", "value")]
    assert len(values) == len(card)
    assert not any("%" in v for v in values)  # no probabilities
    assert table.find_all("span", "band") == []  # no 5-95 % ranges
    met = card[card["met"].notna()].iloc[0]
    assert f"{_number(met.value)} {'✓' if met.met else '✗'}" in values
    scripts = _figure_scripts(tree)
    assert all('"fill":"toself"' not in s for s in scripts.values())  # no fans
    assert all("median" not in s for s in scripts.values())
    assert "Distributions sampled" not in page
    assert "--samples" not in ids["reproduce"].find("pre").text()


# --- bad folders ----------------------------------------------------------------------------


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _reseal(folder: Path) -> None:
    """Record the files of the current run as they are now in its manifest.

    A changed file no longer matches the manifest, and the report refuses the
    folder for that; resealing lets a test reach the checks behind that one.
    """
    run = (folder / layout.CURRENT).resolve()
    manifest = json.loads((run / layout.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = layout.file_entries(run)
    (run / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_missing_folder(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(InputError) as err:
        write_report(folder)
    assert str(err.value) == (
        f"{folder}: no such results folder; write it with `evhub run --out {folder}`"
    )
    assert not folder.exists()


def test_folder_without_store(tmp_path):
    (tmp_path / "iamc.csv").write_text("Model\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        write_report(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'manifest.json'}: no such file; the folder was not written by `evhub run` "
        f"of this version (or its run was interrupted); write the folder again with "
        f"`evhub run --out {tmp_path}`"
    )
    assert _files(tmp_path) == ["iamc.csv"]


def test_a_file_changed_after_the_run(copied):
    """A file that is not the one the run wrote (its checksum): the files are not from one run."""
    _sql(copied, "DELETE FROM scorecard WHERE year = 2030")
    with pytest.raises(InputError) as err:
        write_report(copied)
    message = str(err.value)
    assert message.startswith(f"{copied / 'evhub.duckdb'}: ")
    assert "the files are not from one run; write the folder again with `evhub run --out" in message
    assert "report.html" not in _files(copied / "current")


def test_a_store_of_another_run(copied, deterministic_dir):
    """The store of another run, even with the manifest's checksums made to fit it."""
    store = copied / "current" / "evhub.duckdb"
    store.unlink()
    shutil.copyfile(deterministic_dir / "evhub.duckdb", store)
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    run_id = json.loads((copied / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    assert str(err.value).startswith(f"{copied / 'evhub.duckdb'}: table 'runs' holds run ")
    assert f"but {copied / 'manifest.json'} is of run {run_id}; the files are not from one run" in (
        str(err.value)
    )


def test_the_report_goes_into_the_run_folder(copied):
    report = write_report(copied)
    assert report == copied / "report.html"
    assert report.is_symlink()
    assert report.resolve() == (copied / "current" / "report.html").resolve()


@pytest.fixture
def copied(results_dir, tmp_path) -> Path:
    folder = tmp_path / "results"
    shutil.copytree(
        results_dir, folder, symlinks=True, ignore=shutil.ignore_patterns("report.html")
    )
    return folder


def _sql(folder: Path, statement: str) -> None:
    con = duckdb.connect(str(folder / "evhub.duckdb"))
    try:
        con.execute(statement)
    finally:
        con.close()


def test_store_without_pipeline_table(copied):
    _sql(copied, "DROP TABLE pipeline")
    _reseal(copied)
    before = _files(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    assert str(err.value) == (
        f"{copied / 'evhub.duckdb'}: no table 'pipeline'; write the folder with `evhub run` "
        "of this version"
    )
    assert _files(copied) == before  # no report, no temporary file


def test_store_missing_a_column(copied):
    _sql(copied, "ALTER TABLE sources DROP COLUMN url")
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    assert str(err.value) == (
        f"{copied / 'evhub.duckdb'}: table 'sources' has no column 'url'; expected the columns "
        "id, publisher, title, date, url, no_url_reason, note, publisher_url, "
        "publisher_quote; write the folder with `evhub run` of this version"
    )
    assert "report.html" not in _files(copied)


def test_ensemble_store_missing_a_scorecard_column(copied):
    _sql(copied, "ALTER TABLE scorecard DROP COLUMN probability")
    _reseal(copied)
    with pytest.raises(InputError, match=r"table 'scorecard' has no column 'probability'"):
        write_report(copied)


def test_corrupt_store(copied):
    store = copied / "evhub.duckdb"
    store.write_bytes(b"not a database" * 100)
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    message = str(err.value)
    assert message.startswith(f"{store}: not a readable DuckDB store (")
    assert message.endswith(f"); write the folder again with `evhub run --out {copied}`")
    assert "report.html" not in _files(copied)


def test_ensemble_without_quantiles_file(copied):
    (copied / "current" / "iamc_quantiles.csv").unlink()
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    assert str(err.value) == (
        f"{copied / 'iamc_quantiles.csv'}: no such file; the store holds an ensemble (table "
        f"'ensemble_runs'); write the folder with `evhub run --samples N --out {copied}`"
    )


def test_iamc_from_another_run(copied):
    iamc = pd.read_csv(copied / "iamc.csv")
    iamc[iamc["Scenario"] == "baseline"].to_csv(copied / "iamc.csv", index=False)
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    assert str(err.value) == (
        f"{copied / 'iamc.csv'}: no rows for scenario 'hub' of the store's table 'runs'; the "
        f"files are from different runs, write the folder again with `evhub run --out {copied}`"
    )


def test_missing_output_folder(results_dir, tmp_path):
    out = tmp_path / "no" / "report.html"
    with pytest.raises(InputError) as err:
        write_report(results_dir, out=out)
    assert str(err.value) == f"{out.parent}: no such folder for the report 'report.html'"


def test_out_is_a_folder(results_dir, tmp_path):
    with pytest.raises(InputError) as err:
        write_report(results_dir, out=tmp_path)
    assert str(err.value) == (
        f"{tmp_path}: is a folder; give the report a file name, e.g. {tmp_path / 'report.html'}"
    )
    assert _files(tmp_path) == []


def test_out_is_a_folder_on_the_command_line(results_dir, tmp_path):
    """One message and exit code 2, not a traceback (IsADirectoryError)."""
    from typer.testing import CliRunner

    from evhub.cli import app

    result = CliRunner().invoke(app, ["report", str(results_dir), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "is a folder; give the report a file name" in result.output
    assert _files(tmp_path) == []


def test_unwritable_folder(results_dir, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(build.tempfile, "mkstemp", refuse)
    out = tmp_path / "report.html"
    with pytest.raises(InputError) as err:
        write_report(results_dir, out=out)
    assert str(err.value) == f"{out}: cannot write the report (Permission denied)"
    assert _files(tmp_path) == []


def test_results_folder_is_a_file(results_dir):
    path = results_dir / "iamc.csv"
    with pytest.raises(InputError) as err:
        write_report(path)
    assert str(err.value) == (
        f"{path}: is a file; give the results folder (written by `evhub run --out DIR`)"
    )


def test_iamc_year_column_with_words(copied):
    iamc = pd.read_csv(copied / "iamc.csv")
    iamc["2030"] = iamc["2030"].astype(object)
    iamc.loc[3, "2030"] = "abc"
    iamc.to_csv(copied / "iamc.csv", index=False)
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    assert str(err.value) == (
        f"{copied / 'iamc.csv'}: column '2030' holds 'abc'; expected numbers (or empty cells) "
        "in every year column; write the folder with `evhub run` of this version"
    )
    assert "report.html" not in _files(copied)


def test_a_failed_report_leaves_the_old_one(copied):
    report = write_report(copied)
    old = report.read_bytes()
    _sql(copied, "DROP TABLE pipeline")
    _reseal(copied)
    with pytest.raises(InputError):
        write_report(copied)
    assert report.read_bytes() == old


def test_interrupted_write_leaves_nothing(results_dir, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(build.os, "replace", fail)
    out = tmp_path / "report.html"
    with pytest.raises(InputError) as err:  # the command line: one message, exit code 2
        write_report(results_dir, out=out)
    assert str(err.value) == f"{out}: cannot write the report (disk full)"
    assert _files(tmp_path) == []


def test_the_run_folder_holds_the_dimensions_of_its_dataset(results_dir, dataset):
    """dimensions.yaml of the run reads back as the dataset's dimensions, labels and all."""
    assert layout.DIMENSIONS in layout.Manifest.read(results_dir / layout.MANIFEST).files
    assert read_results(results_dir).dims == dataset.dims


def test_a_run_without_its_dimensions_shows_the_shipped_ones(copied, dataset):
    """A run of an evhub that wrote no dimensions.yaml: the shipped dataset's labels."""
    (copied / "current" / layout.DIMENSIONS).unlink()
    (copied / layout.DIMENSIONS).unlink()
    _reseal(copied)
    assert read_results(copied).dims == dataset.dims
    write_report(copied)


def test_dimensions_this_evhub_cannot_read(copied):
    (copied / "current" / layout.DIMENSIONS).write_text("classes: {}\n", encoding="utf-8")
    _reseal(copied)
    with pytest.raises(InputError) as err:
        write_report(copied)
    message = str(err.value)
    assert message.startswith(f"{copied / 'dimensions.yaml'}: the dimensions of run ")
    assert "cannot be read by this evhub (" in message
    assert message.endswith(f"; write the folder again with `evhub run --out {copied}`")
    assert "report.html" not in _files(copied)
