"""Hostile results folders and ``--out`` values: one clean message each, nothing changed.

Each case prepares a folder (a file where a folder should be, someone
else's folder, results of another run, a locked or unwritable folder, a
folder whose files are not from one run, ...), runs one ``evhub`` command
in-process (Typer's ``CliRunner``) and checks: exit code 2, the exception is
the ``SystemExit`` of the CLI (any other exception fails the test: only
:class:`evhub.errors.InputError` may be turned into a message), one
``error:`` line that names the folder or file (and the option) and the
value, and that nothing in the test's folder changed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import evhub
from evhub import layout
from evhub.cli import app

runner = CliRunner()
SENSITIVITY = [
    "sensitivity",
    "baseline",
    "--indicator",
    "Vehicles built (Passenger Cars)",
    "--year",
    "2030",
]


@dataclass(frozen=True)
class Templates:
    """Results folders written once for the module, copied by each case."""

    deterministic: Path  # `evhub run baseline`
    ensemble: Path  # `evhub run baseline -n 4 --seed 1`
    other: Path  # `evhub run hub`


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    root = tmp_path_factory.mktemp("templates")
    made = Templates(root / "det", root / "ens", root / "hub")
    for args, out in (
        (["baseline"], made.deterministic),
        (["baseline", "-n", "4", "--seed", "1"], made.ensemble),
        (["hub"], made.other),
    ):
        result = runner.invoke(app, ["run", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return made


@dataclass
class Ctx:
    """What a case may use to prepare its folder."""

    tmp: Path
    templates: Templates
    monkeypatch: pytest.MonkeyPatch
    stack: contextlib.ExitStack

    def copy(self, template: Path, name: str = "results", *, links: bool = True) -> Path:
        folder = self.tmp / name
        shutil.copytree(template, folder, symlinks=links)
        return folder

    def run_folder(self, results: Path) -> Path:
        return (results / layout.CURRENT).resolve()


Prepared = tuple[list[str], list[str]]  # the command's arguments, fragments of its message


def _reseal(run: Path) -> None:
    manifest = json.loads((run / layout.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = layout.file_entries(run)
    (run / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _hold_lock(ctx: Ctx, folder: Path, pid: str) -> None:
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / layout.LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    ctx.stack.callback(os.close, fd)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, f"{pid}\n".encode())


def _refuse_mkdir(ctx: Ctx, under: Path, code: int, text: str) -> None:
    real = pathlib.Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if str(self).startswith(str(under)):
            raise OSError(code, text)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    ctx.monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)


def _refuse_open(ctx: Ctx, name: str, code: int, text: str) -> None:
    real = os.open

    def refuse(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(name):
            raise OSError(code, text)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    ctx.monkeypatch.setattr(os, "open", refuse)


# --------------------------------------------------------------------------
# The cases: evhub run --out
# --------------------------------------------------------------------------


def out_is_a_file(ctx: Ctx) -> Prepared:
    path = ctx.tmp / "results.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return ["run", "baseline", "--out", str(path)], [f"--out {path}: is a file, not a folder"]


def out_is_a_broken_link(ctx: Ctx) -> Prepared:
    path = ctx.tmp / "results"
    path.symlink_to(ctx.tmp / "nowhere")
    return ["run", "baseline", "--out", str(path)], [f"--out {path}: is a broken link"]


def out_below_a_file(ctx: Ctx) -> Prepared:
    path = ctx.tmp / "notes.txt"
    path.write_text("mine\n", encoding="utf-8")
    out = path / "results"
    return ["run", "baseline", "--out", str(out)], [f"--out {out}: {path} is a file"]


def out_is_a_device(ctx: Ctx) -> Prepared:
    return ["run", "baseline", "--out", "/dev/null"], ["--out /dev/null: is a file, not a folder"]


def out_is_someone_elses_folder(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("\\chapter{One}\n", encoding="utf-8")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: not empty and not an evhub results folder (it holds 'chapter1.tex')"
    ]


def force_does_not_take_someone_elses_folder(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "data"
    (out / "raw").mkdir(parents=True)
    (out / "raw" / "a.csv").write_text("x\n1\n", encoding="utf-8")
    return ["run", "baseline", "--out", str(out), "--force"], [
        f"--out {out}: not empty and not an evhub results folder (it holds 'raw')"
    ]


def someone_elses_iamc_table(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "scenario-explorer"
    out.mkdir()
    (out / "iamc.csv").write_text("Model,Scenario,Region,Variable,Unit,2030\n", encoding="utf-8")
    return ["run", "baseline", "--out", str(out), "--force"], [
        f"--out {out}: not empty and not an evhub results folder (it holds 'iamc.csv')"
    ]


def a_web_apps_manifest(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "webapp"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "My App", "icons": []}', encoding="utf-8")
    return ["run", "baseline", "--out", str(out), "--force"], [
        f"--out {out}: not empty and not an evhub results folder (it holds 'manifest.json')"
    ]


def another_scenario(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    return ["run", "hub", "--out", str(out)], [
        f"--out {out}: holds run ",
        " of baseline (deterministic); `evhub run hub` would replace it: give --force or "
        "another --out",
    ]


def another_override(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    return ["run", "baseline", "--set", "car.market.bev_share.ceiling=90", "--out", str(out)], [
        f"--out {out}: holds run ",
        "`evhub run baseline --set car.market.bev_share.ceiling=90` would replace it",
    ]


def another_sample_size(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.ensemble)
    return ["run", "baseline", "-n", "8", "--seed", "1", "--out", str(out)], [
        f"--out {out}: holds run ",
        "of baseline with 4 members (seed 1, lhs)",
        "`evhub run baseline --samples 8 --seed 1 --sampler lhs` would replace it",
    ]


def another_seed(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.ensemble)
    return ["run", "baseline", "-n", "4", "--seed", "2", "--out", str(out)], [
        f"--out {out}: holds run ",
        "with 4 members (seed 1, lhs)",
        "--seed 2",
    ]


def another_sampler(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.ensemble)
    return ["run", "baseline", "-n", "4", "--seed", "1", "--sampler", "sobol", "--out", str(out)], [
        f"--out {out}: holds run ",
        "--sampler sobol` would replace it",
    ]


def deterministic_over_an_ensemble(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.ensemble)
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: holds run ",
        "with 4 members (seed 1, lhs); `evhub run baseline` would replace it",
    ]


def another_dataset(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    data = ctx.tmp / "my-data"
    manifest = json.loads((out / layout.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["dataset"] == {**manifest["dataset"], "shipped": True, "path": ""}
    shutil.copytree(evhub.load_dataset().path, data)
    return ["run", "baseline", "--dataset", str(data), "--out", str(out)], [
        f"--out {out}: holds run ",
        f"`evhub run baseline --dataset {data.resolve()}` would replace it",
    ]


def results_without_a_manifest(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "results"
    out.mkdir()
    for name in ("iamc.csv", "scorecard.csv", "evhub.duckdb"):
        shutil.copyfile(ctx.templates.other / name, out / name)
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: holds the results of an evhub without manifests (hub, written ",
        "`evhub run baseline` would replace them: give --force",
    ]


def out_is_a_run_folder(ctx: Ctx) -> Prepared:
    results = ctx.copy(ctx.templates.deterministic)
    out = results / layout.CURRENT
    return ["run", "baseline", "--out", str(out), "--force"], [
        f"--out {out}: is the folder of one run (it holds manifest.json)"
    ]


def out_is_the_runs_folder(ctx: Ctx) -> Prepared:
    results = ctx.copy(ctx.templates.deterministic)
    out = results / layout.RUNS
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: not empty and not an evhub results folder"
    ]


def another_process_writes(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    _hold_lock(ctx, out, "31337")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: another evhub process (pid 31337) is writing into this folder"
    ]


def another_process_writes_a_new_folder(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "fresh"
    _hold_lock(ctx, out, "")
    return ["run", "hub", "-n", "4", "--out", str(out), "--force"], [
        f"--out {out}: another evhub process (pid unknown) is writing into this folder"
    ]


def folder_not_writable(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    _refuse_open(ctx, layout.LOCK, errno.EACCES, "Permission denied")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: cannot write into the folder (Permission denied)"
    ]


def parent_read_only(ctx: Ctx) -> Prepared:
    parent = ctx.tmp / "readonly"
    parent.mkdir()
    out = parent / "results"
    _refuse_mkdir(ctx, parent, errno.EROFS, "Read-only file system")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: cannot create the folder {out} (Read-only file system)"
    ]


def parent_not_permitted(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "a" / "b" / "results"
    _refuse_mkdir(ctx, ctx.tmp / "a" / "b", errno.EACCES, "Permission denied")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: cannot create the folder {ctx.tmp / 'a' / 'b'} (Permission denied)"
    ]


def name_too_long(ctx: Ctx) -> Prepared:
    out = ctx.tmp / ("r" * 300)
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: cannot create the folder",
        "(File name too long)",
    ]


def out_is_a_link_to_a_file(ctx: Ctx) -> Prepared:
    target = ctx.tmp / "report.pdf"
    target.write_bytes(b"%PDF-1.7\n")
    out = ctx.tmp / "results"
    out.symlink_to(target)
    return ["run", "baseline", "--out", str(out)], [f"--out {out}: is a file, not a folder"]


def lock_file_is_a_link(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "results"
    out.mkdir()
    victim = ctx.tmp / "victim.txt"
    victim.write_text("do not truncate me\n", encoding="utf-8")
    (out / layout.LOCK).symlink_to(victim)
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: cannot write into the folder (Too many levels of symbolic links)"
    ]


def current_points_nowhere(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    shutil.rmtree(ctx.run_folder(out))
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: holds a run whose manifest cannot be read ({out / 'manifest.json'}: "
        "no such file)"
    ]


def manifest_is_garbage(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    (ctx.run_folder(out) / layout.MANIFEST).write_text("{ not json", encoding="utf-8")
    return ["run", "baseline", "--out", str(out)], [
        f"--out {out}: holds a run whose manifest cannot be read ({out / 'manifest.json'}: "
        "not a readable manifest"
    ]


def manifest_with_a_wrong_type(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.ensemble)
    path = ctx.run_folder(out) / layout.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["request"]["samples"] = "many"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return ["run", "baseline", "-n", "4", "--seed", "1", "--out", str(out)], [
        f"--out {out}: holds a run whose manifest cannot be read",
        "request.samples = 'many' is not of the expected type",
    ]


# --------------------------------------------------------------------------
# evhub sensitivity --out
# --------------------------------------------------------------------------


def sensitivity_out_is_a_file(ctx: Ctx) -> Prepared:
    path = ctx.tmp / "s.csv"
    path.write_text("x\n", encoding="utf-8")
    return [*SENSITIVITY, "--out", str(path)], [f"--out {path}: is a file, not a folder"]


def sensitivity_into_someone_elses_folder(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "photos"
    out.mkdir()
    (out / "cat.jpg").write_bytes(b"\xff\xd8\xff")
    return [*SENSITIVITY, "--out", str(out)], [
        f"--out {out}: not empty and not an evhub results folder (it holds 'cat.jpg')"
    ]


def sensitivity_into_a_run_folder(ctx: Ctx) -> Prepared:
    results = ctx.copy(ctx.templates.deterministic)
    out = ctx.run_folder(results)
    return [*SENSITIVITY, "--out", str(out)], [
        f"--out {out}: is the folder of one run (it holds manifest.json)"
    ]


def sensitivity_while_a_run_writes(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    _hold_lock(ctx, out, "2718")
    return [*SENSITIVITY, "--out", str(out)], [
        f"--out {out}: another evhub process (pid 2718) is writing into this folder"
    ]


# --------------------------------------------------------------------------
# evhub report: the files must be of one run
# --------------------------------------------------------------------------


def report_without_a_manifest(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "results"
    out.mkdir()
    for name in ("iamc.csv", "scorecard.csv", "evhub.duckdb"):
        shutil.copyfile(ctx.templates.other / name, out / name)
    return ["report", str(out)], [f"{out / 'manifest.json'}: no such file"]


def report_of_a_changed_csv(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    with (ctx.run_folder(out) / "iamc.csv").open("a", encoding="utf-8") as stream:
        stream.write("evhub,baseline,Türkiye,Made|Up,1,2\n")
    return ["report", str(out)], [
        f"{out / 'iamc.csv'}: ",
        "the files are not from one run",
    ]


def report_of_an_edited_csv_of_the_same_size(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    path = ctx.run_folder(out) / "scorecard.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("baseline", "baselin3", 1), encoding="utf-8")
    return ["report", str(out)], [
        f"{out / 'scorecard.csv'}: sha256 ",
        "does not match",
        "the files are not from one run",
    ]


def report_of_a_store_of_another_run(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    run = ctx.run_folder(out)
    (run / "evhub.duckdb").unlink()
    shutil.copyfile(ctx.templates.other / "evhub.duckdb", run / "evhub.duckdb")
    _reseal(run)  # even with the checksums made to fit
    return ["report", str(out)], [
        f"{out / 'evhub.duckdb'}: table 'runs' holds run ",
        f"but {out / 'manifest.json'} is of run {run.name}",
    ]


def report_of_a_store_whose_number_column_holds_text(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    run = ctx.run_folder(out)
    con = duckdb.connect(str(run / "evhub.duckdb"))
    con.execute("CREATE OR REPLACE TABLE runs AS SELECT * REPLACE ('soon' AS base_year) FROM runs")
    con.close()
    _reseal(run)  # even with the checksums made to fit
    return ["report", str(out)], [
        f"{out / 'evhub.duckdb'}: table 'runs' column 'base_year' holds VARCHAR, expected integer"
    ]


def report_of_a_store_whose_flag_column_holds_numbers(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    run = ctx.run_folder(out)
    con = duckdb.connect(str(run / "evhub.duckdb"))
    con.execute("CREATE OR REPLACE TABLE scorecard AS SELECT * REPLACE (1.5 AS met) FROM scorecard")
    con.close()
    _reseal(run)
    return ["report", str(out)], [
        f"{out / 'evhub.duckdb'}: table 'scorecard' column 'met' holds DECIMAL(2,1), "
        "expected boolean"
    ]


def report_of_a_missing_file(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    (ctx.run_folder(out) / "scorecard.csv").unlink()
    return ["report", str(out)], [f"{out / 'scorecard.csv'}: no such file, but run "]


def report_of_a_file_from_elsewhere(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    quantiles = ctx.templates.ensemble / "iamc_quantiles.csv"
    shutil.copyfile(quantiles, ctx.run_folder(out) / "iamc_quantiles.csv")
    return ["report", str(out)], [f"{out / 'iamc_quantiles.csv'}: not a file of run "]


def report_of_a_manifest_reaching_out(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    path = ctx.run_folder(out) / layout.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"]["../../../etc/passwd"] = {"bytes": 1, "sha256": "0" * 64}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return ["report", str(out)], [
        f"{out / 'manifest.json'}: not an evhub manifest (files lists '../../../etc/passwd'"
    ]


def report_of_a_manifest_of_another_format(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    (ctx.run_folder(out) / layout.MANIFEST).write_text('{"format": "mlflow"}', encoding="utf-8")
    return ["report", str(out)], [
        f"{out / 'manifest.json'}: not an evhub manifest (format = 'mlflow'"
    ]


def report_of_a_manifest_in_utf16(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    path = ctx.run_folder(out) / layout.MANIFEST
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return ["report", str(out)], [f"{out / 'manifest.json'}: not a readable manifest ("]


def report_of_a_dangling_current(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    run = ctx.run_folder(out)
    shutil.rmtree(run)
    return ["report", str(out)], [
        f"{out / 'current'}: points to runs/{run.name}, which does not exist"
    ]


def report_of_a_copy_without_links_edited(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic, links=False)
    with (out / "iamc.csv").open("a", encoding="utf-8") as stream:
        stream.write("evhub,baseline,Türkiye,Made|Up,1,2\n")
    return ["report", str(out)], [
        f"{out / 'iamc.csv'}: a file, not a link into current/",
        "the folder mixes two runs",
    ]


def report_of_an_empty_results_folder(ctx: Ctx) -> Prepared:
    out = ctx.tmp / "results"
    (out / "runs").mkdir(parents=True)
    return ["report", str(out)], [f"{out / 'manifest.json'}: no such file"]


def report_out_is_a_folder(ctx: Ctx) -> Prepared:
    out = ctx.copy(ctx.templates.deterministic)
    target = ctx.tmp / "site"
    target.mkdir()
    return ["report", str(out), "--out", str(target)], [
        f"{target}: is a folder; give the report a file name"
    ]


CASES: list[Callable[[Ctx], Prepared]] = [
    out_is_a_file,
    out_is_a_broken_link,
    out_below_a_file,
    out_is_a_device,
    out_is_someone_elses_folder,
    force_does_not_take_someone_elses_folder,
    someone_elses_iamc_table,
    a_web_apps_manifest,
    another_scenario,
    another_override,
    another_sample_size,
    another_seed,
    another_sampler,
    deterministic_over_an_ensemble,
    another_dataset,
    results_without_a_manifest,
    out_is_a_run_folder,
    out_is_the_runs_folder,
    another_process_writes,
    another_process_writes_a_new_folder,
    folder_not_writable,
    parent_read_only,
    parent_not_permitted,
    name_too_long,
    out_is_a_link_to_a_file,
    lock_file_is_a_link,
    current_points_nowhere,
    manifest_is_garbage,
    manifest_with_a_wrong_type,
    sensitivity_out_is_a_file,
    sensitivity_into_someone_elses_folder,
    sensitivity_into_a_run_folder,
    sensitivity_while_a_run_writes,
    report_without_a_manifest,
    report_of_a_changed_csv,
    report_of_an_edited_csv_of_the_same_size,
    report_of_a_store_of_another_run,
    report_of_a_store_whose_number_column_holds_text,
    report_of_a_store_whose_flag_column_holds_numbers,
    report_of_a_missing_file,
    report_of_a_file_from_elsewhere,
    report_of_a_manifest_reaching_out,
    report_of_a_manifest_of_another_format,
    report_of_a_manifest_in_utf16,
    report_of_a_dangling_current,
    report_of_a_copy_without_links_edited,
    report_of_an_empty_results_folder,
    report_out_is_a_folder,
]


def _snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: a link's target, a file's checksum, or ``dir``."""
    seen: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                seen[key] = "dir"
            else:
                seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_hostile_results_folder(
    case: Callable[[Ctx], Prepared],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with contextlib.ExitStack() as stack:
        args, fragments = case(Ctx(tmp_path, templates, monkeypatch, stack))
        before = _snapshot(tmp_path)
        result = runner.invoke(app, args)
        after = _snapshot(tmp_path)
    assert isinstance(result.exception, SystemExit), result.exception  # never another exception
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.lstrip().startswith("error: ")
    assert result.stderr.count("error: ") == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "wrote" not in result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert after == before  # nothing written, nothing removed, no lock or temporary file left
