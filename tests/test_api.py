"""The Python API's own verbs (the others are tested with the modules they call)."""

import os
import re
from pathlib import Path

import duckdb
import pytest

import evhub
from evhub.errors import InputError

EV_SHARE = "Share|Sales|Passenger Cars|EV"


@pytest.fixture(scope="module")
def written(tmp_path_factory, shipped) -> Path:
    """The four shipped scenarios written into a results folder."""
    return shipped.write(tmp_path_factory.mktemp("api") / "out")


def test_open_store_reads_the_current_run(written, shipped):
    expected = float(shipped.variable(EV_SHARE).sel(scenario="hub", year=2030).isel(run=0))
    with evhub.open_store(written) as con:
        rows = con.execute(
            "SELECT value FROM results WHERE scenario = ? AND variable = ? AND year = ? "
            "AND run = 0",
            ["hub", EV_SHARE, 2030],
        ).fetchall()
        scenarios = [r[0] for r in con.execute("SELECT scenario FROM runs").fetchall()]
    # the store holds the very float64 of the arrays: equal to the last bit
    assert rows == [(expected,)]
    assert scenarios == [s.name for s in shipped.scenarios]


def test_open_store_of_a_run_folder(written):
    run = Path(os.path.realpath(written / "current"))
    with evhub.open_store(run) as con:
        (count,) = con.execute("SELECT count(*) FROM scorecard").fetchone()
    assert count > 0


def test_open_store_is_read_only(written):
    with (
        evhub.open_store(written) as con,
        pytest.raises(duckdb.Error, match="read-only"),
    ):
        con.execute("DELETE FROM results")


def test_open_store_of_a_folder_without_a_run(tmp_path):
    message = (
        f"{tmp_path / 'manifest.json'}: no such file; the folder was not written by "
        f"`evhub run` of this version (or its run was interrupted); write the folder again "
        f"with `evhub run --out {tmp_path}`"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        evhub.open_store(tmp_path)


def test_open_store_refuses_a_changed_store(tmp_path, shipped):
    out = shipped.write(tmp_path / "out")
    store = Path(os.path.realpath(out / "current")) / "evhub.duckdb"
    size = store.stat().st_size
    with store.open("ab") as f:
        f.write(b"\0")
    with pytest.raises(InputError) as caught:
        evhub.open_store(out)
    assert str(caught.value).startswith(f"{out / 'evhub.duckdb'}: {size + 1:,} bytes, but run "), (
        str(caught.value)
    )
    assert str(caught.value).endswith(
        f"the files are not from one run; write the folder again with `evhub run --out {out}`"
    )
