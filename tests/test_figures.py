"""The shared Plotly figures: bands frames, fans, panels, units and colours."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

import evhub
from evhub import figures
from evhub.dims import DIMENSIONS_FILE
from evhub.report import render_report
from evhub.report.read import read_results

YEARS = ["2024", "2025", "2026"]


def _wide(rows: list[tuple[str, str, str, list[float]]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Scenario": s, "Variable": v, "Unit": u, **dict(zip(YEARS, x, strict=True))}
            for s, v, u, x in rows
        ]
    )


@pytest.fixture
def bands() -> pd.DataFrame:
    central = _wide(
        [
            ("a", "Stock|X", "veh", [1e6, 2e6, 3e6]),
            ("b", "Stock|X", "veh", [1e6, 2.5e6, 4e6]),
            ("a", "Supply", "GWh/yr", [1.0, 2.0, 3.0]),
            ("a", "Demand", "GWh/yr", [2.0, 3.0, 4.0]),
            ("b", "Supply", "GWh/yr", [1.0, 1.0, 1.0]),
            ("b", "Demand", "GWh/yr", [5.0, 6.0, 7.0]),
        ]
    )
    rows = []
    for level, shift in zip(figures.QUANTILE_STATS, (-2, -1, 0, 1, 2), strict=True):
        q = central.copy()
        q[YEARS] = q[YEARS] * (1 + 0.1 * shift)
        q.insert(3, "Quantile", level)
        rows.append(q)
    return figures.bands_from_tables(central, pd.concat(rows, ignore_index=True))


def test_bands_frame_has_every_stat(bands):
    assert list(bands.columns) == figures.COLUMNS
    stats = bands.groupby(["scenario", "variable"])["stat"].nunique()
    assert (stats == 6).all()  # central + 5 quantiles
    q95 = bands.query("scenario == 'b' and variable == 'Demand' and stat == 'q95' and year == 2026")
    assert q95["value"].item() == pytest.approx(7.0 * 1.2)


def test_unknown_quantile_level_is_refused():
    central = _wide([("a", "X", "%", [1.0, 2.0, 3.0])])
    q = central.assign(Quantile=0.1)
    with pytest.raises(ValueError, match=r"quantile levels \[0.1\] are not among"):
        figures.bands_from_tables(central, q)


def test_fan_shows_millions_of_vehicles_with_the_unit(bands):
    fig = figures.fan_chart(bands, "Stock|X", title="t")
    assert fig.layout.yaxis.title.text == "million veh"
    central = [t for t in fig.data if t.name == "b"]
    assert len(central) == 1
    np.testing.assert_allclose(central[0].y, [1.0, 2.5, 4.0], rtol=1e-12)
    bands_b = [t for t in fig.data if t.name.startswith("b ") and t.fill == "toself"]
    assert len(bands_b) == 2  # 5-95 % and 25-75 %
    # the 5-95 % polygon runs along the 95th percentile and back along the 5th
    np.testing.assert_allclose(bands_b[0].y, np.array([1.2, 3.0, 4.8, 3.2, 2.0, 0.8]), rtol=1e-12)


def test_scenario_colours_can_be_fixed(bands):
    fig = figures.fan_chart(bands, "Stock|X", title="t", colours={"a": "#123456"})
    line = next(t for t in fig.data if t.name == "a")
    assert line.line.color == "#123456"
    other = next(t for t in fig.data if t.name == "b")
    assert other.line.color == figures.PALETTE[1]  # by its place among the scenarios drawn


def test_a_scenario_has_one_colour_wherever_it_is_drawn():
    shipped = ["baseline", "announced", "hub", "net-zero"]
    # the dataset's order picks the colour, not the order of the runs drawn
    assert figures.scenario_colours(["hub", "baseline"], shipped) == {
        "hub": figures.PALETTE[2],
        "baseline": figures.PALETTE[0],
    }
    # another scenario takes a colour no dataset scenario has, the same every time
    mine = figures.scenario_colour("my-case", shipped)
    assert mine in figures.PALETTE[4:]
    assert figures.scenario_colour("my-case", shipped) == mine
    assert figures.scenario_colours(["x", "y"]) == {
        "x": figures.PALETTE[0],
        "y": figures.PALETTE[1],
    }


def _lines(fig, names):
    return {t.name: t for t in fig.data if t.name in names and t.mode == "lines"}


def test_coinciding_lines_stay_visible():
    """Two scenarios with the same numbers: the later one is dashed, and a note says so."""
    wide = _wide(
        [
            ("a", "X", "veh/yr", [1.0, 2.0, 3.0]),
            ("b", "X", "veh/yr", [1.0, 2.0, 3.0 * (1 + 1e-12)]),  # equal to the last bits
            ("c", "X", "veh/yr", [1.0, 2.0, 4.0]),
            ("d", "X", "veh/yr", [1.0, 2.0, 3.0]),
        ]
    )
    fig = figures.fan_chart(figures.bands_from_tables(wide), "X", title="t")
    lines = _lines(fig, "abcd")
    assert {k: t.line.dash for k, t in lines.items()} == {
        "a": "solid",
        "b": "dash",
        "c": "solid",
        "d": "dot",  # a third line on the same pixels takes the next dash
    }
    notes = [a.text for a in fig.layout.annotations if "equals" in a.text]
    assert notes == ["b (dashed) equals a; d (dotted) equals a"]
    # different lines: no dash, no note
    alone = figures.fan_chart(figures.bands_from_tables(wide), "X", title="t", scenarios=["a", "c"])
    assert {t.line.dash for t in _lines(alone, "ac").values()} == {"solid"}
    assert not [a for a in alone.layout.annotations if "equals" in a.text]


def test_given_dashes_tell_runs_of_one_scenario_apart():
    wide = _wide([("a", "X", "%", [1.0, 2.0, 3.0]), ("a #2", "X", "%", [1.0, 2.0, 5.0])])
    colour = figures.PALETTE[3]
    fig = figures.fan_chart(
        figures.bands_from_tables(wide),
        "X",
        title="t",
        colours={"a": colour, "a #2": colour},
        dashes={"a #2": "dash"},
    )
    lines = _lines(fig, ["a", "a #2"])
    assert [(t.line.color, t.line.dash) for t in lines.values()] == [
        (colour, "solid"),
        (colour, "dash"),
    ]


def test_several_variables_get_one_panel_per_scenario(bands):
    fig = figures.fan_chart(bands, ["Supply", "Demand"], title="cells", labels=["supply", "demand"])
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:2] == ["a", "b"]
    central = [t for t in fig.data if t.name in ("supply", "demand")]
    assert [(t.name, t.xaxis, t.showlegend) for t in central] == [
        ("supply", "x", True),
        ("demand", "x", True),
        ("supply", "x2", False),
        ("demand", "x2", False),
    ]
    assert central[1].line.dash == "dash"
    np.testing.assert_allclose(central[3].y, [5.0, 6.0, 7.0])
    assert fig.layout.yaxis.title.text == "GWh/yr"


def test_missing_variable_is_named(bands):
    with pytest.raises(ValueError, match=r"variables \['Nope'\] are not in the results"):
        figures.fan_chart(bands, "Nope", title="t")


def test_every_chart_and_stack_draws_from_a_real_run():
    res = evhub.run(["baseline", "hub"])
    b = figures.bands_from_results(res)
    for spec in figures.charts(res.dataset.dims):
        fig = figures.chart(b, spec, base_year=res.dataset.base_year)
        assert fig.layout.yaxis.title.text, spec.key
        assert sum(len(t.y) for t in fig.data) > 0
    for stack in figures.stacks(res.dataset.dims):
        fig = figures.stacked_area(b, stack)
        assert len(fig.data) == 2 * len(stack.parts)
        # the stacked parts add up to the total in every year (a complete split)
        total = b.query(f"scenario == 'hub' and variable == '{stack.parent}' and stat == 'central'")
        parts = sum(np.asarray(t.y) for t in fig.data if t.xaxis == "x2")
        factor = figures._display(str(total["unit"].iloc[0]))[0]
        np.testing.assert_allclose(parts, total["value"].to_numpy() * factor, rtol=1e-9)


def _relabel(raw) -> None:
    raw["classes"]["car"]["label"] = "Autos"
    raw["powertrains"]["bev"]["label"] = "Battery Electric"
    raw["powertrains"]["petrol"]["label"] = "Gasoline"


def test_figures_follow_the_labels_of_the_run_folders_dimensions(dataset, tmp_path):
    """Relabel a class and powertrains in a copy of the dataset: no chart looks up a literal."""
    data = tmp_path / "dataset"
    shutil.copytree(dataset.path, data)
    raw = yaml.safe_load((data / DIMENSIONS_FILE).read_text(encoding="utf-8"))
    _relabel(raw)
    (data / DIMENSIONS_FILE).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    out = evhub.run("baseline", dataset=data).write(tmp_path / "results")

    folder = read_results(out)  # the report has only the folder
    assert folder.dims.powertrains.labels()["bev"] == "Battery Electric"
    specs = figures.charts(folder.dims)
    shipped = figures.charts(dataset.dims)
    assert [s.key for s in specs] == [s.key for s in shipped]
    rename = {"Passenger Cars": "Autos", "|BEV": "|Battery Electric"}
    for new, old in zip(specs, shipped, strict=True):
        wanted = list(old.variables)
        for a, b in rename.items():
            wanted = [v.replace(a, b) for v in wanted]
        assert list(new.variables) == wanted
    by_key = {s.key: s for s in specs}
    assert by_key["bev-stock-car"].variables == ("Stock|Autos|Battery Electric",)
    assert by_key["bev-stock-car"].title == "Battery Electric on the road (Autos)"
    assert by_key["co2-car"].target == "Target|Emissions|CO2|Autos"
    sales, _, stock, _ = figures.stacks(folder.dims)
    assert (sales.parent, stock.parent) == ("Sales|Autos", "Stock|Autos")
    assert sales.names == ("Gasoline", "Diesel", "LPG", "HEV", "PHEV", "Battery Electric")
    assert sales.parts[0] == "Sales|Autos|Gasoline"
    # the colours stay with the powertrains (by id), whatever their labels
    assert sales.colours == figures.stacks(dataset.dims)[0].colours
    html = render_report(out)
    assert '"name":"Battery Electric"' in html
    assert '"name":"Gasoline"' in html
    assert '"name":"BEV"' not in html


def test_every_powertrain_gets_a_colour(dataset):
    """A dataset with more powertrains than the palette has colours: the palette goes round."""
    extra = [
        replace(m, id=f"{m.id}_2", label=f"{m.label} 2") for m in dataset.dims.powertrains.members
    ]
    powertrains = replace(
        dataset.dims.powertrains, members=(*dataset.dims.powertrains.members, *extra)
    )
    colours = figures.powertrain_colours(replace(dataset.dims, powertrains=powertrains))
    assert list(colours) == list(powertrains.ids)
    assert set(colours.values()) == set(figures.POWERTRAIN_PALETTE)
    assert colours["bev"] == colours["bev_2"]
