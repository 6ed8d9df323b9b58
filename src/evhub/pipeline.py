r"""Read and validate the pipeline registry of a dataset.

The registry (``pipeline.csv``) has one row per plant, production line or
project that could add vehicle or battery capacity: who, where, what kind,
how much, when, at which stage and from which sources. The default
probability that a project at a given stage is realised lives beside it in
``stage_probabilities.csv`` (modelling assumptions with ranges). Both are
declared in the ``pipeline`` block of the package's ``schema.yaml``.

Loading checks every row and reports every problem with the file, the row,
the column and the value, like :mod:`evhub.dataset`. The capacity model that
turns projects into usable capacity year by year comes later; this module
only reads, validates and computes the expected capacity

.. math:: C_\mathrm{expected} = C \cdot p(\mathrm{stage})
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evhub.dataset import Dataset, raise_problems, read_csv_strict, schema
from evhub.dims import Dims
from evhub.readable import exact

__all__ = [
    "PER_MEMBER",
    "PIPELINE_FILE",
    "SHARE_TOLERANCE",
    "STAGE_COLUMNS",
    "STAGE_FILE",
    "Project",
    "StageProbability",
    "expected_capacity",
    "kind_label",
    "load_pipeline",
    "load_stage_probabilities",
    "pipeline_table",
    "share_columns",
    "sort_table",
    "vehicle_segments",
]

#: File names inside a dataset folder.
PIPELINE_FILE = "pipeline.csv"
STAGE_FILE = "stage_probabilities.csv"

#: A column of ``schema.yaml`` that stands for one column per member of a dimension.
PER_MEMBER = re.compile(r"^(?P<prefix>[a-z_]*)\{(?P<dimension>[a-z_]+)\}$")

#: The columns of ``stage_probabilities.csv``, in order.
STAGE_COLUMNS = ["stage", "probability", "low", "high", "source", "note"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: The registry kind of vehicle plants, the one kind with a segment.
_VEHICLE = "vehicle_assembly"
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
#: Published shares are rounded; a mix within this of 1 is taken as complete [1].
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Project:
    """One row of ``pipeline.csv``.

    Attributes
    ----------
    id, company, home_country, kind, site
        Identity of the project; ``kind`` is one of the schema's kinds
        (``vehicle_assembly``, ``cell``, ``pack``, ``component``, ``rnd``).
    segment
        For vehicle plants, what they build: ``car`` (passenger cars) or
        ``lcv`` (light commercial vehicles); empty for other kinds.
    replaces
        Id of the project whose capacity this one takes over (a new line
        inside an existing plant), or empty.
    capex_year
        The year of the dollars of ``capex_usd`` [yr] (the date of the cited
        figure or conversion); ``None`` where ``capex_usd`` is.
    end_year
        Last year of production of a plant that closed or will close [yr];
        ``None`` if open.
    capacity
        Nameplate capacity when complete [veh/yr or GWh/yr, see
        ``capacity_unit``]; ``None`` if not published.
    capacity_unit
        ``veh/yr`` or ``GWh/yr`` (empty for R&D).
    shares
        Output mix by powertrain (``bev``, ``phev``, ``hev``, ``ice``) [1],
        summing to 1; empty for cells, packs and R&D, and for vehicle projects
        whose capacity is not published.
    start_year
        Announced start of production [yr]; ``None`` if not published or
        before the model years (a plant already producing).
    capex_usd
        Investment [USD of ``capex_year``]; ``None`` if no USD figure or cited
        conversion exists.
    jobs
        Direct jobs [persons]; ``None`` if not published.
    stage, stage_date
        Stage of the project and the date it was last confirmed.
    sources
        Source ids in ``sources.yaml``.
    note
        Derivations and caveats.
    """

    id: str
    company: str
    home_country: str
    kind: str
    site: str
    capacity: float | None
    capacity_unit: str
    shares: Mapping[str, float]
    start_year: int | None
    capex_usd: float | None
    jobs: int | None
    stage: str
    stage_date: str
    sources: tuple[str, ...]
    note: str = ""
    segment: str = ""
    replaces: str = ""
    end_year: int | None = None
    capex_year: int | None = None

    @property
    def stage_year(self) -> int:
        """Year of :attr:`stage_date` [yr]."""
        return int(self.stage_date[:4])


@dataclass(frozen=True)
class StageProbability:
    """Default probability that a project at one stage is realised [1], with its range."""

    stage: str
    probability: float
    low: float
    high: float
    source: str
    note: str = ""


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = schema()["pipeline"]
    return spec


def _columns(dims: Dims) -> dict[str, dict[str, Any]]:
    """The registry's columns, ``share_{powertrain_groups}`` expanded over the dimension."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in _spec()["columns"].items():
        match = PER_MEMBER.match(name)
        if match is None:
            out[name] = spec
            continue
        for member in getattr(dims, match["dimension"]).ids:
            out[f"{match['prefix']}{member}"] = spec
    return out


def kind_label(kind: str) -> str:
    """A registry kind as tables show it (``vehicle_assembly`` -> ``vehicles``; schema.yaml)."""
    spec = _spec()["kinds"].get(kind)
    return str(spec["label"]) if spec is not None else kind


def share_columns(dims: Dims) -> tuple[str, ...]:
    """The output-mix columns of the registry: ``share_<group>`` per powertrain group."""
    return tuple(f"share_{group}" for group in dims.powertrain_groups.ids)


def _read(path: Path, expected: Sequence[str]) -> pd.DataFrame:
    return read_csv_strict(path, list(expected))


def _raise(path: Path, problems: list[str]) -> None:
    raise_problems(path, problems, what="")


class _Row:
    """Parse the cells of one CSV row, collecting problems as ``file: row N: ...``."""

    def __init__(self, path: Path, line: int, row: Mapping[Any, str], problems: list[str]) -> None:
        self.where = f"{path}: row {line}"
        self.row: Mapping[Any, str] = row
        self.problems = problems

    def bad(self, column: str, expected: str) -> None:
        value = self.row[column]
        self.problems.append(f"{self.where}: column {column!r} = {value!r} {expected}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.row[column].strip()
        if required and not value:
            self.problems.append(f"{self.where}: column {column!r} is empty")
        return value

    def number(self, column: str, low: float, high: float) -> float | None:
        text = self.row[column].strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.bad(column, "is not a number")
            return None
        if not math.isfinite(value):
            self.bad(column, "is not finite")
            return None
        if value < 0 <= low:
            self.bad(column, "is negative")
            return None
        if not low <= value <= high:
            self.bad(column, f"is outside the plausible range [{exact(low)}, {exact(high)}]")
            return None
        return value

    def whole(self, column: str, low: float, high: float, expected: str) -> int | None:
        text = self.row[column].strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.bad(column, "is not a number")
            return None
        if not math.isfinite(value) or value != int(value):
            self.bad(column, "is not a whole number")
            return None
        if not low <= value <= high:
            self.bad(column, expected)
            return None
        return int(value)

    def sources(self, known: Mapping[str, Any]) -> tuple[str, ...]:
        ids = tuple(s.strip() for s in self.row["source"].split(";") if s.strip())
        if not ids:
            self.problems.append(
                f"{self.where}: column 'source' is empty; every row names its source id"
            )
        for sid in ids:
            if sid not in known:
                self.problems.append(
                    f"{self.where}: column 'source' = {sid!r} is not an id in sources.yaml"
                )
        return ids


def _check_shares(
    r: _Row, kind: str, capacity: float | None, columns: Sequence[str]
) -> dict[str, float]:
    given = {c: r.row[c].strip() for c in columns}
    kinds = _spec()["kinds"]
    if not kinds.get(kind, {}).get("shares", False):
        for column, text in given.items():
            if text:
                r.bad(column, f"is given for kind {kind!r}; leave the powertrain shares empty")
        return {}
    if not any(given.values()):
        if capacity is not None:
            r.problems.append(
                f"{r.where}: columns {list(columns)} are empty; a vehicle plant "
                "with a capacity gives its powertrain mix (fractions summing to 1)"
            )
        return {}
    shares: dict[str, float] = {}
    for column in columns:
        if not given[column]:
            r.problems.append(
                f"{r.where}: column {column!r} is empty; give all of {list(columns)} or none"
            )
            continue
        value = r.number(column, 0.0, 1.0)
        if value is not None:
            shares[column.removeprefix("share_")] = value
    if len(shares) == len(columns):
        total = sum(shares.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            cells = ", ".join(f"{c} = {given[c]!r}" for c in columns)
            r.problems.append(
                f"{r.where}: powertrain mix {cells} sums to {exact(total)}; expected 1 "
                "(fractions of the output)"
            )
    return shares


def vehicle_segments(dims: Dims) -> list[str]:
    """The segments a vehicle plant of the registry may have, in member order.

    The ``segment`` of each project kind of ``dimensions.yaml`` whose
    ``registry_kinds`` hold ``vehicle_assembly``.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> vehicle_segments(load_dataset().dims)
    ['car', 'lcv']
    """
    kinds = dims.project_kinds.members
    found = (m.attributes["segment"] for m in kinds if _VEHICLE in m.attributes["registry_kinds"])
    return list(dict.fromkeys(s for s in found if s))


def _parse_project(r: _Row, data: Dataset) -> Project:
    spec = _spec()
    columns = spec["columns"]
    pid = r.text("id")
    if pid and not _ID.match(pid):
        r.bad("id", "is not a valid id (lowercase letters, digits and '-')")
    kind = r.text("kind")
    if kind and kind not in spec["kinds"]:
        r.bad("kind", f"is not one of {list(spec['kinds'])}")
    stage = r.text("stage")
    if stage and stage not in data.dims.stages:
        r.bad("stage", f"is not one of {list(data.dims.stages.ids)}")
    stage_date = r.text("stage_date")
    if stage_date and not _DATE.match(stage_date):
        r.bad("stage_date", "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    elif stage_date:
        rows = schema()["years"]["rows"]
        if int(stage_date[:4]) < rows["min"]:
            r.bad("stage_date", f"is before {rows['min']} ({rows['reason']})")
        elif int(stage_date[:4]) > data.last_year:
            r.bad(
                "stage_date",
                f"is after the last model year {data.last_year} of {data.path / 'dataset.yaml'}",
            )
    cap = columns["capacity"]
    capacity = r.number("capacity", float(cap["min"]), float(cap["max"]))
    unit = r.text("capacity_unit", required=False)
    units = spec["kinds"].get(kind, {}).get("units")
    if r.row["capacity"].strip() and not unit:
        r.problems.append(
            f"{r.where}: column 'capacity' = {r.row['capacity']!r} has no unit; "
            f"column 'capacity_unit' is empty (expected one of {units})"
        )
    elif unit and units is not None and unit not in units:
        r.bad("capacity_unit", f"is not a unit for kind {kind!r}; expected one of {units}")
    shares = _check_shares(r, kind, capacity, share_columns(data.dims))
    segment = r.text("segment", required=False)
    segments = vehicle_segments(data.dims)
    if kind == _VEHICLE and segment not in segments:
        r.bad("segment", f"is not one of {segments} (what a vehicle plant builds)")
    elif kind and kind != _VEHICLE and segment:
        r.bad("segment", f"is given for kind {kind!r}; only vehicle plants have a segment")
    start_year = r.whole(
        "start_year",
        data.first_year,
        data.last_year,
        f"is outside the model years {data.first_year}-{data.last_year} "
        f"of {data.path / 'dataset.yaml'}",
    )
    end_year = r.whole(
        "end_year",
        data.first_year,
        data.last_year,
        f"is outside the model years {data.first_year}-{data.last_year} "
        f"of {data.path / 'dataset.yaml'}",
    )
    if start_year is not None and end_year is not None and end_year < start_year:
        r.bad("end_year", f"is before the start year {start_year}")
    capex = r.number("capex_usd", float(columns["capex_usd"]["min"]), columns["capex_usd"]["max"])
    year_spec = columns["capex_year"]
    capex_year = r.whole(
        "capex_year",
        year_spec["min"],
        year_spec["max"],
        f"is outside the plausible range [{exact(year_spec['min'])}, {exact(year_spec['max'])}]",
    )
    if r.row["capex_usd"].strip() and not r.row["capex_year"].strip():
        r.bad("capex_usd", "has no capex_year: the year of its dollars is required")
    elif r.row["capex_year"].strip() and not r.row["capex_usd"].strip():
        r.bad("capex_year", "is given without a capex_usd")
    jobs_spec = columns["jobs"]
    jobs = r.whole(
        "jobs",
        jobs_spec["min"],
        jobs_spec["max"],
        f"is outside the plausible range [{exact(jobs_spec['min'])}, {exact(jobs_spec['max'])}]",
    )
    return Project(
        id=pid,
        company=r.text("company"),
        home_country=r.text("home_country"),
        kind=kind,
        site=r.text("site"),
        capacity=capacity,
        capacity_unit=unit,
        shares=shares,
        start_year=start_year,
        capex_usd=capex,
        capex_year=capex_year,
        jobs=jobs,
        stage=stage,
        stage_date=stage_date,
        sources=r.sources(data.sources),
        note=r.text("note", required=False),
        segment=segment,
        replaces=r.text("replaces", required=False),
        end_year=end_year,
    )


def load_pipeline(dataset: Dataset) -> list[Project]:
    """Read and validate the pipeline registry of a dataset.

    Parameters
    ----------
    dataset
        A loaded dataset; ``pipeline.csv`` is read from its folder, and its
        model years and sources are used for the checks.

    Returns
    -------
    list of Project
        In the order of the file.

    Raises
    ------
    InputError
        Listing every problem (unknown kind or stage, negative or implausible
        capacity, capacity without unit, a powertrain mix that does not sum to
        1, duplicate ids, a start year outside the model years, unknown source
        ids, ...), each naming the file, row, column and value.
    """
    path = dataset.path / PIPELINE_FILE
    frame = _read(path, list(_columns(dataset.dims)))
    problems: list[str] = []
    projects: list[Project] = []
    first_line: dict[str, int] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2  # the header is line 1
        r = _Row(path, line, row, problems)
        project = _parse_project(r, dataset)
        if project.id in first_line:
            r.bad("id", f"is a duplicate; the id is already used in row {first_line[project.id]}")
        elif project.id:
            first_line[project.id] = line
        projects.append(project)
    _check_replaces(path, projects, problems)
    _raise(path, problems)
    _check_producers(dataset, projects)
    return projects


def _check_producers(dataset: Dataset, projects: Sequence[Project]) -> None:
    """Every producer of ``industry.csv`` production and exports is ``''`` or a vehicle plant id.

    ``''`` is the industry association's total.
    """
    path = dataset.path / "industry.csv"
    plants = {p.id for p in projects if p.kind == "vehicle_assembly"}
    problems: list[str] = []
    for variable in ("production", "exports"):
        rows = dataset.rows("industry", variable)
        for index, producer in zip(rows.index, rows["producer"], strict=True):
            if producer and producer not in plants:
                problems.append(
                    f"{path}: row {int(index) + 2}: column 'producer' = {producer!r} of "
                    f"{variable!r} is not a vehicle plant id in {dataset.path / PIPELINE_FILE} "
                    "(or '' for the total)"
                )
    _raise(path, problems)


def _check_replaces(path: Path, projects: Sequence[Project], problems: list[str]) -> None:
    by_id = {p.id: p for p in projects}
    for line, p in enumerate(projects, start=2):
        if not p.replaces:
            continue
        parent = by_id.get(p.replaces)
        where = f"{path}: row {line}: column 'replaces' = {p.replaces!r}"
        if parent is None:
            problems.append(f"{where} is not a project id in this file")
        elif parent.id == p.id:
            problems.append(f"{where} names the project itself")
        elif (parent.kind, parent.segment) != (p.kind, p.segment):
            problems.append(
                f"{where} is a {parent.kind} {parent.segment} project; a line can only "
                f"take over capacity of its own kind ({p.kind} {p.segment})"
            )


def load_stage_probabilities(dataset: Dataset) -> dict[str, StageProbability]:
    """Read and validate the default realisation probability of each stage.

    Every stage of the schema must appear exactly once, with
    ``0 <= low <= probability <= high <= 1`` and a known source id.

    Returns
    -------
    dict
        Stage name -> :class:`StageProbability`, in the order of the dataset's stages.

    Raises
    ------
    InputError
        Naming the file, row, column and value of every problem.
    """
    path = dataset.path / STAGE_FILE
    frame = _read(path, STAGE_COLUMNS)
    stages = list(dataset.dims.stages.ids)
    problems: list[str] = []
    found: dict[str, StageProbability] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        r = _Row(path, line, row, problems)
        stage = r.text("stage")
        if stage and stage not in stages:
            r.bad("stage", f"is not one of {stages}")
        elif stage in found:
            r.bad("stage", "is given twice")
        values = [r.number(c, 0.0, 1.0) for c in ("probability", "low", "high")]
        for column, value in zip(("probability", "low", "high"), values, strict=True):
            if value is None and row[column].strip() == "":
                problems.append(f"{r.where}: column {column!r} is empty")
        sources = r.sources(dataset.sources)
        prob, low, high = values
        if prob is None or low is None or high is None:
            continue
        if not low <= prob <= high:
            r.bad("probability", f"is outside its range low={exact(low)} high={exact(high)}")
        if stage in stages and stage not in found:
            found[stage] = StageProbability(
                stage, prob, low, high, ";".join(sources), r.text("note", required=False)
            )
    missing = [s for s in stages if s not in found]
    if missing and not problems:
        problems.append(f"{path}: no row for stage(s) {missing}; every stage needs a probability")
    _raise(path, problems)
    return {s: found[s] for s in stages}


def expected_capacity(
    project: Project, probabilities: Mapping[str, StageProbability | float]
) -> float:
    """Expected capacity of a project: capacity times the probability of its stage.

    Parameters
    ----------
    project
        A project of the registry.
    probabilities
        Stage -> probability [1] (a :class:`StageProbability` or a number).

    Returns
    -------
    float
        ``capacity * p(stage)`` [the project's ``capacity_unit``]; NaN when the
        capacity is not published.

    Examples
    --------
    >>> p = Project("x", "Co", "TR", "cell", "Gemlik", 20.0, "GWh/yr", {}, 2026,
    ...             None, None, "construction", "2023", ("src",))
    >>> expected_capacity(p, {"construction": 0.9})
    18.0
    """
    if project.capacity is None:
        return math.nan
    p = probabilities[project.stage]
    prob = p.probability if isinstance(p, StageProbability) else float(p)
    return project.capacity * prob


def pipeline_table(
    projects: Sequence[Project],
    probabilities: Mapping[str, StageProbability],
    shares: Sequence[str],
) -> pd.DataFrame:
    """The registry as a table with each project's probability and expected capacity.

    Rows are grouped by kind (vehicle assembly, cells, packs, components, R&D)
    and sorted within a kind by expected capacity, largest first; projects
    without a published capacity come last in their kind.

    Parameters
    ----------
    projects
        The registry (:func:`load_pipeline`).
    probabilities
        Each stage's probability of realisation.
    shares
        The output-mix columns, in order (:func:`share_columns`).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, company, home_country, kind, site, capacity, capacity_unit``,
        the ``shares`` columns, ``start_year, capex_usd, jobs,
        stage, stage_date, probability, expected_capacity, source, note`` (``capacity`` and
        ``expected_capacity`` in ``capacity_unit``).
    """
    records = []
    for p in projects:
        records.append(
            {
                "id": p.id,
                "company": p.company,
                "home_country": p.home_country,
                "kind": p.kind,
                "site": p.site,
                "capacity": math.nan if p.capacity is None else p.capacity,
                "capacity_unit": p.capacity_unit,
                **{c: p.shares.get(c.removeprefix("share_"), math.nan) for c in shares},
                "start_year": p.start_year,
                "capex_usd": p.capex_usd,
                "jobs": p.jobs,
                "stage": p.stage,
                "stage_date": p.stage_date,
                "probability": probabilities[p.stage].probability,
                "expected_capacity": expected_capacity(p, probabilities),
                "source": ";".join(p.sources),
                "note": p.note,
            }
        )
    return sort_table(pd.DataFrame.from_records(records))


def sort_table(table: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by kind, then by expected capacity (largest first, unknown last)."""
    if table.empty:
        return table
    order = {k: i for i, k in enumerate(_spec()["kinds"])}  # the schema's order of kinds
    table = table.assign(_kind=table["kind"].map(order)).sort_values(
        ["_kind", "expected_capacity", "capacity", "id"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="stable",
    )
    return table.drop(columns="_kind").reset_index(drop=True)
