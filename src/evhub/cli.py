"""The ``evhub`` command line: parse, call the Python API, show the result.

Every verb is a thin layer over a function of the API. Bad input prints one
message naming the file, the field and the value, and exits with code 2.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from evhub import api, datadoc, excel, layout
from evhub.allocator import tune_allocator
from evhub.dataset import Dataset
from evhub.distributions import show_spec
from evhub.errors import InputError
from evhub.goalseek import Direction
from evhub.limits import Sampler
from evhub.parameters import describe_path
from evhub.parameters import spec as parameter_spec
from evhub.pipeline import kind_label
from evhub.readable import number, quantity
from evhub.results import format_value
from evhub.scenario import unit_of
from evhub.sensitivity import Method
from evhub.variables import scorecard_indicators

app = typer.Typer(
    help="evhub: an open model of a country's EV transition and its EV and battery industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(help="List and show scenarios.", invoke_without_command=True)
data_app = typer.Typer(
    help="Validate a dataset, show its sources and the dataset format.", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")
app.add_typer(data_app, name="data")
choice_app = typer.Typer(help="The choice model: buyers' generalised costs.", no_args_is_help=True)
app.add_typer(choice_app, name="choice")


def _show_version(show: bool) -> None:
    """``--version``: print ``evhub <version>`` and exit 0."""
    if show:
        typer.echo(f"evhub {layout.evhub_version()}")
        raise typer.Exit


@app.callback()
def _process(
    version: Annotated[  # its callback prints and exits, before any command
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """evhub: an open model of a country's EV transition and its EV and battery industry."""
    tune_allocator()  # this process is evhub's own: keep the heap's pages between chunks


_WIDTH = None if sys.stdout.isatty() else 140  # wide tables when piped to a file
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
T = TypeVar("T")

#: Parser of the options typed as a ``Literal``: the text as given. The API checks the value,
#: so a bad one gets the message a Python caller gets (not Typer's own, which differs).
_AS_GIVEN = str

DatasetOption = Annotated[
    Path | None,
    typer.Option(
        "--dataset", "-d", help="Dataset folder (default: the dataset shipped with evhub)."
    ),
]


def _guard(func: Callable[[], T]) -> T:
    """Run an API call; on bad input print its message and exit 2."""
    try:
        return func()
    except InputError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """A summary as JSON (NaN as null, every character as is)."""
    plain = {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in data.items()
    }
    text = json.dumps(plain, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_analysis(out: Path, sub: str, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write an analysis' files into ``out/sub`` at once (each replaces its namesake)."""
    folder = out / sub

    def write(tmp: Path) -> None:
        for name, writer in writers.items():
            writer(tmp / name)

    layout.write_atomically(folder, write)
    return [folder / name for name in writers]


def _parse_set(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path:
            msg = f"--set {item!r}: expected PATH=VALUE, e.g. grid.renewable_share.2035=60"
            raise InputError(msg)
        row = parameter_spec(path.strip())
        out[path.strip()] = (
            text.strip()  # a text parameter takes the text as given (brackets hold ': ')
            if row is not None and row.kind == "text"
            else api.parse_value(text.strip(), f"--set {path.strip()}")
        )
    return out


@app.command()
def run(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Shipped scenario names or YAML files (default: all shipped)."),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Results folder: the run goes into OUT/runs/<run-id>/ and replaces the one "
            "OUT/current points to, at once; OUT/iamc.csv etc. are links to its files.",
        ),
    ] = Path("results"),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the results of another run in --out (other scenarios, --set, "
            "samples, seed, sampler or dataset); they are deleted.",
        ),
    ] = False,
    dataset: DatasetOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable)."),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples", "-n", help="Also run an ensemble of N members per scenario.", min=1
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the ensemble's draws.")] = 0,
    sampler: Annotated[
        Sampler,
        typer.Option(parser=_AS_GIVEN, help="How the draws fill the unit cube: lhs or sobol."),
    ] = "lhs",
    workers: Annotated[
        int | None,
        typer.Option(help="Run the ensemble's chunks on a local Dask cluster of K processes."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run the ensemble's chunks on an existing Dask scheduler (address)."),
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="Ensemble members run at once (memory grows with it).")
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option(
            "--xlsx",
            help="Also write the results as an Excel workbook to this file (as `evhub export "
            "--xlsx`).",
        ),
    ] = None,
) -> None:
    """Run scenarios; write iamc.csv, scorecard.csv and evhub.duckdb; print the scorecard.

    With --samples N, also sample each scenario's distributions and pipeline
    projects N times and write iamc_quantiles.csv and targets.csv (the
    probability of meeting each target), with every member in the store.

    Each run is written whole into a new folder with a manifest.json (run id,
    dataset and scenario files with checksums, seed, every file's checksum)
    and swapped in at once: a reader sees the old results or the new ones.
    A folder that holds another run is only replaced with --force.
    """

    def work() -> Any:
        overrides = _parse_set(set_ or [])
        if xlsx is not None:
            excel.check_path(xlsx)  # before running
        data = api.load_dataset(dataset)  # once, for the request and the run
        request = layout.Request.of(
            scenarios or None,
            dataset=data,
            overrides=overrides,
            samples=samples,
            seed=seed,
            sampler=sampler,
        )
        with layout.lock(out, "--out"):
            layout.check_target(out, request, force=force, option="--out")  # before running
            return _run_into(request, data, overrides)

    def _run_into(request: layout.Request, data: Dataset, overrides: dict[str, Any]) -> Any:
        with _progress() as progress:
            task = progress.add_task("running scenarios", total=None)

            def step(done: int, total: int, name: str) -> None:
                if not name.startswith(("running", "writing")):
                    name = f"running {name}"  # a scenario's deterministic run
                progress.update(task, completed=done, total=total, description=name)

            results = api.run(
                scenarios or None,
                dataset=data,
                overrides=overrides,
                progress=step,
                samples=samples,
                seed=seed,
                sampler=sampler,
                chunk_size=chunk_size,
                workers=workers,
                scheduler=scheduler,
                stream_store=True,  # the store is written anyway: fill it as members finish
            )
            progress.update(task, description="writing results", completed=0, total=None)
            folder = results.write(out, progress=step, force=force, request=request)
        run_id = layout.Manifest.read(folder / layout.MANIFEST).run_id  # (still locked)
        if xlsx is not None:
            excel.write_xlsx(folder, xlsx)
        return results, folder, run_id

    results, folder, run_id = _guard(work)
    _print_scorecard(results.scorecard())
    files = ["iamc.csv", "scorecard.csv"]
    if results.ensemble is not None:
        files += ["iamc_quantiles.csv", "targets.csv"]
        members = results.ensemble.samples
        console.print(
            f"ensemble: {members:,} members per scenario ({results.ensemble.sampler}, seed "
            f"{results.ensemble.seed}); (p) = share of members that meet the target",
            soft_wrap=True,
        )
    shown = ", ".join(str(folder / f) for f in files)
    console.print(f"wrote {shown} and {folder / layout.STORE}", soft_wrap=True)
    if xlsx is not None:
        console.print(f"wrote {xlsx}", soft_wrap=True)
    manifest = folder / layout.MANIFEST
    console.print(f"run {run_id}: {folder / layout.RUNS / run_id}, see {manifest}", soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _print_scorecard(card: Any) -> None:
    scenarios = list(dict.fromkeys(card["scenario"]))
    table = Table(title="Scorecard", title_justify="left")
    table.add_column("indicator")
    table.add_column("year", justify="right")
    table.add_column("unit")
    for s in scenarios:
        table.add_column(s, justify="right")
    table.add_column("target", justify="right")
    if "p05" in card.columns:
        table.caption = "second line: 5th – 95th percentile of the ensemble"
        table.caption_justify = "left"
    for (label, year, unit), group in card.groupby(["indicator", "year", "unit"], sort=False):
        cells = []
        for s in scenarios:
            row = group[group["scenario"] == s].iloc[0]
            text = format_value(row["value"], unit)
            if row["met"] is not None:
                text = f"[green]{text} ✓[/]" if row["met"] else f"[red]{text} ✗[/]"
            p = row.get("probability")
            if p is not None and not (isinstance(p, float) and math.isnan(p)):
                text += f" ({p:.0%})"
            low, high = row.get("p05"), row.get("p95")
            if low is not None and not math.isnan(low) and low != high:
                text += f"\n[dim]{format_value(low, unit)} – {format_value(high, unit)}[/]"
            cells.append(text)
        targets = group["target"].dropna().unique()
        target = format_value(float(targets[0]), unit) if len(targets) == 1 else "per scenario"
        table.add_row(label, str(year), unit, *cells, target if len(targets) else "")
    console.print(table)


@scenarios_app.callback()
def scenarios_list(ctx: typer.Context, dataset: DatasetOption = None) -> None:
    """List the shipped scenarios (or use `scenarios show NAME`)."""
    if ctx.invoked_subcommand is not None:
        return
    listed = _guard(lambda: api.list_scenarios(dataset))
    table = Table(title="Scenarios", title_justify="left", show_lines=True)
    table.add_column("name", style="bold")
    table.add_column("extends")
    table.add_column("description")
    for s in listed:
        table.add_row(s.name, s.extends or "", s.description)
    console.print(table)


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="Scenario name or YAML file.")],
    dataset: DatasetOption = None,
    sources: Annotated[
        bool, typer.Option("--sources", help="List every source id (default: the first two).")
    ] = False,
) -> None:
    """Print a scenario's resolved parameters: path and meaning, value, unit, sources, draws."""
    resolved = _guard(lambda: api.resolve(name, dataset))
    data = _guard(lambda: api.load_dataset(dataset))
    table = Table(
        title=f"{resolved.name} ({' > '.join(resolved.chain)})",
        title_justify="left",
        caption=resolved.description,
        caption_justify="left",
    )
    rows = []
    for path, value in resolved.values.items():
        dist = resolved.distributions.get(path)
        unit = resolved.units.get(path, "")
        ids = _source_ids(resolved.provenance[path], data.path, every=sources)
        rows.append(
            (
                f"[bold]{escape(path)}[/]\n[dim]{escape(describe_path(path, data.dims))}[/]",
                number(value, unit, digits=6) if _is_number(value) else str(value),
                unit,
                "\n".join(escape(i) for i in ids),
                show_spec(dist.spec()) if dist else "",
            )
        )
    # the parameter column holds every path on one line; a source id is never broken
    # (only a file path longer than the column folds)
    widest_path = max((len(p) for p in resolved.values), default=10)
    widest_id = max(
        (len(i) for r in rows for i in r[3].split("\n") if "/" not in i and len(i) <= _ID_WIDTH),
        default=10,
    )
    table.add_column("parameter", width=widest_path)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit")  # wraps at a space: million / USD_2025/(GWh/yr)
    table.add_column("sources", overflow="fold", width=widest_id)
    table.add_column("ensemble draws", overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if resolved.distributions:
        console.print(
            f"{len(resolved.distributions)} parameters are distributions: a deterministic run "
            "uses the value shown (the central value); `evhub run --samples N` draws them.",
            soft_wrap=True,
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _source_ids(provenance: str, dataset: Path, every: bool) -> list[str]:
    """Source ids separated by ``;`` as a short list (the first two and how many more).

    A file inside the dataset folder is named relative to it (``scenarios/hub.yaml``).
    """
    ids = [_relative(i, dataset) for i in provenance.split(";") if i]
    shown = ids if every or len(ids) <= _SHOWN_SOURCES else ids[:_SHOWN_SOURCES]
    more = len(ids) - len(shown)
    return shown + ([f"(+{more} more: --sources)"] if more else [])


def _relative(source: str, dataset: Path) -> str:
    """A source that is a file inside the dataset folder, relative to it; others as they are."""
    path = Path(source)
    if not path.is_absolute():
        return source
    try:
        return str(path.resolve().relative_to(dataset.resolve()))
    except (ValueError, OSError):
        return source


#: Longest source id `scenarios show` keeps whole on one line [characters].
_ID_WIDTH = 32
#: Source ids `scenarios show` lists per parameter without --sources.
_SHOWN_SOURCES = 2


@data_app.command("validate")
def data_validate(
    folder: Annotated[
        Path | None, typer.Argument(help="Dataset folder (default: the shipped dataset).")
    ] = None,
) -> None:
    """Check a dataset as `run` does, short of simulating it (the same checks and messages).

    Files, years, ranges, sources, what the model needs, every shipped scenario and the pipeline.
    """
    summary = _guard(lambda: api.validate(folder))
    console.print(
        f"[green]ok[/] {summary['path']}: {summary['rows']} rows in {summary['tables']} tables, "
        f"{summary['assumptions']} assumptions, {summary['projects']} projects, "
        f"{summary['sources']} sources; "
        f"years {summary['first_year']}-{summary['base_year']} observed, to {summary['last_year']}",
        soft_wrap=True,
    )


@data_app.command("sources")
def data_sources(dataset: DatasetOption = None) -> None:
    """Print the bibliography of a dataset."""
    data = _guard(lambda: api.load_dataset(dataset))
    table = Table(title=f"Sources of {data.name}", title_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("publisher")
    table.add_column("title")
    table.add_column("date")
    table.add_column("url", overflow="fold", no_wrap=False)
    for src in data.sources.values():
        table.add_row(src.id, src.publisher, src.title, src.date, src.url)
    console.print(table)


@data_app.command("format")
def data_format(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the Markdown page to this file."),
    ] = None,
) -> None:
    """Print the dataset format as Markdown (docs/dataset.md is this output).

    Every file of a dataset folder: its columns, units, ranges, allowed keys and
    checks, the series the model needs and where each parameter's default comes from.
    """
    text = datadoc.markdown()
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", soft_wrap=True)


@choice_app.command("costs")
def choice_costs(
    vehicle_class: Annotated[
        str | None,
        typer.Option("--class", help="Vehicle class (default: the dataset's first)."),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(help="Show one origin (default: the home origin)."),
    ] = None,
    dataset: DatasetOption = None,
) -> None:
    """Print the generalised cost by powertrain and year, with its parts and units."""
    data = _guard(lambda: api.load_dataset(dataset))
    table = _guard(lambda: api.choice_costs(vehicle_class, dataset=data))
    where = data.dims.home if origin is None else origin
    if where not in data.dims.origins:
        _guard(lambda: _bad_origin(where, data.dims.origins.ids))
    units = table.attrs["units"]
    shown = table.xs(where, level="origin")
    out = Table(
        title=f"Generalised cost by powertrain and year, bought from "
        f"{data.dims.origins.label(where)}; units in brackets",
        title_justify="left",
    )
    out.add_column("powertrain")
    out.add_column("year", justify="right")
    for column in shown.columns:
        out.add_column(
            column.replace("_", "\n") + f"\n[{units[column]}]", justify="right", overflow="fold"
        )
    for key, row in shown.iterrows():
        powertrain, year = key  # type: ignore[misc]
        out.add_row(str(powertrain), str(year), *(_cell(float(v)) for v in row))
    console.print(out)


def _bad_origin(origin: str, known: Sequence[str]) -> None:
    msg = f"--origin {origin!r} is not an origin of the dataset ({list(known)})"
    raise InputError(msg)


@app.command()
def pipeline(
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Scenario name or YAML file (default: the dataset's first scenario): its "
            "stage probabilities, delays and project overrides.",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(help="Year of the usable-capacity column (default: first report year)."),
    ] = None,
    dataset: DatasetOption = None,
) -> None:
    """List the pipeline of plants and projects, by kind and expected capacity."""
    table = _guard(lambda: api.pipeline(scenario, year=year, dataset=dataset))
    _print_pipeline(table)


def _cell(value: Any, unit: str = "") -> str:
    """A number of the pipeline table (``-`` for none; whole vehicles, years as years)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "veh/yr":
        return f"{float(value):,.0f}"
    return number(value, unit)


def _print_pipeline(table: Any) -> None:
    year = table.attrs.get("year")
    out = Table(
        title=f"Pipeline in scenario {table.attrs.get('scenario')!r}: expected = capacity x p "
        f"(the probability of the stage or project); usable {year} = expected after the ramp, "
        "delays and closures",
        title_justify="left",
        show_lines=True,
    )
    for name, justify, no_wrap in (
        ("id\n[dim]sources[/]", "left", True),
        ("company", "left", False),
        ("kind", "left", True),
        ("site", "left", False),
        ("capacity", "right", True),
        ("start", "right", True),
        ("stage\n(confirmed)", "left", True),
        ("p", "right", True),
        ("expected", "right", True),
        (f"usable\n{year}", "right", True),
    ):
        out.add_column(name, justify=justify, no_wrap=no_wrap, overflow="fold")  # type: ignore[arg-type]
    for row in table.itertuples(index=False):
        unit = f"\n{row.capacity_unit}" if row.capacity_unit else ""
        capacity = _cell(row.capacity, row.capacity_unit)
        expected = _cell(row.expected_capacity, row.capacity_unit)
        usable = _cell(row.usable, row.capacity_unit)
        start = _cell(row.start_year, "yr")
        if not math.isnan(row.start) and (row.start_year is None or row.start != row.start_year):
            start = f"{start}\n-> {number(row.start, 'yr')}"
        ids = "\n".join(escape(i) for i in str(row.source or "").split(";") if i)
        out.add_row(
            f"[bold]{escape(row.id)}[/]\n[dim]{ids}[/]",
            row.company,
            kind_label(row.kind),
            row.site,
            capacity + (unit if capacity != "-" else ""),
            start,
            f"{row.stage}\n({row.stage_date})",
            f"{row.probability:.2f}",
            expected + (unit if expected != "-" else ""),
            usable,
        )
    console.print(out)


@app.command()
def calibrate(
    scenario: Annotated[
        str, typer.Argument(help="Scenario giving the starting values.")
    ] = "baseline",
    start: Annotated[
        int | None,
        typer.Option(help="First calibration year (default: calibration_start of dataset.yaml)."),
    ] = None,
    end: Annotated[
        int | None, typer.Option(help="Last calibration year (default: base year).")
    ] = None,
    vehicle_class: Annotated[
        str | None,
        typer.Option(
            "--class", help="Vehicle class to calibrate (default: the dataset's only class)."
        ),
    ] = None,
    dataset: DatasetOption = None,
) -> None:
    """Fit the lifetime so the stock from sourced sales reproduces the observed stock."""
    with console.status("fitting the lifetime to the observed stock"):
        result = _guard(
            lambda: api.calibrate(
                scenario, dataset=dataset, start=start, end=end, vehicle_class=vehicle_class
            )
        )
    table = Table(title="Stock: observed vs modelled", title_justify="left")
    for col in ("year", "observed [veh]", "modelled [veh]", "error [%]"):
        table.add_column(col, justify="right")
    for row in result.table.itertuples():
        err = f"{row.error_percent:+.2f}"
        table.add_row(str(row.year), f"{row.observed:,.0f}", f"{row.modelled:,.0f}", err)
    console.print(table)
    console.print(f"largest error: {result.max_abs_error_percent:.2f} %")
    mix = Table(title="Stock by fuel: observed vs modelled [%]", title_justify="left")
    for col in ("year", "fuel", "observed", "modelled"):
        mix.add_column(col, justify="right")
    for row in result.shares.itertuples():
        mix.add_row(str(row.year), str(row.fuel), f"{row.observed:.1f}", f"{row.modelled:.1f}")
    console.print(mix)
    for path, value in result.parameters.items():
        console.print(f"  {path} = {quantity(value, unit_of(path))}")
    console.print("Put these in the dataset's assumptions.csv (or a scenario) to use them.")


OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="Results folder: the two CSVs and a JSON summary go into OUT/sensitivity/ (beside "
        "the results of `evhub run --out OUT`; each file replaced at once, the run's files "
        "untouched).",
    ),
]


@app.command()
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Scenario name or YAML file.")],
    indicator: Annotated[
        str,
        typer.Option(help="IAMC variable or scorecard indicator, e.g. 'Plant jobs'."),
    ],
    year: Annotated[int, typer.Option(help="Year of the indicator.")],
    method: Annotated[
        Method, typer.Option(parser=_AS_GIVEN, help="sobol (indices) or morris (screening).")
    ] = "sobol",
    samples: Annotated[
        int, typer.Option(help="Base samples N (Sobol: N(d+2) runs; Morris: N(d+1)).")
    ] = 256,
    seed: Annotated[int, typer.Option(help="Seed of the sampling and the bootstrap.")] = 0,
    workers: Annotated[
        int | None, typer.Option(help="Run on a local Dask cluster of K processes.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on an existing Dask scheduler (address).")
    ] = None,
    out: OutOption = Path("results"),
    dataset: DatasetOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Which uncertain inputs decide an indicator: Sobol or Morris indices (SALib), ranked.

    Writes OUT/sensitivity/sensitivity-<scenario>-<indicator>-<year>-<method>.csv
    (the indices), ...-tornado.csv (one input at a time) and ....json (what
    the analysis is of, with the indicator's unit), beside the results of
    `evhub run --out OUT`.
    """

    def work() -> Any:
        with layout.lock(out, "--out"):
            layout.check_folder(out, "--out")  # before the analysis runs
            return analyse()

    def analyse() -> Any:
        with _progress() as progress:
            task = progress.add_task("sampling", total=None)

            def step(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description=name)

            result = api.sensitivity(
                scenario,
                indicator,
                year,
                method=method,
                samples=samples,
                seed=seed,
                dataset=dataset,
                overrides=_parse_set(set_ or []),
                workers=workers,
                scheduler=scheduler,
                progress=step,
            )
        stem = result.file_stem()
        indices, tornado = layout.sensitivity_files(stem)
        summary = {**result.summary(), "evhub_version": layout.evhub_version()}
        paths = _write_analysis(
            out,
            layout.SENSITIVITY,
            {
                indices: lambda p: result.indices.to_csv(p, index=False),  # full precision
                tornado: lambda p: result.tornado.to_csv(p, index=False),
                layout.summary_file(stem): lambda p: _write_json(p, summary),
            },
        )
        return result, paths

    result, paths = _guard(work)
    _print_sensitivity(result)
    console.print(f"wrote {', '.join(str(p) for p in paths)}", soft_wrap=True)


def _print_sensitivity(result: Any) -> None:
    unit = result.unit
    base = float(result.tornado["base"].iloc[0]) if len(result.tornado) else None
    shown = escape(f" [{unit}]") if unit else ""  # not rich markup
    table = Table(
        title=f"{result.variable}{shown} in {result.year}, scenario {result.scenario!r}: "
        f"{result.method} indices from {result.runs:,} runs (95 % confidence)",
        title_justify="left",
    )
    sobol = result.method == "sobol"
    effects = ("S1 [1]", "ST [1]") if sobol else (f"mu*{shown}", f"sigma{shown}")
    for name in ("rank", "input", *effects, "distribution"):
        table.add_column(name, justify="left" if name in ("input", "distribution") else "right")
    for row in result.indices.itertuples(index=False):
        if sobol:
            cells = [f"{row.S1:.3f} ± {row.S1_conf:.3f}", f"{row.ST:.3f} ± {row.ST_conf:.3f}"]
        else:
            cells = [
                f"{number(row.mu_star, reference=base)} ± "
                f"{number(row.mu_star_conf, reference=base)}",
                number(row.sigma, reference=base),
            ]
        table.add_row(str(row.rank), row.input, *cells, row.distribution)
    console.print(table)
    tornado = Table(
        title="One at a time: the input at its 5th and 95th percentile (a project: not "
        f"realised / realised), the rest central; the indicator{shown}",
        title_justify="left",
    )
    for name in ("input", "unit", "low", "high", "at low", "at high", "swing"):
        tornado.add_column(name, justify="left" if name in ("input", "unit") else "right")
    for row in result.tornado.head(10).itertuples(index=False):
        tornado.add_row(
            row.input,
            row.unit,
            number(row.low_value, row.unit),
            number(row.high_value, row.unit),
            number(row.at_low, reference=base),
            number(row.at_high, reference=base),
            number(row.swing, reference=base),
        )
    console.print(tornado)
    if base is not None:
        console.print(f"all inputs central: {quantity(base, unit, digits=6)}")


@app.command()
def goalseek(
    scenario: Annotated[str, typer.Argument(help="Scenario name or YAML file.")],
    target: Annotated[
        str, typer.Option(help="IAMC variable or scorecard indicator to bring to the value.")
    ],
    year: Annotated[int, typer.Option(help="Year of the target.")],
    value: Annotated[float, typer.Option(help="Target value, in the indicator's unit.")],
    vary: Annotated[str, typer.Option(help="Dotted path of the parameter to vary.")],
    range_: Annotated[
        tuple[float, float], typer.Option("--range", help="Low and high end of the parameter.")
    ],
    probability: Annotated[
        float | None,
        typer.Option(help="Seek the value where this share of an ensemble meets the target."),
    ] = None,
    samples: Annotated[
        int, typer.Option(help="Members of the ensemble (with --probability).")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the ensemble's draws.")] = 0,
    direction: Annotated[
        Direction | None,
        typer.Option(
            parser=_AS_GIVEN, help="max (at most) or min (at least); default: the scorecard's."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Results folder: write the scan (CSV) and the answer (JSON) into OUT/goalseek/ "
            "(beside the results of `evhub run --out OUT`; each file replaced at once).",
        ),
    ] = None,
    dataset: DatasetOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: PATH=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Find the value of one parameter that meets a target (SciPy root finding).

    With --out OUT, writes OUT/goalseek/goalseek-<scenario>-<indicator>-<year>-<parameter>.csv
    (the parameter over the range and the indicator, or the probability, at each point)
    and ....json (the question, the answer and their units), with or without a solution.
    """

    def work() -> Any:
        if out is None:
            return seek()
        with layout.lock(out, "--out"):
            layout.check_folder(out, "--out")  # before the search runs
            found, results = seek()
            return found, results, _write_goalseek(out, found)

    def seek() -> Any:
        overrides = _parse_set(set_ or [])
        with _progress() as progress:
            task = progress.add_task("scanning the range", total=None)

            def step(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description="goal seek")

            found = api.goalseek(
                scenario,
                target=target,
                year=year,
                value=value,
                vary=vary,
                low=range_[0],
                high=range_[1],
                probability=probability,
                samples=samples,
                seed=seed,
                direction=direction,
                dataset=dataset,
                overrides=overrides,
                progress=step,
            )
            results = None
            if found.solution is not None:
                progress.update(task, description="running the scenario at the solution")
                # show the sought target on the scorecard where it is one of its goals
                goal = {
                    f"targets.{ind.goal}": {"year": year, "value": value}
                    for ind in scorecard_indicators(api.load_dataset(dataset).dims)
                    if ind.goal and ind.variable == found.variable
                }
                results = api.run(
                    scenario,
                    dataset=dataset,
                    overrides={**overrides, **goal, vary: found.solution},
                    samples=samples if probability is not None else None,
                    seed=seed,
                )
        return found, results

    found, results, *written = _guard(work)
    if found.solution is None:
        console.print(f"[red]{escape(found.message)}[/]", soft_wrap=True)
    else:
        console.print(f"[green]{escape(found.message)}[/]", soft_wrap=True)
        _print_scorecard(results.scorecard())
        solution = quantity(found.solution, found.parameter_unit, digits=6)
        console.print(
            f"scorecard of {found.scenario!r} with {found.parameter} = {solution}", soft_wrap=True
        )
    if written:
        console.print(f"wrote {', '.join(str(p) for p in written[0])}", soft_wrap=True)
    if found.solution is None:
        raise typer.Exit(code=1)


def _write_goalseek(out: Path, found: Any) -> list[Path]:
    """Write a goal seek's scan and summary into ``out/goalseek`` at once."""
    scan_file, summary_file = layout.goalseek_files(found.file_stem())
    summary = {**found.summary(), "evhub_version": layout.evhub_version()}
    return _write_analysis(
        out,
        layout.GOALSEEK,
        {
            scan_file: lambda p: found.scan.to_csv(p, index=False),  # full precision
            summary_file: lambda p: _write_json(p, summary),
        },
    )


@app.command()
def report(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder written by `evhub run`.")
    ] = Path("results"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="HTML file to write (default: into the current run's folder, linked as "
            "RESULTS_DIR/report.html).",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a results folder (opens offline).

    The folder's files must be those of one run: each is checked against the
    run's manifest.json. The report goes into the run's own folder, so a
    later run never shows it beside its new data.

    The scorecard with the probability of meeting each target, fan charts
    (5-95 %, 25-75 %, median) against the targets, sales and stock by
    powertrain, the pipeline, each scenario's assumptions and every source.
    """
    from evhub.report import write_report

    def work() -> Path:
        with _progress() as progress:
            progress.add_task(f"writing the report of {results_dir}", total=None)
            return write_report(results_dir, out)

    path = _guard(work)
    size = path.stat().st_size / 1e6
    console.print(f"wrote {path} ({size:.1f} MB)", soft_wrap=True)


@app.command()
def export(
    xlsx: Annotated[
        Path,
        typer.Option(
            "--xlsx",
            help="Excel workbook to write (.xlsx; its folder must exist, a file of that name "
            "is replaced).",
        ),
    ],
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder written by `evhub run`.")
    ] = Path("results"),
) -> None:
    """Export a results folder for spreadsheet users: one Excel workbook (needs openpyxl).

    Sheets: README (the run, the evhub version, the dataset, the date, what
    each sheet holds), IAMC (years as columns), with an ensemble IAMC
    quantiles, Scorecard, Inputs (with units, meanings, sources and their
    references), with an ensemble Distributions, Pipeline and Sources.
    The files of the folder must be those of one run (checked against its
    manifest.json, as `evhub report` does).
    """

    def work() -> Path:
        with _progress() as progress:
            progress.add_task(f"writing the workbook of {results_dir}", total=None)
            return excel.write_xlsx(results_dir, xlsx)

    path = _guard(work)
    size = path.stat().st_size / 1e6
    console.print(f"wrote {path} ({size:.1f} MB)", soft_wrap=True)


@app.command()
def parameters(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the Markdown table to this file."),
    ] = None,
) -> None:
    """Print the parameter catalogue as a Markdown table (docs/parameters.md is this output).

    Every scenario parameter: its path template, dimensions, unit, type,
    bounds and their reason, where its default comes from and what it means.
    """
    from evhub.parameters import markdown

    text = markdown()
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", soft_wrap=True)


@app.command()
def dashboard(
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port on localhost.", min=1, max=65535)
    ] = 8501,
    dataset: DatasetOption = None,
) -> None:
    """Start the dashboard (Streamlit) on http://127.0.0.1:PORT; stop it with Ctrl+C.

    Pick a scenario, change its key assumptions, run it (or an ensemble),
    compare up to four runs on the same charts, and download the IAMC CSV.
    """
    from evhub.dashboard import serve

    if dataset is not None:  # a bad folder fails before the server starts
        _guard(lambda: api.load_dataset(dataset))
    console.print(f"evhub dashboard on http://127.0.0.1:{port} (Ctrl+C stops it)", soft_wrap=True)
    code = _guard(lambda: serve(port=port, dataset=dataset))
    raise typer.Exit(code=code)


def main() -> None:  # pragma: no cover - entry point
    """Entry point for ``python -m evhub``."""
    app(prog_name="evhub")


if __name__ == "__main__":  # pragma: no cover
    main()
