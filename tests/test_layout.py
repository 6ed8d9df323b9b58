"""The results folder (:mod:`evhub.layout`): schema, manifest, lock, and crash safety.

The crash tests run ``evhub run`` in a subprocess that kills itself (SIGKILL)
at each stage of a write (``EVHUB_CRASH_AT``, a test hook, not timing luck)
and check that the folder shows the old run or the new one, never a mix
(every file matches one manifest, every name links through ``current``),
that ``evhub report`` works on it, and that the next start leaves no
temporary folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata, resources
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

import evhub
from evhub import layout
from evhub.cli import app
from evhub.report import write_report
from evhub.report.read import read_results

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
runner = CliRunner()


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _consistent(out: Path) -> str:
    """Check the folder shows one whole run; return its id.

    Every file of the run matches its manifest (:func:`evhub.layout.open_run`),
    the store holds the same run id (:func:`read_results`), and every name in
    the folder is a link through ``current`` (dangling if the run lacks it).
    """
    run, manifest = layout.open_run(out)
    assert read_results(out).manifest == manifest
    assert run == (out / "current").resolve()
    for name in layout.LINKED:
        path = out / name
        if os.path.lexists(path):
            assert path.is_symlink(), name
            assert os.readlink(path) == f"current/{name}"
    return manifest.run_id


def _leftovers(out: Path) -> list[str]:
    """Temporary files and folders, the lock, and runs other than the current one."""
    current = os.readlink(out / "current").split("/")[-1]
    found = [p.name for p in out.iterdir() if p.name.startswith(".")]
    found += [f"runs/{p.name}" for p in (out / "runs").iterdir() if p.name != current]
    return sorted(found)


# --------------------------------------------------------------------------
# The store's schema
# --------------------------------------------------------------------------


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [str(c) for (c,) in rows]


def test_the_store_has_the_tables_and_columns_of_the_layout(tmp_path: Path) -> None:
    out = evhub.run("hub", samples=4, seed=1).write(tmp_path / "results")
    con = duckdb.connect(str(out / layout.STORE), read_only=True)
    try:
        tables = {str(t) for (t,) in con.execute("SHOW TABLES").fetchall()}
        schema = {**layout.STORE_TABLES, **layout.ENSEMBLE_STORE_TABLES}
        assert tables == set(schema)
        for name, table in schema.items():
            extra = list(layout.ENSEMBLE_SCORECARD) if name == "scorecard" else []
            assert _columns(con, name) == [*table.names, *extra], name
        # categories are values in rows, not column names
        mix = con.execute("SELECT DISTINCT category FROM pipeline_mix").fetchall()
        categories = {str(c) for (c,) in mix}
        assert {"bev", "phev", "hev", "ice"} <= categories
        categories |= {"petrol", "diesel", "lpg", "china", "eu", "lithium", "lfp", "nmc"}
        for name in schema:
            for column in _columns(con, name):
                assert not any(c in column.split("_") for c in categories), (name, column)
        # every column has the kind the layout declares (the report checks it on reading)
        types = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
        ).fetchall()
        for table, name, kind in types:
            assert layout.column(table, name).accepts(kind), (table, name, kind)
        run_ids = con.execute("SELECT DISTINCT run_id FROM runs").fetchall()
    finally:
        con.close()
    manifest = json.loads((out / layout.MANIFEST).read_text(encoding="utf-8"))
    assert run_ids == [(manifest["run_id"],)]


def test_the_reader_reads_the_layouts_tables() -> None:
    from evhub.report import read

    assert read.TABLES is layout.TABLES
    assert read.ENSEMBLE_TABLES is layout.ENSEMBLE_TABLES
    for name, columns in {**layout.TABLES, **layout.ENSEMBLE_TABLES}.items():
        table = layout.STORE_TABLES.get(name) or layout.ENSEMBLE_STORE_TABLES[name]
        assert set(columns) <= set(table.names)


# --------------------------------------------------------------------------
# The manifest
# --------------------------------------------------------------------------


def test_the_manifest_names_the_run_and_its_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # mine.yaml lies outside ~ and the cwd
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "name: mine\ndescription: the hub, with more EVs\nextends: hub\n"
        "overrides:\n  car.market.bev_share.ceiling: 75\n",
        encoding="utf-8",
    )
    out = tmp_path / "results"
    _ok(
        _invoke(
            "run", str(mine), "--set", "car.market.bev_share.midpoint_year=2034", "--out", str(out)
        )
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert RUN_ID.match(manifest["run_id"])
    assert manifest["format"] == "evhub-results"
    assert manifest["evhub_version"] == metadata.version("evhub")
    assert manifest["created_utc"].endswith("+00:00")
    assert manifest["request"] == {
        "command": f"evhub run {mine} --set car.market.bev_share.midpoint_year=2034 --out {out}",
        "arguments": [str(mine)],
        "scenarios": ["mine"],
        "overrides": {"car.market.bev_share.midpoint_year": 2034},
        "samples": None,
        "seed": None,
        "sampler": None,
    }
    # the shipped dataset has no path (its name and checksum say which it is); its files
    # are named relative to it; a file outside the working directory and ~ as given
    assert manifest["dataset"] == {
        "name": "turkiye",
        "path": "",
        "shipped": True,
        "sha256": layout.tree_checksum(SHIPPED),
        "scenarios": ["baseline", "announced", "hub", "net-zero", "otv-reform", "tariff-cut"],
    }
    (scenario,) = manifest["scenarios"]
    chain = list(evhub.resolve(mine).chain)
    assert scenario["chain"] == chain
    assert [f["name"] for f in scenario["files"]] == chain
    paths = [f["path"] for f in scenario["files"]]
    assert paths == [*(f"scenarios/{n}.yaml" for n in chain[:-1]), str(mine)]
    files = [*(SHIPPED / "scenarios" / f"{n}.yaml" for n in chain[:-1]), mine]
    for entry, path in zip(scenario["files"], files, strict=True):
        assert entry["sha256"] == layout.sha256_file(path)
    run = out / "runs" / manifest["run_id"]
    assert sorted(manifest["files"]) == [
        "dimensions.yaml",
        "evhub.duckdb",
        "iamc.csv",
        "scorecard.csv",
    ]
    for name, entry in manifest["files"].items():
        assert entry == {
            "bytes": (run / name).stat().st_size,
            "sha256": layout.sha256_file(run / name),
        }
    con = duckdb.connect(str(out / "evhub.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT run_id, created_utc FROM runs").fetchall()
    finally:
        con.close()
    assert rows == [(manifest["run_id"], manifest["created_utc"])]


def test_the_checksum_of_a_dataset_changes_with_any_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(SHIPPED, folder)
    before = layout.tree_checksum(folder)
    assert before == layout.tree_checksum(SHIPPED)
    (folder / "scenarios" / "hub.yaml").rename(folder / "scenarios" / "hub2.yaml")
    assert layout.tree_checksum(folder) != before


def test_a_request_is_the_same_from_the_command_line_and_from_python() -> None:
    overrides = {"car.market.bev_share.ceiling": 80}
    given = layout.Request.of("hub", overrides=overrides, samples=4, seed=2)
    made = layout.Request.from_results(evhub.run("hub", overrides=overrides, samples=4, seed=2))
    assert given.key() == made.key()
    assert (
        given.describe()
        == "hub with 4 members (seed 2, lhs) and --set car.market.bev_share.ceiling=80"
    )
    assert layout.Request.of("hub").key() != given.key()


# --------------------------------------------------------------------------
# Replacing a run
# --------------------------------------------------------------------------


def test_the_same_request_replaces_another_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = evhub.run("baseline")
    first.write(out)
    old = _consistent(out)
    write_report(out)
    assert (out / "report.html").is_file()
    first.write(out)  # the same request: replaced without force
    again = _consistent(out)
    assert again != old
    assert not os.path.lexists(out / "report.html")  # the new run has no report yet
    hub = evhub.run("hub")
    with pytest.raises(evhub.InputError) as err:
        hub.write(out)
    assert str(err.value) == (
        f"{out}: holds run {again} of baseline (deterministic); `evhub run hub` would replace "
        "it: pass force=True or another folder"
    )
    assert _consistent(out) == again
    hub.write(out, force=True)
    newest = _consistent(out)
    assert read_results(out).scenarios == ["hub"]
    assert _names(out / "runs") == [newest]  # the old runs are removed
    assert _leftovers(out) == []


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): os.readlink(p) if p.is_symlink() else layout.sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def test_a_failed_write_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    from evhub.results import store as results_module

    out = tmp_path / "results"
    res = evhub.run("baseline")
    res.write(out)
    before = _tree(out)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results_module, "write_store", disk_full)
    with pytest.raises(evhub.InputError) as err:
        res.write(out)
    assert str(err.value) == (
        f"{out}: cannot write the results (No space left on device); nothing was changed"
    )
    assert _tree(out) == before
    assert _leftovers(out) == []
    with pytest.raises(evhub.InputError, match="No space left on device"):
        res.write(tmp_path / "new" / "results")
    assert _names(tmp_path) == ["results"]  # no folder made for a run that failed


def test_sensitivity_lives_beside_the_runs(tmp_path: Path) -> None:
    out = tmp_path / "results"
    _ok(_invoke("run", "baseline", "--out", str(out)))
    args = [
        "sensitivity",
        "baseline",
        "--indicator",
        "Vehicles built (Passenger Cars)",
        "--year",
        "2030",
    ]
    _ok(_invoke(*args, "--samples", "4", "--method", "morris", "--out", str(out)))
    written = _names(out / "sensitivity")
    assert len(written) == 3  # the indices, the tornado and the summary
    goal = [
        "goalseek",
        "baseline",
        "--target",
        "EVs built (Passenger Cars)",
        "--year",
        "2030",
        "--value",
        "2e5",
    ]
    _ok(
        _invoke(*goal, "--vary", "car.trade.utilisation", "--range", "50", "100", "--out", str(out))
    )
    sought = _names(out / "goalseek")
    assert len(sought) == 2  # the scan and the summary
    _ok(_invoke("run", "baseline", "--out", str(out)))
    assert _names(out / "sensitivity") == written
    assert _names(out / "goalseek") == sought
    _consistent(out)
    assert _leftovers(out) == []


def test_out_on_another_file_system(tmp_path: Path) -> None:
    """Every rename happens inside --out: no "Invalid cross-device link"."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system at /dev/shm")
    out = shm / f"evhub-test-{os.getpid()}-{tmp_path.name}"
    try:
        _ok(_invoke("run", "baseline", "--out", str(out)))
        _ok(_invoke("run", "hub", "--out", str(out), "--force"))
        write_report(out)
        _consistent(out)
        assert _leftovers(out) == []
    finally:
        shutil.rmtree(out, ignore_errors=True)


# --------------------------------------------------------------------------
# The lock and the scratch folders
# --------------------------------------------------------------------------


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    fd = os.open(out / ".evhub.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242\n")
        result = _invoke("run", "baseline", "--out", str(out))
        assert result.exit_code == 2
        assert isinstance(result.exception, SystemExit)
        assert result.stderr.strip() == (
            f"error: --out {out}: another evhub process (pid 4242) is writing into this "
            "folder; wait for it to finish or give another --out"
        )
        assert "wrote" not in result.stdout
        assert _names(out) == [".evhub.lock"]
    finally:
        os.close(fd)
    _ok(_invoke("run", "baseline", "--out", str(out)))
    assert ".evhub.lock" not in _names(out)  # removed when released


def test_a_folder_name_with_a_nul_byte(tmp_path: Path) -> None:
    out = f"{tmp_path}/res\x00ults"
    with pytest.raises(
        evhub.InputError, match=r"cannot create the folder: its name holds a NUL byte"
    ):
        evhub.run("baseline").write(out)
    assert list(tmp_path.iterdir()) == []


def _dead_pid() -> int:
    for pid in range(32_000, 1_000, -1):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            continue
    pytest.skip("no free pid")


def test_scratch_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    prefix = "evhub-ensemble-"
    dead = tmp_path / f"{prefix}{_dead_pid()}-abc"
    alive = tmp_path / f"{prefix}{os.getpid()}-abc"
    old = tmp_path / f"{prefix}k2j4h5"  # of an evhub that did not name them with the pid
    recent = tmp_path / f"{prefix}zz9x8w"
    for folder in (dead, alive, old, recent):
        folder.mkdir()
        (folder / "000000.npy").write_bytes(b"x" * 100)
    two_days_ago = time.time() - 2 * 86_400
    os.utime(old, (two_days_ago, two_days_ago))
    made = layout.scratch_folder(prefix, tmp_path)
    assert made.name.startswith(f"{prefix}{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, recent.name, made.name]
    )


def test_the_ensembles_scratch_folder_carries_the_pid(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"evhub-ensemble-{_dead_pid()}-kill9"
    stale.mkdir()
    res = evhub.run("baseline", samples=2, seed=1)
    assert res.ensemble is not None
    assert res.ensemble.scratch.parent == tmp_path
    assert res.ensemble.scratch.name.startswith(f"evhub-ensemble-{os.getpid()}-")
    assert not stale.exists()
    res.ensemble.close()


# --------------------------------------------------------------------------
# Crash tests: kill -9 at each stage of a write
# --------------------------------------------------------------------------


def _evhub(*args: str, crash: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, layout.CRASH_ENV: crash}
    return subprocess.run(
        [sys.executable, "-m", "evhub", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


#: Stage -> which run the folder shows after a kill there, and what is left behind.
STAGES = {
    "filled": ("old", "runs/.tmp-"),
    "manifest": ("old", "runs/.tmp-"),
    "renamed": ("old", "runs/2"),
    "swapped": ("new", "runs/2"),
    "linked": ("new", "runs/2"),
}


def test_a_kill_at_any_stage_leaves_the_old_run_or_the_new(tmp_path: Path) -> None:
    assert set(STAGES) | {"adopted"} == set(layout.CRASH_STAGES)
    out = tmp_path / "results"
    _ok(_invoke("run", "baseline", "--out", str(out)))
    write_report(out)
    previous = _consistent(out)
    new = ["run", "baseline", "--set", "car.market.bev_share.ceiling=90", "--out", str(out)]
    left: list[str] = []
    for stage, (shown, leftover) in STAGES.items():
        proc = _evhub(*new, "--force", crash=stage)
        assert proc.returncode == -signal.SIGKILL, (stage, proc.stderr)
        assert "wrote" not in proc.stdout
        for name in left:  # the last kill's leftovers went at this start
            assert not os.path.lexists(out / name), (stage, name)
        now = _consistent(out)
        if shown == "old":
            assert now == previous, stage
        else:
            assert now != previous, stage
            request = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["request"]
            assert request["overrides"] == {"car.market.bev_share.ceiling": 90}
        left = [n for n in _leftovers(out) if n != ".evhub.lock"]  # the killed one's lock
        assert left, stage
        assert all(name.startswith(leftover) for name in left), (stage, left)
        report = write_report(out)  # the report works on it, and is of the run it shows
        assert report.resolve().parent == (out / "current").resolve()
        previous = now
    # the next start removes what the last kill left; the same request needs no --force
    _ok(_invoke(*new))
    assert _leftovers(out) == []
    assert len(_names(out / "runs")) == 1
    assert not os.path.lexists(out / "report.html")  # the new run has no report yet
    _consistent(out)


def test_a_kill_while_replacing_results_without_a_manifest(tmp_path: Path) -> None:
    """Files of an evhub before manifests: each name shows the old content until the swap."""
    made = tmp_path / "made"
    _ok(_invoke("run", "hub", "--out", str(made)))
    out = tmp_path / "results"
    out.mkdir()
    for name in ("iamc.csv", "scorecard.csv", "evhub.duckdb"):
        shutil.copyfile(made / name, out / name)
    (out / "report.html").write_text("<html>the old report</html>\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused = _invoke("run", "baseline", "--out", str(out))
    assert refused.exit_code == 2
    assert "holds the results of an evhub without manifests (hub, written " in refused.stderr
    proc = _evhub("run", "baseline", "--out", str(out), "--force", crash="adopted")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert {n: (out / n).read_bytes() for n in before} == before  # links or files, the same
    assert not list((out / "runs").glob(".tmp-*"))
    with pytest.raises(evhub.InputError, match=r"manifest\.json: no such file; the folder was"):
        write_report(out)  # as before: no manifest, no report
    _ok(_invoke("run", "baseline", "--out", str(out), "--force"))
    _consistent(out)
    assert _leftovers(out) == []
    assert not os.path.lexists(out / "report.html")
