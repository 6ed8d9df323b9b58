"""Provenance an analyst can join (:mod:`evhub.provenance`, the store's tables, the manifest).

Each input of a run cites its sources as rows of ``input_sources`` (one per
input and source) beside ``inputs``, whose values are numbers in a numeric
column; a scenario file is cited by the scenario's name and its file
relative to the dataset folder; every table and column of the store has a
comment; and no file of a results folder (store tables included) names the
source tree, the home folder or site-packages.
"""

from __future__ import annotations

import csv
import json
import shutil
import site
import sysconfig
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import evhub
from evhub import layout
from evhub.cli import app
from evhub.provenance import Citation, citation_text, citations, portable_path
from evhub.report import write_report

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
ROOT = Path(__file__).resolve().parents[1]
#: The real home folder, before a test points HOME elsewhere.
HOME = Path.home().resolve()

#: A scenario file of the user: the hub, with another utilisation and a sampled EU
#: export share whose mode (omitted) comes from hub.yaml.
MINE = """\
name: mine
description: the hub at a lower utilisation
extends: hub
overrides:
  car.trade.utilisation: 70
  car.trade.eu_export_share: {dist: triangular, low: 60, high: 90}
"""


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A working directory and a home folder of their own (neither inside the other)."""
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    yield {"work": work, "home": home}


# --------------------------------------------------------------------------
# portable_path
# --------------------------------------------------------------------------


def test_a_file_of_the_dataset_is_named_relative_to_the_dataset(places):
    hub = SHIPPED / "scenarios" / "hub.yaml"
    assert portable_path(hub, SHIPPED) == "scenarios/hub.yaml"
    assert portable_path(SHIPPED / "dataset.yaml", SHIPPED) == "dataset.yaml"


def test_a_relative_path_stays_as_given(places):
    assert portable_path("runs/../mine.yaml") == "runs/../mine.yaml"


def test_an_absolute_path_in_the_working_directory_becomes_relative(places):
    assert portable_path(places["work"] / "sub" / "mine.yaml") == "sub/mine.yaml"


def test_an_absolute_path_in_the_home_folder_starts_with_a_tilde(places):
    assert portable_path(places["home"] / "data" / "mine.yaml") == "~/data/mine.yaml"


def test_an_absolute_path_elsewhere_stays_as_given(places, tmp_path):
    assert portable_path(tmp_path / "other" / "mine.yaml") == str(tmp_path / "other" / "mine.yaml")


# --------------------------------------------------------------------------
# citations of a resolved scenario
# --------------------------------------------------------------------------


def _assumption_sources(parameter: str) -> list[str]:
    """The source ids of a row of the shipped assumptions.csv, read as text."""
    with (SHIPPED / "assumptions.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["parameter"] == parameter)
    return row["source"].split(";")


def test_citations_name_the_scenario_its_file_the_dataset_and_the_overrides(places):
    (places["work"] / "mine.yaml").write_text(MINE, encoding="utf-8")
    data = evhub.load_dataset()
    mine = evhub.resolve("mine.yaml", overrides={"car.market.growth_rate": 3})

    assert citations(mine, "car.trade.utilisation", data) == [
        Citation("scenario", "mine", "mine.yaml")
    ]
    # the mode of the distribution was filled in from hub.yaml: both are cited, mine first
    assert citations(mine, "car.trade.eu_export_share", data) == [
        Citation("scenario", "mine", "mine.yaml"),
        Citation("scenario", "hub", "scenarios/hub.yaml"),
    ]
    assert citations(mine, "car.market.growth_rate", data) == [Citation("overrides", "overrides")]
    assert citations(mine, "car.fleet.lifetime.distribution", data) == [
        Citation("dataset", data.name, "dataset.yaml")
    ]
    # a default of assumptions.csv cites the ids of its row, in order
    baseline = evhub.resolve("baseline")
    expected = [Citation("source", sid) for sid in _assumption_sources("car.market.growth_rate")]
    assert citations(baseline, "car.market.growth_rate", data) == expected
    assert citation_text(citations(mine, "car.trade.eu_export_share", data)) == (
        "scenario mine (mine.yaml);scenario hub (scenarios/hub.yaml)"
    )


# --------------------------------------------------------------------------
# the store: inputs, input_sources, pipeline_sources, comments
# --------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *args: object) -> list[tuple]:
    return con.execute(sql, list(args)).fetchall()


@pytest.fixture
def store(places) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store of ``mine`` (from the working directory) and baseline, with an override."""
    (places["work"] / "mine.yaml").write_text(MINE, encoding="utf-8")
    out = evhub.run(["baseline", "mine.yaml"], overrides={"car.market.growth_rate": 3}).write(
        places["work"] / "out"
    )
    with duckdb.connect(str(out / layout.STORE), read_only=True) as con:
        yield con


def test_inputs_hold_numbers_in_a_numeric_column(store):
    types = dict(
        _rows(
            store, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'inputs'"
        )
    )
    assert types["value"] == "DOUBLE"
    assert types["choice"] == "VARCHAR"
    by_path = {
        p: (v, c)
        for p, v, c in _rows(
            store, "SELECT parameter, value, choice FROM inputs WHERE scenario = 'mine'"
        )
    }
    assert by_path["car.trade.utilisation"] == (70.0, None)
    assert by_path["car.market.growth_rate"] == (3.0, None)
    assert by_path["car.fleet.lifetime.distribution"] == (None, "weibull")
    # hub sets no ICE ban: the option is unset, neither a number nor a choice
    assert evhub.resolve("hub").values["car.market.ice_ban_year"] is None
    assert by_path["car.market.ice_ban_year"] == (None, None)


def test_input_sources_has_one_row_per_input_and_source(store):
    rows = _rows(
        store,
        "SELECT kind, source, file FROM input_sources WHERE scenario = 'mine' "
        "AND parameter = 'car.trade.eu_export_share' ORDER BY rowid",
    )
    assert rows == [("scenario", "mine", "mine.yaml"), ("scenario", "hub", "scenarios/hub.yaml")]
    rows = _rows(
        store,
        "SELECT kind, source, file FROM input_sources WHERE scenario = 'baseline' "
        "AND parameter = 'car.market.growth_rate'",
    )
    assert rows == [("overrides", "overrides", None)]
    # every input cites at least one source, and its text column lists the same, in order
    text = _rows(
        store,
        "SELECT i.scenario, i.parameter, i.source, string_agg(CASE WHEN x.kind IN "
        "('scenario', 'dataset') THEN x.kind || ' ' || x.source || ' (' || x.file || ')' "
        "ELSE x.source END, ';' ORDER BY x.rowid) FROM inputs i LEFT JOIN input_sources x "
        "USING (scenario, parameter) GROUP BY ALL",
    )
    assert len(text) == _rows(store, "SELECT count(*) FROM inputs")[0][0]
    assert [row for row in text if row[2] != row[3]] == []
    # a source id joins the bibliography; no row is lost in the join
    lost = _rows(
        store,
        "SELECT x.source FROM input_sources x ANTI JOIN sources s ON s.id = x.source "
        "WHERE x.kind = 'source'",
    )
    assert lost == []


def test_pipeline_sources_splits_the_pipeline_source_column(store):
    pipeline = _rows(store, "SELECT scenario, id, source FROM pipeline")
    expected = sorted(
        (scenario, pid, sid.strip())
        for scenario, pid, text in pipeline
        for sid in text.split(";")
        if sid.strip()
    )
    assert sorted(_rows(store, "SELECT scenario, id, source FROM pipeline_sources")) == expected
    assert len(expected) > len(pipeline)  # some project cites several sources


def _uncommented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns of a store without a comment."""
    return [
        name
        for (name,) in _rows(
            con,
            "SELECT table_name FROM duckdb_tables() WHERE coalesce(comment, '') = '' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "AND coalesce(comment, '') = '' "
            "UNION ALL SELECT table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE NOT internal AND coalesce(comment, '') = ''",
        )
    ]


def test_every_table_and_column_of_the_store_has_a_comment(store):
    assert _uncommented(store) == []
    declared = layout.STORE_TABLES["inputs"]
    (comment,) = _rows(store, "SELECT comment FROM duckdb_tables() WHERE table_name = 'inputs'")
    assert comment[0].startswith(declared.doc[0].upper() + declared.doc[1:])
    (value,) = _rows(
        store,
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'input_sources' "
        "AND column_name = 'kind'",
    )
    assert value[0] == layout.column("input_sources", "kind").doc
    assert "'scenario', a scenario file that sets the value" in value[0]


def test_every_table_and_column_of_an_ensemble_store_has_a_comment(places):
    out = evhub.run("baseline", samples=4, seed=1).write(places["work"] / "out")
    with duckdb.connect(str(out / layout.STORE), read_only=True) as con:
        names = {t for (t,) in _rows(con, "SELECT table_name FROM duckdb_tables()")}
        assert set(layout.ENSEMBLE_STORE_TABLES) - {"ensemble"} <= names
        assert _uncommented(con) == []
        (note,) = _rows(
            con, "SELECT comment FROM duckdb_tables() WHERE table_name = 'ensemble_paths'"
        )
        assert "the years 2000-2060 in order" in note[0]


# --------------------------------------------------------------------------
# no absolute path of the machine in a results folder
# --------------------------------------------------------------------------


def _machine_paths(home: Path) -> set[str]:
    """The source tree, the home folders (real and the test's) and site-packages."""
    paths = {str(ROOT), str(Path(evhub.__file__).resolve().parents[1]), str(home), str(HOME)}
    paths |= {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    paths |= set(site.getsitepackages())
    paths |= {str(Path(p).resolve()) for p in list(paths)}
    # a path of one folder only ("/" or "/root") names nothing else: keep "/root", not "/"
    return {p for p in paths if len(Path(p).parts) > 1}


def _strings_of_the_store(path: Path) -> Iterator[tuple[str, str]]:
    """Every text of a store (its pages may be compressed, so ask DuckDB): (where, text)."""
    with duckdb.connect(str(path), read_only=True) as con:
        columns = _rows(
            con,
            "SELECT table_name, column_name FROM duckdb_columns() c JOIN duckdb_tables() "
            "USING (table_name) WHERE c.data_type = 'VARCHAR'",
        )
        assert columns
        for table, column in columns:
            for (text,) in _rows(con, f'SELECT DISTINCT "{column}" FROM "{table}"'):
                yield f"{table}.{column}", str(text)
        for name, comment in _rows(con, "SELECT table_name, comment FROM duckdb_columns()"):
            yield f"comment of {name}", str(comment)
        for name, sql in _rows(con, "SELECT view_name, sql FROM duckdb_views()"):
            yield f"view {name}", str(sql)


def _scan(out: Path, home: Path) -> None:
    """No file of ``out`` and no text of its store names a path of :func:`_machine_paths`."""
    machine = _machine_paths(home)
    files = [p for p in out.rglob("*") if p.is_file() and not p.is_symlink()]
    names = {p.name for p in files}
    assert {"manifest.json", "iamc.csv", "evhub.duckdb", "report.html", "targets.csv"} <= names
    for path in files:
        data = path.read_bytes()
        for where in machine:
            assert where.encode() not in data, f"{path} names {where}"
    for path in (p for p in files if p.name == layout.STORE):
        for where, text in _strings_of_the_store(path):
            for place in machine:
                assert place not in text, f"{path}: {where} names {place}"


def test_a_results_folder_names_no_path_of_the_machine(places):
    """Shipped dataset, a scenario file under ~, an override, an ensemble and the report."""
    mine = places["home"] / "scenarios" / "mine.yaml"
    mine.parent.mkdir()
    mine.write_text(MINE, encoding="utf-8")
    out = places["work"] / "out"
    result = CliRunner().invoke(
        app,
        [
            "run", str(mine), "baseline", "--set", "car.market.growth_rate=3",
            "--samples", "4", "--seed", "1", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    write_report(out)
    _scan(out, places["home"])

    manifest = json.loads((out / layout.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["request"]["command"] == (
        "evhub run ~/scenarios/mine.yaml baseline --set car.market.growth_rate=3 "
        "--samples 4 --seed 1 --sampler lhs --out out"
    )
    assert manifest["request"]["arguments"] == ["~/scenarios/mine.yaml", "baseline"]
    assert manifest["dataset"]["path"] == ""
    assert manifest["dataset"]["shipped"] is True
    files = {s["name"]: [f["path"] for f in s["files"]] for s in manifest["scenarios"]}
    assert files == {
        "mine": [
            "scenarios/baseline.yaml",
            "scenarios/announced.yaml",
            "scenarios/hub.yaml",
            "~/scenarios/mine.yaml",
        ],
        "baseline": ["scenarios/baseline.yaml"],
    }
    # the same command again, from the same place, is the same request: it may replace its run
    again = CliRunner().invoke(
        app,
        [
            "run", str(mine), "baseline", "--set", "car.market.growth_rate=3",
            "--samples", "4", "--seed", "1", "--out", str(out),
        ],
    )  # fmt: skip
    assert again.exit_code == 0, again.output


def test_a_results_folder_of_another_dataset_names_no_path_of_the_machine(places):
    data = places["home"] / "data" / "my-country"
    shutil.copytree(SHIPPED, data)
    out = places["work"] / "out"
    result = CliRunner().invoke(
        app, ["run", "hub", "--dataset", str(data), "--samples", "4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    write_report(out)
    _scan(out, places["home"])
    manifest = json.loads((out / layout.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["dataset"]["path"] == "~/data/my-country"
    assert manifest["dataset"]["shipped"] is False
    (hub,) = manifest["scenarios"]
    assert [f["path"] for f in hub["files"]] == [
        "scenarios/baseline.yaml",
        "scenarios/announced.yaml",
        "scenarios/hub.yaml",
    ]
    # the same request again is recognised as such (the dataset compares by where it resolves)
    again = CliRunner().invoke(
        app, ["run", "hub", "--dataset", str(data), "--samples", "4", "--out", str(out)]
    )
    assert again.exit_code == 0, again.output
