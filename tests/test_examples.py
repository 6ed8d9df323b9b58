"""The notebooks of ``examples/`` run from top to bottom, and compute what they say.

Each notebook runs in a fresh kernel of the interpreter that runs the tests
(a kernel spec made in a temporary folder: no installed kernel, no network),
importing the same evhub; it writes its results into a temporary folder
(``EVHUB_EXAMPLES_OUT``). A cell the test appends prints some of the
notebook's variables as JSON, and the test checks them against a run of its
own.
"""

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import evhub

EXAMPLES = Path(__file__).parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
KERNEL = "evhub-examples"
PLOTLY = "application/vnd.plotly.v1+json"
EV_SHARE = "Share|Sales|Passenger Cars|EV"
CO2 = "Emissions|CO2|Passenger Cars"
TARGET = "Target|Emissions|CO2|Passenger Cars"
BAN = "hub, no new ICE cars from 2030"


def _kernel_spec(folder: Path) -> dict[str, str]:
    """A kernel spec for this interpreter under ``folder``; the environment it needs."""
    spec = folder / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    scratch = folder / "tmp"
    scratch.mkdir()
    source = str(Path(evhub.__file__).parents[1])  # the kernel imports this very evhub
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"evhub examples ({sys.executable})",
        "language": "python",
        "env": {
            "PYTHONPATH": path,
            "EVHUB_EXAMPLES_OUT": str(folder / "out"),
            "IPYTHONDIR": str(folder / "ipython"),
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(folder / "matplotlib"),
            "TMPDIR": str(scratch),  # the ensembles' scratch folders
        },
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return {
        "JUPYTER_PATH": str(folder / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_DATA_DIR": str(folder / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }


@pytest.fixture
def execute(tmp_path, monkeypatch):
    """``execute(name, values)``: run a notebook; return it and the JSON of ``values``.

    ``values`` is a Python expression evaluated in the notebook's namespace
    after its last cell. A cell that raises fails the test with its traceback.
    """

    def run(name: str, values: str) -> tuple[Any, Any]:
        for key, value in _kernel_spec(tmp_path).items():
            monkeypatch.setenv(key, value)
        nb = nbformat.read(EXAMPLES / name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(f"import json\nprint(json.dumps({values}))"))
        client = NotebookClient(
            nb,
            kernel_name=KERNEL,
            timeout=600,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()
        (last,) = (o for o in nb.cells[-1].outputs if o.get("name") == "stdout")
        return nb, json.loads(last["text"])

    return run


def _stderr(nb: Any) -> str:
    return "".join(
        o["text"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("name") == "stderr"
    )


def _figures(nb: Any) -> list[dict[str, Any]]:
    return [
        o["data"][PLOTLY]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if PLOTLY in o.get("data", {})
    ]


def _array(value: Any) -> np.ndarray:
    """A Plotly figure's data array: a list, or base64 bytes with a dtype (Plotly >= 6)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name}: no code"
    assert [c.outputs for c in code] == [[]] * len(code), f"{path.name}: stored with outputs"
    assert {c.execution_count for c in code} == {None}, f"{path.name}: stored with counts"


def test_there_are_the_two_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["policy_question.ipynb", "quickstart.ipynb"]


@pytest.mark.slow
def test_quickstart(execute, tmp_path):
    nb, got = execute(
        "quickstart.ipynb",
        '{"ev_share": ev_share.to_dict("records"), "pyam_scenarios": df.scenario, '
        '"pyam_variables": len(df.variable), "out": str(out)}',
    )
    assert got["out"] == str(tmp_path / "out")  # written where the test said, not the repo
    assert (tmp_path / "out" / "iamc.csv").is_file()
    expected = evhub.run(["baseline", "hub"]).variable(EV_SHARE).isel(run=0)
    rows = got["ev_share"]
    assert [(r["scenario"], r["year"]) for r in rows] == [
        (s, y) for s in ("baseline", "hub") for y in range(2015, 2041)
    ]
    # the store holds the arrays' float64 and JSON carries it exactly: equal to the last bit
    assert [r["ev_share"] for r in rows] == [
        float(expected.sel(scenario=r["scenario"], year=r["year"])) for r in rows
    ]
    assert got["pyam_scenarios"] == ["baseline", "hub"]
    iamc = evhub.run(["baseline", "hub"]).to_iamc()
    assert got["pyam_variables"] == iamc["Variable"].nunique()
    (figure,) = _figures(nb)
    assert [t["name"] for t in figure["data"]] == ["baseline", "hub"]
    hub = [r["ev_share"] for r in rows if r["scenario"] == "hub"]
    assert _array(figure["data"][1]["y"]).tolist() == hub
    assert "Warning" not in _stderr(nb)


@pytest.mark.slow
def test_policy_question(execute):
    nb, got = execute(
        "policy_question.ipynb",
        '{"samples": SAMPLES, "seed": SEED, "years": YEARS, '
        '"probability": probability.to_dict(), "ranking": ranking[["input", "ST"]].to_dict("list"),'
        ' "spearman": spearman.to_dict(), "runs": sensitivity.runs}',
    )
    samples, seed, years = got["samples"], got["seed"], got["years"]
    assert samples >= 200
    assert years == [2030, 2035]
    # the probability, from an ensemble of the test's own: the share of members at or
    # below their target path
    res = evhub.run(["baseline", "hub"], samples=samples, seed=seed)
    for scenario in ("baseline", "hub"):
        co2 = res.ensemble.values(scenario, CO2)
        target = res.ensemble.values(scenario, TARGET)
        for year in years:
            share = float(np.mean(co2[year].to_numpy() <= target[year].to_numpy()))
            assert got["probability"][scenario][str(year)] == share, (scenario, year)
    banned = got["probability"][BAN]
    for year in years:
        p = {k: got["probability"][k][str(year)] for k in ("baseline", "hub", BAN)}
        assert all(0 <= v <= 1 for v in p.values()), p
        # no new combustion cars can only lower CO2, member by member (same draws)
        assert banned[str(year)] >= p["hub"], (year, p)
    assert banned["2035"] > got["probability"]["hub"]["2035"]  # the lever matters in 2035
    # the Sobol ranking: sorted, indices of a share of variance, and its leaders lead the
    # ensemble's own rank correlations too (two methods, one answer), of the inputs a rank
    # correlation can see: not the posterior draw, a number whose order means nothing
    st = got["ranking"]["ST"]
    assert st == sorted(st, reverse=True)
    assert min(st) >= -0.05 and max(st) <= 1.05  # SALib's estimates stray a little from [0, 1]
    leaders = got["ranking"]["input"][:2]
    assert not any(name.endswith(".choice.posterior") for name in got["spearman"])
    quantities = [i for i in got["ranking"]["input"] if not i.endswith(".choice.posterior")]
    assert set(quantities[:2]) == set(list(got["spearman"])[:2])
    assert got["runs"] > samples
    (histogram, bars) = _figures(nb)
    assert [len(_array(t["x"])) for t in histogram["data"]] == [samples, samples]
    assert _array(bars["data"][0]["y"]).tolist()[::-1][:2] == leaders
    assert "Warning" not in _stderr(nb)
