"""The dashboard: its logic (form -> overrides, validation, runs, tables) and the app (AppTest).

The real-browser tests (Playwright, headless Chromium) live elsewhere; here the
Streamlit script runs in-process through ``streamlit.testing.v1.AppTest``.
"""

import base64
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import evhub
from evhub.cli import app as cli_app
from evhub.compose import project_table
from evhub.dashboard import APP, command, logic, serve
from evhub.dims import DIMENSIONS_FILE, load_dims
from evhub.errors import InputError

streamlit_testing = pytest.importorskip("streamlit.testing.v1")
AppTest = streamlit_testing.AppTest

SHIPPED = ["baseline", "announced", "hub", "net-zero", "otv-reform", "tariff-cut"]


@pytest.fixture(scope="module")
def baseline(dataset):
    return evhub.resolve("baseline", dataset)


@pytest.fixture(scope="module")
def shipped_resolved(dataset):
    return [evhub.resolve(name, dataset) for name in SHIPPED]


@pytest.fixture(scope="module")
def sliders(baseline, dataset, shipped_resolved):
    return logic.slider_specs(baseline, dataset, shipped_resolved)


@pytest.fixture(scope="module")
def projects(baseline, dataset):
    return logic.project_frame(baseline, dataset)


@pytest.fixture(scope="module")
def baseline_run(dataset):
    return logic.run("baseline", {}, data=dataset, label="baseline")


# --------------------------------------------------------------------------
# Inputs of a scenario
# --------------------------------------------------------------------------


def test_slider_ranges_come_from_the_dataset_and_the_schema(sliders):
    # expected by hand: assumptions.csv gives the sourced ranges (vans: ceiling 20-100 %,
    # midpoint 2030-2045, steepness 0.1-0.8/yr; the pack price's yearly fall 0-10 %/yr,
    # value 5), trade.csv the EU export share (cars 60-85 %, value 72.6; vans 65.7-76.6 %,
    # 71.2); the grid targets of grid.csv have no range, so the sliders span what the
    # schema accepts (0-100 %). Every shipped value lies inside. Cars' buyers choose by
    # cost (car.market.share_model: choice), so the cars' share curve has no slider.
    expected = [
        ("bev_ceiling_lcv", "lcv.market.bev_share.ceiling", 20, 100, 1, 60),
        ("bev_midpoint_lcv", "lcv.market.bev_share.midpoint_year", 2030, 2045, 1, 2036),
        ("bev_steepness_lcv", "lcv.market.bev_share.steepness", 0.1, 0.8, 0.01, 0.25),
        ("eu_export_share_car", "car.trade.eu_export_share", 60, 85, 0.1, 72.6),
        ("eu_export_share_lcv", "lcv.trade.eu_export_share", 65.7, 76.6, 0.1, 71.2),
        ("grid_2035", "grid.renewable_share.2035", 0, 100, 1, 55),
        ("grid_2053", "grid.renewable_share.2053", 0, 100, 1, 69),
        ("pack_price_decline", "battery.pack_price_decline", 0, 10, 1, 5),
    ]
    result = [(s.key, s.path, s.low, s.high, s.step, s.value) for s in sliders]
    assert result == expected
    assert [s.label for s in sliders] == [
        "BEV share ceiling (Light Commercial Vehicles) [%]",
        "BEV share midpoint year (Light Commercial Vehicles)",
        "BEV share steepness (Light Commercial Vehicles) [1/yr]",
        "EU export share (Passenger Cars) [%]",
        "EU export share (Light Commercial Vehicles) [%]",
        "Renewable share of electricity 2035 [%]",
        "Renewable share of electricity 2053 [%]",
        "Yearly fall of battery pack prices [%/yr]",
    ]
    # whole-number sliders hand Streamlit ints, the others floats
    assert [s.integer for s in sliders] == [True] * 2 + [False] * 3 + [True] * 3
    assert [s.format for s in sliders] == ["%d"] * 2 + ["%.2f"] + ["%.1f"] * 2 + ["%d"] * 3
    assert "[0, 100]" in sliders[0].help and "assumptions.csv" in sliders[0].help
    assert "[-50, 50]" in sliders[-1].help and "sourced range 0-10" in sliders[-1].help


def test_a_class_whose_buyers_choose_has_no_curve_sliders(dataset, shipped_resolved):
    # the same scenario with cars on a logistic curve gets the cars' curve sliders back,
    # at the values and sourced ranges of assumptions.csv (ceiling 70 %, 30-100 %, ...)
    logistic = evhub.resolve("baseline", dataset, {"car.market.share_model": "logistic"})
    specs = logic.slider_specs(logistic, dataset, shipped_resolved)
    car = [(s.key, s.low, s.high, s.value) for s in specs if s.path.startswith("car.market.")]
    assert car == [
        ("bev_ceiling_car", 30, 100, 70),
        ("bev_midpoint_car", 2028, 2040, 2033),
        ("bev_steepness_car", 0.1, 0.6, 0.25),
    ]
    # and the other sliders are those of the choosing scenario
    chosen = {s.key for s in logic.slider_specs(shipped_resolved[0], dataset, shipped_resolved)}
    assert {s.key for s in specs} - chosen == {k for k, *_ in car}


def test_slider_ranges_hold_every_shipped_scenario(sliders, shipped_resolved):
    for scen in shipped_resolved:
        for spec in sliders:
            assert spec.low <= scen.values[spec.path] <= spec.high, (scen.name, spec.path)


def test_project_frame(projects):
    assert list(projects.columns) == [*logic.PROJECT_COLUMNS, "dropped"]
    rows = projects.set_index("project id")
    # projects without a capacity (an R&D centre, a cell maker with none published) are left out
    assert "huawei-istanbul-rnd" not in rows.index
    assert "aspilsan-kayseri" not in rows.index
    # stage_probabilities.csv: announced 0.7, talks 0.2, cancelled 0;
    # assumptions.csv: announced plants slip 1 year, talks 2, construction 0.5
    assert rows.loc["byd-manisa", ["stage", "probability", "realised", "delay [yr]"]].tolist() == [
        "announced",
        0.7,
        "scenario",
        1.0,
    ]
    assert rows.loc["chery-turkiye", ["probability", "delay [yr]"]].tolist() == [0.2, 2.0]
    assert rows.loc["siro-gemlik-cells", "delay [yr]"] == 0.5
    assert rows.loc["ford-koc-skon-cells", "probability"] == 0.0
    # every row starts at the scenario's probability, whatever it is
    assert set(rows["realised"]) == {"scenario"}
    # plants already producing (operating, ramping) list no delay: their start does not slip
    producing = rows["stage"].isin(["operating", "ramping"])
    assert rows.loc[producing, "delay [yr]"].isna().all()
    assert rows.loc[~producing, "delay [yr]"].notna().all()
    assert {"togg-gemlik", "ford-otosan-kocaeli"} <= set(rows.index[producing])
    assert not rows["dropped"].any()
    # the editable columns come first, after the pinned id, to be seen in the sidebar
    assert list(projects.columns[:3]) == ["project id", "realised", "delay [yr]"]


# --------------------------------------------------------------------------
# Form -> overrides
# --------------------------------------------------------------------------


def _values(sliders, **changes):
    values = {s.key: s.cast(s.value) for s in sliders}
    values.update(changes)
    return values


def test_unchanged_form_gives_no_overrides(sliders, projects):
    assert logic.form_overrides(sliders, _values(sliders), projects, projects.copy(), "") == {}
    assert logic.form_overrides(sliders, {}, projects, projects.copy(), "\n# nothing\n") == {}


def test_form_overrides_exactly(sliders, projects):
    edited = projects.copy()
    rows = {pid: i for i, pid in enumerate(edited["project id"])}
    edited.loc[rows["byd-manisa"], "realised"] = "no"
    edited.loc[rows["chery-turkiye"], "realised"] = "yes"
    edited.loc[rows["siro-gemlik-cells"], "delay [yr]"] = 2.0
    extra = (
        "car.market.ice_ban_year = 2035\n\n# comment\ncar.trade.utilisation = {dist: triangular}"
    )
    values = _values(
        sliders, bev_ceiling_lcv=85, bev_steepness_lcv=0.3, grid_2053=80, pack_price_decline=8
    )
    result = logic.form_overrides(sliders, values, projects, edited, extra)
    expected = {
        "lcv.market.bev_share.ceiling": 85.0,
        "lcv.market.bev_share.steepness": 0.3,
        "grid.renewable_share.2053": 80.0,
        "battery.pack_price_decline": 8.0,
        "pipeline.overrides.byd-manisa.probability": 0.0,
        "pipeline.overrides.chery-turkiye.probability": 1.0,
        "pipeline.overrides.siro-gemlik-cells.delay": 2.0,
        "car.market.ice_ban_year": 2035,
        "car.trade.utilisation": {"dist": "triangular"},
    }
    assert result == expected
    assert list(result) == list(expected)  # sliders, then projects, then the text box


def test_ticking_a_dropped_project_undrops_it(dataset):
    resolved = evhub.resolve(
        "baseline", dataset, overrides={"pipeline.overrides.chery-turkiye.drop": True}
    )
    frame = logic.project_frame(resolved, dataset)
    row = frame.index[frame["project id"] == "chery-turkiye"][0]
    assert frame.loc[row, ["probability", "realised", "dropped"]].tolist() == [
        0.0,
        "scenario",
        True,
    ]
    edited = frame.copy()
    edited.loc[row, "realised"] = "yes"
    expected = {
        "pipeline.overrides.chery-turkiye.probability": 1.0,
        "pipeline.overrides.chery-turkiye.drop": False,
    }
    assert logic.project_overrides(frame, edited) == expected


def test_yes_forces_a_likely_project_on(projects, dataset):
    """BYD (p = 0.7) set to "yes" counts its full capacity; "no" none; "scenario" 0.7."""
    row = projects.index[projects["project id"] == "byd-manisa"][0]
    expected = {"yes": 1.0, "no": 0.0}
    for choice, probability in expected.items():
        edited = projects.copy()
        edited.loc[row, "realised"] = choice
        overrides = logic.project_overrides(projects, edited)
        assert overrides == {"pipeline.overrides.byd-manisa.probability": probability}
        resolved = evhub.resolve("baseline", dataset, overrides)
        table = project_table(resolved, dataset, 2030)
        byd = table.set_index("id").loc["byd-manisa"]
        assert byd["probability"] == probability
        assert byd["expected_capacity"] == probability * byd["capacity"]
    edited = projects.copy()
    edited.loc[row, "realised"] = None  # a cleared cell keeps the scenario's probability
    assert logic.project_overrides(projects, edited) == {}


def test_realised_not_a_choice(projects):
    edited = projects.copy()
    row = projects.index[projects["project id"] == "byd-manisa"][0]
    edited.loc[row, "realised"] = "maybe"
    with pytest.raises(InputError) as info:
        logic.project_overrides(projects, edited)
    assert str(info.value) == (
        "Pipeline projects, byd-manisa realised = 'maybe': expected one of scenario, yes, no"
    )


def test_delay_of_a_producing_plant(projects):
    edited = projects.copy()
    row = projects.index[projects["project id"] == "togg-gemlik"][0]
    edited.loc[row, "delay [yr]"] = 2.0
    with pytest.raises(InputError) as info:
        logic.project_overrides(projects, edited)
    assert str(info.value) == (
        "Pipeline projects, togg-gemlik delay [yr] = 2.0: the plant is already producing "
        "(stage ramping), so its start does not slip; leave the cell empty"
    )


def test_text_box_wins_over_sliders(sliders):
    values = _values(sliders, pack_price_decline=8)
    result = logic.form_overrides(sliders, values, extra="battery.pack_price_decline = 2")
    assert result == {"battery.pack_price_decline": 2}


def test_describe_overrides():
    assert logic.describe_overrides({}) == "none"
    result = logic.describe_overrides(
        {"car.market.bev_share.ceiling": 85.0, "pipeline.overrides.x.drop": False}
    )
    assert result == "car.market.bev_share.ceiling = 85; pipeline.overrides.x.drop = False"


# --------------------------------------------------------------------------
# Bad values: one test per kind, each on its exact message
# --------------------------------------------------------------------------


def test_empty_delay(projects):
    edited = projects.copy()
    row = projects.index[projects["project id"] == "byd-manisa"][0]
    edited.loc[row, "delay [yr]"] = np.nan
    with pytest.raises(InputError) as info:
        logic.project_overrides(projects, edited)
    assert str(info.value) == (
        "Pipeline projects, byd-manisa delay [yr] is empty; give a number of years"
    )


def test_rows_that_do_not_match(projects):
    with pytest.raises(InputError) as info:
        logic.project_overrides(projects, projects.iloc[1:])
    assert str(info.value) == (
        "Pipeline projects: the table's rows do not match the scenario's projects"
    )


def test_slider_value_not_a_number(sliders):
    with pytest.raises(InputError) as info:
        logic.form_overrides(sliders, _values(sliders, pack_price_decline=None))
    assert str(info.value) == (
        "Yearly fall of battery pack prices [%/yr] (battery.pack_price_decline) = None "
        "is not a number"
    )


def test_text_line_without_equals():
    with pytest.raises(InputError) as info:
        logic.parse_extra("car.market.ice_ban_year = 2035\ncar.market.ice_ban_year 2040")
    assert str(info.value) == (
        "Other parameters, line 2: 'car.market.ice_ban_year 2040': expected PATH = VALUE, "
        "e.g. grid.renewable_share.2035 = 60"
    )


def test_text_value_not_yaml():
    with pytest.raises(InputError) as info:
        logic.parse_extra("car.trade.utilisation = {dist: ")
    assert str(info.value) == (
        "Other parameters, line 1: car.trade.utilisation: malformed YAML (line 1, column 7): "
        "expected the node content, but found '<stream end>'"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"car.market.bev_share.midpoint_year": 2150.0},
            "overrides: car.market.bev_share.midpoint_year = 2150.0: "
            "Input should be less than or equal to 2100 yr "
            "(between the first modern electric cars and the end of any projection)",
        ),
        (
            {"car.market.bev_share.ceiling": 120.0},
            "overrides: car.market.bev_share.ceiling = 120.0: "
            "Input should be less than or equal to 100 % (a share)",
        ),
        (
            {"pipeline.overrides.byd-manisa.delay": 50.0},
            "overrides: pipeline.overrides.byd-manisa.delay = 50.0: "
            "Input should be less than or equal to 30 yr "
            "(a plant cannot open a decade early or a generation late and still be the same plan)",
        ),
    ],
)
def test_out_of_range_values_get_the_scenario_message(dataset, overrides, message):
    # the dashboard validates exactly as a scenario file or --set is validated
    with pytest.raises(InputError) as info:
        logic.check("baseline", overrides, data=dataset)
    assert str(info.value) == message
    with pytest.raises(InputError) as direct:
        evhub.resolve("baseline", dataset, overrides)
    assert str(direct.value) == message
    with pytest.raises(InputError) as running:
        logic.run("baseline", overrides, data=dataset, label="baseline")
    assert str(running.value) == message


@pytest.mark.parametrize(
    ("overrides", "extra", "message"),
    [
        (
            {"lcv.market.bev_share.ceiling": 120.0},
            "",
            "BEV share ceiling (Light Commercial Vehicles) [%]: lcv.market.bev_share.ceiling = "
            "120.0: Input should be less than or equal to 100 % (a share)",
        ),
        (
            {"pipeline.overrides.byd-manisa.delay": -50.0},
            "",
            "Pipeline projects, byd-manisa delay [yr]: pipeline.overrides.byd-manisa.delay = "
            "-50.0: Input should be greater than or equal to -10 yr "
            "(a plant cannot open a decade early or a generation late and still be the same plan)",
        ),
        (
            {"car.market.bev_share.midpoint_year": 2150},
            "# a comment\ncar.market.bev_share.midpoint_year = 2150",
            "Other parameters, line 2: car.market.bev_share.midpoint_year = 2150: "
            "Input should be less than or equal to 2100 yr "
            "(between the first modern electric cars and the end of any projection)",
        ),
        (
            {"car.market.bev_share": {"ceiling": 120}},
            "car.market.bev_share = {ceiling: 120}",
            "Other parameters, line 1: car.market.bev_share.ceiling = 120: "
            "Input should be less than or equal to 100 % (a share)",
        ),
        (
            {"market.no_such": 1},
            "market.no_such = 1",
            "Other parameters, line 1: unknown key 'market.no_such'",
        ),
    ],
)
def test_messages_name_the_form_field(dataset, sliders, projects, overrides, extra, message):
    # the scenario validation's text follows the field's name instead of "overrides"
    fields = logic.form_fields(sliders, projects, extra)
    with pytest.raises(InputError) as info:
        logic.check("baseline", overrides, data=dataset, fields=fields)
    assert str(info.value) == message
    with pytest.raises(InputError) as direct:
        evhub.resolve("baseline", dataset, overrides)
    assert str(direct.value).startswith("overrides: ")
    assert message.endswith(": " + str(direct.value).removeprefix("overrides: "))
    with pytest.raises(InputError) as running:
        logic.run("baseline", overrides, data=dataset, label="x", fields=fields)
    assert str(running.value) == str(info.value)


@pytest.mark.parametrize(
    ("samples", "seed", "message"),
    [
        (-1, 0, "Ensemble members = -1: expected a whole number from 0 to 2000"),
        (2001, 0, "Ensemble members = 2001: expected a whole number from 0 to 2000"),
        (2.5, 0, "Ensemble members = 2.5: expected a whole number from 0 to 2000"),
        (0, -3, "Seed = -3: expected a whole number from 0 to 4294967295"),
        (0, None, "Seed = None: expected a whole number from 0 to 4294967295"),
    ],
)
def test_samples_and_seed_out_of_range(dataset, samples, seed, message):
    with pytest.raises(InputError) as info:
        logic.check("baseline", {}, data=dataset, samples=samples, seed=seed)
    assert str(info.value) == message


# --------------------------------------------------------------------------
# Runs and tables
# --------------------------------------------------------------------------


def test_run_keeps_what_the_page_shows(baseline_run, dataset):
    res = evhub.run("baseline", dataset=dataset)
    assert baseline_run.iamc_csv == res.to_iamc().to_csv(index=False)
    assert baseline_run.quantiles_csv is None
    card = res.scorecard().set_index(["indicator", "year"])["value"]
    result = {(h.indicator, h.year): h.value for h in baseline_run.headlines}
    expected = {
        ("EV share of sales (Passenger Cars)", 2030): float(
            card[("EV share of sales (Passenger Cars)", 2030)]
        ),
        ("Vehicles built (Passenger Cars)", 2030): float(
            card[("Vehicles built (Passenger Cars)", 2030)]
        ),
        ("Road CO2 (Passenger Cars)", 2035): float(card[("Road CO2 (Passenger Cars)", 2035)]),
        ("Cell capacity", 2031): float(card[("Cell capacity", 2031)]),
    }
    assert result == expected
    assert [h.label for h in baseline_run.headlines] == [
        "EV share of sales (Passenger Cars) 2030",
        "Vehicles built (Passenger Cars) 2030",
        "Road CO2 (Passenger Cars) 2035",
        "Cell capacity 2031",
    ]
    assert set(baseline_run.bands["scenario"]) == {"baseline"}
    assert list(baseline_run.scorecard.columns[:2]) == ["run", "indicator"]


def test_target_year_beyond_the_model_years(dataset, sliders, projects):
    """targets.cell_capacity.year = 2070 is past 2060: a message naming the box's line.

    The scenario loader rejects a target year outside the model years (the scorecard
    could never show it), so no headline has to fall back to another year.
    """
    extra = "targets.cell_capacity.year = 2070"
    fields = logic.form_fields(sliders, projects, extra)
    with pytest.raises(InputError) as info:
        logic.run("baseline", logic.parse_extra(extra), data=dataset, label="x", fields=fields)
    assert str(info.value) == (
        "Other parameters, line 1: targets.cell_capacity.year = 2070 is outside [2000, 2060] yr "
        "(the scorecard shows only the model years)"
    )


def test_edited_run_is_labelled_everywhere(dataset):
    label = logic.run_label("hub", 2, edited=True)
    assert label == "hub #2 (edited)"
    new = logic.run(
        "hub", {"car.trade.eu_export_share": 75.0}, data=dataset, label=label, samples=8, seed=1
    )
    assert set(new.bands["scenario"]) == {label}
    assert set(new.scorecard["run"]) == {label}
    iamc = pd.read_csv(pd.io.common.StringIO(new.iamc_csv))
    assert set(iamc["Scenario"]) == {label}
    quantiles = pd.read_csv(pd.io.common.StringIO(new.quantiles_csv))
    assert set(quantiles["Scenario"]) == {label}
    assert sorted(quantiles["Quantile"].unique()) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert {"probability", "p05", "p95"} <= set(new.scorecard.columns)


def test_compare_after_run():
    assert logic.compare_after_run([], "baseline") == ["baseline"]
    assert logic.compare_after_run(["baseline"], "hub") == ["baseline", "hub"]
    # at most MAX_COMPARE: the first selected goes
    assert logic.compare_after_run(["a", "b", "c", "d"], "e") == ["b", "c", "d", "e"]
    assert logic.compare_after_run(["b", "a"], "b") == ["a", "b"]


def test_run_style_is_the_scenarios_colour_and_a_dash_per_run():
    palette, dashes = evhub.figures.PALETTE, evhub.figures.DASHES
    shipped = ["baseline", "announced", "hub", "net-zero"]
    result = [logic.run_style("hub", n, shipped) for n in range(1, len(dashes) + 2)]
    assert result == [(palette[2], d) for d in (*dashes, dashes[0])]
    assert logic.run_style("baseline", 1, shipped) == (palette[0], "solid")


def test_keep_runs_drops_the_oldest(baseline_run):
    runs: list = []
    for i in range(logic.MAX_RUNS + 2):
        runs = logic.keep_runs(runs, _relabel(baseline_run, f"r{i}"))
    assert [r.label for r in runs] == [f"r{i}" for i in range(2, logic.MAX_RUNS + 2)]


def _relabel(run, label):
    from dataclasses import replace

    return replace(
        run,
        label=label,
        bands=run.bands.assign(scenario=label),
        scorecard=run.scorecard.assign(run=label),
    )


def test_compare_scorecard_groups_each_indicator(baseline_run):
    a, b = _relabel(baseline_run, "a"), _relabel(baseline_run, "b")
    card = logic.compare_scorecard([a, b])
    assert len(card) == 2 * len(baseline_run.scorecard)
    assert card["run"].tolist()[:4] == ["a", "b", "a", "b"]
    assert card[["indicator", "year"]].iloc[:2].drop_duplicates().shape[0] == 1
    bands = logic.compare_bands([a, b])
    assert list(dict.fromkeys(bands["scenario"])) == ["a", "b"]


def test_display_scorecard(baseline_run):
    shown = logic.display_scorecard(baseline_run.scorecard)
    row = shown[
        (shown["indicator"] == "Vehicles built (Passenger Cars)") & (shown["year"] == 2030)
    ].iloc[0]
    raw = baseline_run.scorecard.loc[row.name, "value"]
    assert row["value"] == round(raw)
    co2 = shown[(shown["indicator"] == "Road CO2 (Passenger Cars)") & (shown["year"] == 2030)].iloc[
        0
    ]
    assert co2["met"] == "yes"
    assert set(shown["met"]) <= {"yes", "no", ""}


def test_chart_years(baseline_run):
    # 15 years of history before the base year 2025, then to the last model year
    assert logic.chart_years(baseline_run) == (2010, 2060)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1_493_800.0, "veh", "1.49 M"),
        (99_999.0, "veh", "99,999"),
        (911_853.6, "veh/yr", "911,854"),
        (35.45, "%", "35.5"),
        (float("nan"), "%", "-"),
    ],
)
def test_format_value(value, unit, expected):
    assert logic.format_value(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        # the metric must fit a quarter of a 1400-px page: "1,440,137 veh/yr" did not
        (1_440_137.0, "veh/yr", "1.44 M veh/yr"),
        (999_999.0, "veh/yr", "999,999 veh/yr"),
        (911_853.6, "veh/yr", "911,854 veh/yr"),
        (1_493_800.0, "veh", "1.49 M veh"),
        (35.45, "%", "35.5 %"),
        (float("nan"), "%", "- %"),
    ],
)
def test_metric_text(value, unit, expected):
    head = logic.Headline("x 2030", "x", 2030, unit, value)
    assert logic.metric_text(head) == expected


def test_delta():
    old = logic.Headline(
        "Road CO2 (Passenger Cars) 2035",
        "Road CO2 (Passenger Cars)",
        2035,
        "Mt CO2/yr",
        43.3,
        lower_is_better=True,
    )
    new = logic.Headline(
        "Road CO2 (Passenger Cars) 2035",
        "Road CO2 (Passenger Cars)",
        2035,
        "Mt CO2/yr",
        42.9,
        lower_is_better=True,
    )
    assert logic.delta(new, old) == ("-0.4 Mt CO2/yr", "inverse")
    assert logic.delta(new, None) == (None, "off")
    assert logic.delta(new, new) == ("±0.0 Mt CO2/yr", "off")
    other_year = logic.Headline(
        "Road CO2 (Passenger Cars) 2030", "Road CO2 (Passenger Cars)", 2030, "Mt CO2/yr", 40.0
    )
    assert logic.delta(new, other_year) == (None, "off")


def test_sources_table(baseline_run, dataset):
    table = baseline_run.sources
    assert list(table.columns) == ["id", "publisher", "title", "date", "url", "used in"]
    assert table["id"].is_unique and table["id"].is_monotonic_increasing
    assert set(table["id"]) <= set(dataset.sources)
    rows = table.set_index("id")
    # cited by pipeline.csv (BYD's investment agreement) and by assumptions
    assert "pipeline.csv" in rows.loc["memo-byd-2024-07", "used in"]
    assert rows.loc["memo-byd-2024-07", "url"] == dataset.sources["memo-byd-2024-07"].url
    assert "evhub-assumption" in rows.index


# --------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------


def test_command_is_offline():
    cmd = command(8600)
    assert cmd[1:5] == ["-m", "streamlit", "run", str(APP)]
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert options == {
        "--server.port": "8600",
        "--server.address": "127.0.0.1",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--global.developmentMode": "false",
        "--server.fileWatcherType": "none",
        "--server.runOnSave": "false",
        "--client.toolbarMode": "minimal",
    }
    # a wildcard address would make Streamlit look up the external IP online
    assert command(8600, "0.0.0.0")[-2:] == ["--browser.serverAddress", "localhost"]
    assert APP.is_file()


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_serve_port_out_of_range(port):
    with pytest.raises(InputError) as info:
        serve(port)
    assert str(info.value) == f"--port {port}: expected a port number from 1 to 65535"


def test_serve_port_in_use():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError) as info:
            serve(port)
    assert str(info.value).startswith(f"--port {port}: cannot listen on 127.0.0.1:{port} (")
    assert str(info.value).endswith("is another server using it? Pick another port with --port")


_SERVE_SCRIPT = """
import sys
import evhub.dashboard as dashboard

pidfile = sys.argv[1]
child = f"import os, time; open({pidfile!r}, 'w').write(str(os.getpid())); time.sleep(120)"
dashboard._check = lambda port, address: None
dashboard.command = lambda port, address, dataset=None: [sys.executable, "-c", child]
dashboard.serve(8600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_stopping_serve_stops_the_server(tmp_path):
    """`kill <pid of evhub dashboard>` must not leave Streamlit running on the port."""
    pidfile = tmp_path / "server.pid"
    parent = subprocess.Popen([sys.executable, "-c", _SERVE_SCRIPT, str(pidfile)])
    try:
        deadline = time.monotonic() + 60  # a cold interpreter importing evhub on a busy machine
        while not (pidfile.is_file() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        server = int(pidfile.read_text())
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 128 + signal.SIGTERM
        with pytest.raises(ProcessLookupError):  # stopped and reaped by serve()
            os.kill(server, 0)
    finally:
        parent.kill()
        parent.wait()
        if pidfile.is_file() and pidfile.read_text():  # a regression must not leave it behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_serve_without_streamlit(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name)
    )
    with pytest.raises(InputError) as info:
        serve(8600)
    assert str(info.value) == "the dashboard needs streamlit: pip install 'evhub[dashboard]'"


# --------------------------------------------------------------------------
# The app (AppTest runs the script in-process)
# --------------------------------------------------------------------------


def _app():
    return AppTest.from_file(str(APP), default_timeout=60).run()


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _decoded(values):
    """A trace's x or y values as a list (plotly writes base64 typed arrays)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return values


def _chart(at, key):
    """The y values of every trace of a plotly chart, by trace name."""
    chart = next(c for c in at.get("plotly_chart") if c.key == key)
    spec = json.loads(chart.proto.spec)
    return {trace["name"]: _decoded(trace.get("y")) for trace in spec["data"]}


def _line(at, key, name):
    """The line of a run on a plotly chart: its y value by year."""
    chart = next(c for c in at.get("plotly_chart") if c.key == key)
    trace = next(
        t
        for t in json.loads(chart.proto.spec)["data"]
        if t["name"] == name and t["mode"] == "lines"
    )
    return dict(zip(_decoded(trace["x"]), _decoded(trace["y"]), strict=True))


@pytest.fixture(scope="module")
def ran(dataset):
    """The app after pressing Run on the default scenario."""
    at = _app()
    at.button(key="run").click().run()
    return at


def test_app_loads(dataset):
    at = _app()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "evhub dashboard"
    assert at.selectbox(key="scenario").value == evhub.list_scenarios(dataset)[0].name
    assert at.selectbox(key="scenario").options == SHIPPED
    pack = at.slider(key="pack_price_decline")
    assert pack.label == "Yearly fall of battery pack prices [%/yr]"
    assert (pack.value, pack.min, pack.max) == (5, 0, 10)
    assert at.slider(key="eu_export_share_car").value == pytest.approx(72.6, rel=1e-12)
    # every slider of slider_specs is drawn, under its heading; cars choose, so no car curve
    assert [s.key for s in at.slider] == [
        "bev_ceiling_lcv",
        "bev_midpoint_lcv",
        "bev_steepness_lcv",
        "pack_price_decline",
        "eu_export_share_car",
        "eu_export_share_lcv",
        "grid_2035",
        "grid_2053",
    ]
    assert [h.value for h in at.subheader][:4] == [
        "EV share curve",
        "Battery pack prices",
        "Exports",
        "Grid path",
    ]
    assert at.number_input(key="samples").label == "Ensemble members (0 = single run)"
    assert at.number_input(key="samples").value == 0
    assert at.number_input(key="seed").label == "Seed"
    assert at.button(key="run").label == "Run"
    assert at.data_editor(key="projects") is not None
    assert not at.metric  # nothing runs before Run is pressed


def test_run_shows_the_scorecard_numbers(ran, dataset):
    assert not ran.exception
    card = evhub.run("baseline", dataset=dataset).scorecard().set_index(["indicator", "year"])
    # formatted by hand from the scorecard
    ev, built, co2 = (
        f"{name} (Passenger Cars)" for name in ("EV share of sales", "Vehicles built", "Road CO2")
    )
    assert _metrics(ran) == {
        f"{ev} 2030": f"{card.at[(ev, 2030), 'value']:,.1f} %",
        f"{built} 2030": f"{card.at[(built, 2030), 'value']:,.0f} veh/yr",
        f"{co2} 2035": f"{card.at[(co2, 2035), 'value']:,.1f} Mt CO2/yr",
        "Cell capacity 2031": f"{card.at[('Cell capacity', 2031), 'value']:,.1f} GWh/yr",
    }
    assert ran.multiselect(key="compare").label == "Compare runs (up to 4)"
    assert ran.multiselect(key="compare").value == ["baseline"]
    assert [t.label for t in ran.tabs] == ["Charts", "Scorecard", "Pipeline", "Sources"]
    assert ran.download_button(key="download_iamc").label == "Download IAMC CSV"
    # the charts of the lead class and those of no class; a radio picks the class
    dims = dataset.dims
    assert ran.radio(key="chart_class").options == ["Passenger Cars", "Light Commercial Vehicles"]
    keys = {c.key for c in ran.get("plotly_chart")}
    assert keys == {
        f"chart-{c.key}" for c in evhub.figures.charts(dims) if c.vehicle_class in (None, "car")
    } | {f"stack-{s.key}" for s in evhub.figures.stacks(dims) if s.vehicle_class == "car"}
    assert {"chart-cells", "chart-ev-share-car", "stack-sales-by-powertrain-car"} <= keys
    ran.radio(key="chart_class").set_value("lcv").run()
    assert not ran.exception
    vans = {c.key for c in ran.get("plotly_chart")}
    assert {"chart-cells", "chart-ev-share-lcv", "stack-stock-by-powertrain-lcv"} <= vans
    assert not {k for k in vans if k.endswith("-car")}
    assert _chart(ran, "chart-built-lcv")["baseline"][-1] > 0


EV_CAR = "EV share of sales (Passenger Cars)"


def test_faster_pack_price_fall_raises_the_car_ev_share(dataset):
    # cars' buyers choose by cost: packs that get cheaper faster make BEVs cheaper
    at = _app()
    at.button(key="run").click().run()
    before = _metrics(at)[f"{EV_CAR} 2030"]
    at.slider(key="pack_price_decline").set_value(8).run()
    at.button(key="run").click().run()
    assert not at.exception
    after = _metrics(at)[f"{EV_CAR} 2030"]
    assert float(after.removesuffix(" %")) > float(before.removesuffix(" %"))
    # the numbers are the API's for the same overrides
    card = evhub.run("baseline", dataset=dataset).scorecard().set_index(["indicator", "year"])
    faster = (
        evhub.run("baseline", dataset=dataset, overrides={"battery.pack_price_decline": 8})
        .scorecard()
        .set_index(["indicator", "year"])
    )
    assert before == f"{logic.format_value(card.at[(EV_CAR, 2030), 'value'], '%')} %"
    assert after == f"{logic.format_value(faster.at[(EV_CAR, 2030), 'value'], '%')} %"
    ev = next(m for m in at.metric if m.label == f"{EV_CAR} 2030")
    assert ev.delta.startswith("+") and ev.delta.endswith(" pp")
    label = "baseline #2 (edited)"
    runs = next(d.value for d in at.dataframe if "changes" in d.value.columns)
    assert runs["changes"].tolist()[-1] == "battery.pack_price_decline = 8"
    # the new run joins the comparison: both on the charts and in the scorecard table
    assert at.multiselect(key="compare").value == ["baseline", label]
    chart_before = _line(at, "chart-ev-share-car", "baseline")
    chart_after = _line(at, "chart-ev-share-car", label)
    assert chart_after[2030] > chart_before[2030]
    assert chart_after[2030] == pytest.approx(faster.at[(EV_CAR, 2030), "value"], rel=1e-9)
    card = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert set(card["run"]) == {"baseline", label}
    assert "probability" not in card.columns


def test_higher_lcv_ceiling_raises_the_lcv_ev_share():
    # vans still follow a logistic curve: a higher ceiling lifts their EV share's line
    at = _app()
    at.button(key="run").click().run()
    cars = _metrics(at)[f"{EV_CAR} 2030"]
    at.slider(key="bev_ceiling_lcv").set_value(90).run()
    at.button(key="run").click().run()
    at.radio(key="chart_class").set_value("lcv").run()
    assert not at.exception
    before = _line(at, "chart-ev-share-lcv", "baseline")
    after = _line(at, "chart-ev-share-lcv", "baseline #2 (edited)")
    assert after[2030] > before[2030]
    assert after[max(after)] > before[max(before)]  # towards 90 % instead of 60 %
    # the cars' buyers do not look at the vans' curve
    assert _metrics(at)[f"{EV_CAR} 2030"] == cars


def _colours(at, key):
    """The line colour of each trace of a plotly chart, by trace name."""
    chart = next(c for c in at.get("plotly_chart") if c.key == key)
    spec = json.loads(chart.proto.spec)
    return {t["name"]: t["line"]["color"] for t in spec["data"] if t.get("line", {}).get("color")}


def test_runs_join_the_comparison_up_to_the_limit():
    at = _app()
    labels = []
    for i in range(logic.MAX_COMPARE + 1):
        at.slider(key="pack_price_decline").set_value(5 + i).run()
        at.button(key="run").click().run()
        labels = [r.label for r in at.session_state["runs"]]
    assert not at.exception
    assert len(labels) == logic.MAX_COMPARE + 1
    # the first run left the comparison, the others stay in the order they ran
    assert at.multiselect(key="compare").value == labels[1:]


def test_a_run_keeps_its_colour():
    at = _app()
    at.button(key="run").click().run()
    at.selectbox(key="scenario").set_value("hub").run()
    at.button(key="run").click().run()
    palette = evhub.figures.PALETTE
    # the scenario's colour, as in the report: the dataset's third scenario, the third colour
    assert _colours(at, "chart-ev-share-car") == {"baseline": palette[0], "hub": palette[2]}
    # without baseline, hub keeps its colour (by position it would take the first)
    at.multiselect(key="compare").unselect("baseline").run()
    assert not at.exception
    assert _colours(at, "chart-ev-share-car") == {"hub": palette[2]}


def test_two_runs_of_one_scenario_share_its_colour_and_differ_in_dash():
    at = _app()
    at.button(key="run").click().run()
    at.slider(key="pack_price_decline").set_value(8).run()
    at.button(key="run").click().run()
    assert not at.exception
    chart = next(c for c in at.get("plotly_chart") if c.key == "chart-ev-share-car")
    spec = json.loads(chart.proto.spec)
    lines = {t["name"]: t["line"] for t in spec["data"] if t.get("mode") == "lines"}
    colour = evhub.figures.PALETTE[0]
    assert lines["baseline"] == {**lines["baseline"], "color": colour, "dash": "solid"}
    edited = lines["baseline #2 (edited)"]
    assert (edited["color"], edited["dash"]) == (colour, "dash")


def test_changing_the_scenario_resets_the_inputs():
    at = _app()
    at.slider(key="pack_price_decline").set_value(2).run()
    at.slider(key="eu_export_share_car").set_value(65.0).run()
    at.slider(key="grid_2035").set_value(40).run()
    at.text_area(key="extra").input("car.market.ice_ban_year = 2035").run()
    at.selectbox(key="scenario").set_value("net-zero").run()
    assert not at.exception
    # net-zero.yaml: grid 75 % and 95 %; hub.yaml (which it extends): 80 % of the cars'
    # exports to the EU; the pack prices' fall and the vans' inputs as in baseline
    values = {s.key: s.value for s in at.slider}
    assert values == {
        "eu_export_share_car": pytest.approx(80.0, rel=1e-12),
        "grid_2035": 75,
        "grid_2053": 95,
        "pack_price_decline": 5,
        "bev_ceiling_lcv": 60,
        "bev_midpoint_lcv": 2036,
        "bev_steepness_lcv": pytest.approx(0.25, rel=1e-12),
        "eu_export_share_lcv": pytest.approx(71.2, rel=1e-12),
    }
    assert at.text_area(key="extra").value == ""


def test_changing_the_scenario_drops_the_editor_edits(projects):
    at = _app()
    edits = {"edited_rows": {0: {"realised": "no"}}, "added_rows": [], "deleted_rows": []}
    at.session_state["projects"] = edits
    at.run()
    assert at.session_state["projects"]["edited_rows"] == {0: {"realised": "no"}}
    at.selectbox(key="scenario").set_value("hub").run()
    at.button(key="run").click().run()
    assert not at.exception
    runs = next(d.value for d in at.dataframe if "changes" in d.value.columns)
    assert runs["changes"].tolist() == ["none"]
    assert runs["run"].tolist() == ["hub"]


def test_pipeline_editor_maps_to_overrides(projects):
    at = _app()
    # realise BYD Manisa for sure (p = 0.7 in the scenario), drop Chery and let Siro's
    # cells slip two years (the editor's rows by position)
    row = {pid: i for i, pid in enumerate(projects["project id"])}
    at.session_state["projects"] = {
        "edited_rows": {
            row["byd-manisa"]: {"realised": "yes"},
            row["chery-turkiye"]: {"realised": "no"},
            row["siro-gemlik-cells"]: {"delay [yr]": 2.0},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="run").click().run()
    assert not at.exception
    runs = next(d.value for d in at.dataframe if "changes" in d.value.columns)
    assert runs["run"].tolist() == ["baseline (edited)"]
    assert runs["changes"].tolist() == [
        "pipeline.overrides.byd-manisa.probability = 1; "
        "pipeline.overrides.chery-turkiye.probability = 0; "
        "pipeline.overrides.siro-gemlik-cells.delay = 2"
    ]
    pipeline = next(d.value for d in at.dataframe if "expected capacity" in d.value.columns)
    byd = pipeline.set_index("project id").loc["byd-manisa"]
    assert byd["probability"] == 1.0
    assert byd["expected capacity"] == byd["capacity"]


def test_bad_value_gives_a_message_and_keeps_the_results(dataset):
    at = _app()
    at.button(key="run").click().run()
    shown = _metrics(at)
    at.text_area(key="extra").input("car.market.bev_share.midpoint_year = 2150").run()
    at.button(key="run").click().run()
    assert not at.exception
    with pytest.raises(InputError) as expected:
        evhub.resolve("baseline", dataset, {"car.market.bev_share.midpoint_year": 2150})
    # the scenario validation's text, after the form field instead of "overrides"
    assert [e.value for e in at.error] == [
        str(expected.value).replace("overrides: ", "Other parameters, line 1: ", 1)
    ]
    assert [e.value for e in at.error] == [
        "Other parameters, line 1: car.market.bev_share.midpoint_year = 2150: "
        "Input should be less than or equal to 2100 yr (between the first modern electric cars "
        "and the end of any projection)"
    ]
    assert _metrics(at) == shown  # the previous run is still shown
    assert at.multiselect(key="compare").options == ["baseline"]


def test_bad_text_line_gives_a_message():
    at = _app()
    at.text_area(key="extra").input("car.market.bev_share.ceiling: 80").run()
    at.button(key="run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Other parameters, line 1: 'car.market.bev_share.ceiling: 80': expected PATH = VALUE, "
        "e.g. grid.renewable_share.2035 = 60"
    ]
    assert not at.metric


def test_ensemble_adds_probabilities_and_quantiles():
    at = _app()
    at.number_input(key="samples").set_value(20).run()
    at.button(key="run").click().run()
    assert not at.exception
    card = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert {"probability", "p05", "p95"} <= set(card.columns)
    # EVs built 2026 has a target (60,000, targets.csv); Car CO2 2030 is met in every member
    probability = card.set_index(["indicator", "year"])["probability"]
    assert 0 <= probability[("EVs built (Passenger Cars)", 2026)] <= 1
    assert probability[("Road CO2 (Passenger Cars)", 2030)] == 1
    assert math.isnan(probability[("EV share of sales (Passenger Cars)", 2030)])
    assert at.download_button(key="download_quantiles").label == "Download quantiles CSV"


def test_stale_inputs_after_a_scenario_change_are_set_again(projects):
    # A click on Run that reaches the server before the browser has drawn the new
    # scenario's inputs carries the previous scenario's values, which would win over
    # the reset and run a mix of two scenarios.
    at = _app()
    at.slider(key="pack_price_decline").set_value(8).run()  # a change the user made in baseline
    at.selectbox(key="scenario").set_value("hub").run()
    # hub.yaml: 80 % of the cars' exports to the EU (baseline 72.6 %); packs as in baseline
    assert at.slider(key="eu_export_share_car").value == pytest.approx(80.0, rel=1e-12)
    assert at.slider(key="pack_price_decline").value == 5
    # the browser had not drawn that yet: it sends back what it showed before
    at.session_state["eu_export_share_car"] = 72.6
    at.session_state["pack_price_decline"] = 8
    at.session_state["grid_2053"] = 80  # a change the user made to the new scenario's input
    at.button(key="run").click().run()
    assert not at.exception
    assert at.slider(key="eu_export_share_car").value == pytest.approx(80.0, rel=1e-12)
    assert at.slider(key="pack_price_decline").value == 5
    assert at.slider(key="grid_2053").value == 80
    runs = next(d.value for d in at.dataframe if "changes" in d.value.columns)
    assert runs["changes"].tolist() == ["grid.renewable_share.2053 = 80"]


def test_pending_and_stale_inputs():
    shown = {"eu_export_share_car": 72.6, "extra": "x = 1", "grid_2035": 55}
    values = {"eu_export_share_car": 80.0, "extra": "", "grid_2035": 55, "projects": None}
    pending = logic.pending_inputs(shown, values)
    assert pending == {"eu_export_share_car": (72.6, 80.0), "extra": ("x = 1", "")}
    received = {"eu_export_share_car": 72.6, "extra": "y = 2"}
    assert logic.stale_inputs(pending, received) == {"eu_export_share_car": 80.0}
    assert logic.stale_inputs(pending, {"eu_export_share_car": 80.0, "extra": ""}) == {}


def test_background_server_that_cannot_start_says_why(tmp_path):
    # a port already taken: Streamlit exits, and the message carries its log
    import socket

    from evhub.dashboard import background

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = tmp_path / "server.log"
        with (
            pytest.raises(RuntimeError, match=rf"127\.0\.0\.1:{port} did not start: it exited"),
            background(port=port, log=log, timeout=60),
        ):
            pass
    assert str(port) in log.read_text()


def test_controls_follow_the_dimensions(dataset, tmp_path) -> None:
    """The sliders come from the controls table over the dataset's members, not literal ids."""
    shipped = logic.controls(dataset, [2030, 2053])
    car = [(c.key, c.label, c.path) for c in shipped if not c.key.endswith("_lcv")]
    assert [c.key for c in shipped if c.key.endswith("_lcv")] == [
        "bev_ceiling_lcv",
        "bev_midpoint_lcv",
        "bev_steepness_lcv",
        "eu_export_share_lcv",
    ]
    assert car == [
        (
            "bev_ceiling_car",
            "BEV share ceiling (Passenger Cars) [%]",
            "car.market.bev_share.ceiling",
        ),
        (
            "bev_midpoint_car",
            "BEV share midpoint year (Passenger Cars)",
            "car.market.bev_share.midpoint_year",
        ),
        (
            "bev_steepness_car",
            "BEV share steepness (Passenger Cars) [1/yr]",
            "car.market.bev_share.steepness",
        ),
        (
            "eu_export_share_car",
            "EU export share (Passenger Cars) [%]",
            "car.trade.eu_export_share",
        ),
        ("grid_2030", "Renewable share of electricity 2030 [%]", "grid.renewable_share.2030"),
        ("grid_2053", "Renewable share of electricity 2053 [%]", "grid.renewable_share.2053"),
        (
            "pack_price_decline",
            "Yearly fall of battery pack prices [%/yr]",
            "battery.pack_price_decline",
        ),
    ]
    # a dataset whose battery-electric powertrain has another id and label
    raw = yaml.safe_load((dataset.path / DIMENSIONS_FILE).read_text(encoding="utf-8"))
    raw["powertrains"] = {
        ("ev" if k == "bev" else k): ({**v, "label": "Electric"} if k == "bev" else v)
        for k, v in raw["powertrains"].items()
    }
    path = tmp_path / DIMENSIONS_FILE
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    other = SimpleNamespace(dims=load_dims(path))
    assert [(c.key, c.label) for c in logic.controls(other)[:6:2]] == [
        ("ev_ceiling_car", "Electric share ceiling (Passenger Cars) [%]"),
        ("ev_midpoint_car", "Electric share midpoint year (Passenger Cars)"),
        ("ev_steepness_car", "Electric share steepness (Passenger Cars) [1/yr]"),
    ]


SYNTHETIC = Path(__file__).parent / "data" / "synthetic"


def test_the_app_runs_the_dataset_it_is_given(monkeypatch) -> None:
    """``evhub dashboard --dataset DIR``: the script reads DIR after Streamlit's ``--``."""
    monkeypatch.setattr(sys, "argv", ["app.py", "--dataset", str(SYNTHETIC)])
    at = _app()
    assert not at.exception
    names = [s.name for s in evhub.list_scenarios(evhub.load_dataset(SYNTHETIC))]
    assert at.selectbox(key="scenario").options == names
    keys = [s.key for s in at.slider]
    assert "electric_ceiling_pc" in keys and "bev_ceiling_car" not in keys
    assert {"electric_ceiling_van", "electric_ceiling_mbus"} <= set(keys)  # every class's
    # and the shipped dataset again in the same process (the caches are keyed by the folder)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    assert (
        at.__class__.from_file(str(APP), default_timeout=60).run().selectbox(key="scenario").options
        == SHIPPED
    )


def test_the_command_passes_the_dataset_to_the_script(tmp_path) -> None:
    line = command(8502, dataset=tmp_path)
    assert line[-3:] == ["--", "--dataset", str(tmp_path)]
    assert "--" not in command(8502)


def test_a_bad_dataset_stops_the_dashboard_before_it_starts(tmp_path) -> None:
    (tmp_path / "dataset.yaml").write_text("name: x\n", encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["dashboard", "--dataset", str(tmp_path)])
    assert result.exit_code == 2
    assert str(tmp_path / "dataset.yaml") in result.output
    assert "http://" not in result.output  # nothing announced, nothing started
