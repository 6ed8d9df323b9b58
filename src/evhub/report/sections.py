"""The report's tables: the scorecard, the pipeline of projects and each scenario's assumptions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from markupsafe import Markup

from evhub import figures
from evhub.pipeline import kind_label
from evhub.report.formatting import (
    DASH,
    format_probability,
    format_value,
    input_text,
    is_missing,
    prose,
    short_number,
    whole_number,
    year_text,
)
from evhub.report.read import ResultsFolder
from evhub.report.sources import Ref, input_refs, refs

__all__ = [
    "Distribution",
    "Input",
    "Project",
    "ProjectCell",
    "ScenarioInputs",
    "ScoreCell",
    "ScoreRow",
    "assumptions",
    "pipeline_rows",
    "scorecard_rows",
]

#: Unit of parameters that are years (shown without a thousands separator).
_YEAR_UNIT = "yr"


@dataclass
class ScoreCell:
    """A scenario's cell of a scorecard row: value, met, odds and band, own target."""

    text: str
    met: bool | None = None
    probability: str = ""
    band: str = ""
    target: str = ""


@dataclass
class ScoreRow:
    """A row of the scorecard: an indicator in a year, with one cell per scenario."""

    indicator: str
    year: int
    unit: str
    target: str
    cells: list[ScoreCell | None] = field(default_factory=list)


def scorecard_rows(card: pd.DataFrame, scenarios: Sequence[str], ensemble: bool) -> list[ScoreRow]:
    """The scorecard rows, indicators in the store's order, one cell per scenario."""
    rows = []
    for (label, year, unit), group in card.groupby(["indicator", "year", "unit"], sort=False):
        targets = [float(t) for t in group["target"].dropna().unique()]
        per_scenario = len(targets) > 1
        row = ScoreRow(
            indicator=str(label),
            year=whole_number(year),
            unit=str(unit),
            target=(
                "per scenario" if per_scenario else format_value(targets[0]) if targets else ""
            ),
        )
        for scen in scenarios:
            match = group[group["scenario"] == scen]
            if match.empty:
                row.cells.append(None)
                continue
            rec = match.iloc[0]
            cell = ScoreCell(format_value(rec["value"]))
            if not is_missing(rec["met"]):
                cell.met = bool(rec["met"])
            if ensemble:
                cell.probability = format_probability(rec["probability"])
                low = format_value(rec["p05"])
                high = format_value(rec["p95"])
                if DASH not in (low, high) and low != high:  # else the ensemble does not vary it
                    cell.band = f"{low} – {high}"
            if per_scenario and not is_missing(rec["target"]):
                cell.target = format_value(rec["target"])
            row.cells.append(cell)
        rows.append(row)
    return rows


@dataclass
class ProjectCell:
    """A scenario's view of a project: probability, expected start and usable capacity."""

    probability: str
    start: str
    usable: str
    differs: bool = False


@dataclass
class Project:
    """A row of the pipeline table: what the registry says, and one cell per scenario."""

    id: str
    company: str
    kind: str
    site: str
    stage: str
    stage_date: str
    capacity: str
    unit: str
    announced: str
    note: str
    refs: list[Ref]
    cells: list[ProjectCell | None]


def _project_cell(rec: pd.Series) -> ProjectCell:
    probability = "" if is_missing(rec["probability"]) else f"{float(rec['probability']):.2f}"
    return ProjectCell(
        probability=probability, start=year_text(rec["start"]), usable=short_number(rec["usable"])
    )


def pipeline_rows(
    table: pd.DataFrame,
    scenarios: Sequence[str],
    known: set[str],
    stage_label: Callable[[str], str] = str,
) -> tuple[list[Project], str]:
    """The pipeline table's rows, and the year of its usable capacity (if one).

    ``stage_label`` shows a stage id as the dataset labels it (``dimensions.yaml``).
    """
    projects = []
    table = table.drop_duplicates(["scenario", "id"])
    ids = list(dict.fromkeys(table["id"]))
    by = {s: g.set_index("id") for s, g in table.groupby("scenario", sort=False)}
    for pid in ids:
        rows = {s: by[s].loc[pid] for s in scenarios if s in by and pid in by[s].index}
        rec = next(iter(rows.values()))
        cells = [_project_cell(rows[s]) if s in rows else None for s in scenarios]
        first = cells[0]
        for cell in cells[1:]:
            if cell is not None and first is not None:
                cell.differs = (cell.probability, cell.start, cell.usable) != (
                    first.probability,
                    first.start,
                    first.usable,
                )
        projects.append(
            Project(
                id=str(pid),
                company=str(rec["company"]),
                kind=kind_label(str(rec["kind"])),
                site=str(rec["site"]),
                stage=stage_label(str(rec["stage"])),
                stage_date=str(rec["stage_date"]),
                capacity=short_number(rec["capacity"]),
                unit="" if is_missing(rec["capacity_unit"]) else str(rec["capacity_unit"]),
                announced=year_text(rec["start_year"]),
                note="" if is_missing(rec["note"]) else str(rec["note"]),
                refs=refs(rec["source"], known, scenarios),
                cells=cells,
            )
        )
    years = table["usable_year"].dropna().unique()
    usable_year = str(int(years[0])) if len(years) == 1 else ""
    return projects, usable_year


@dataclass
class Input:
    """An input of a scenario, with its parent scenario's value where it differs."""

    parameter: str
    value: str
    unit: str
    refs: list[Ref]
    parent_value: str | None


@dataclass
class Distribution:
    """A distribution the scenario's ensemble samples."""

    parameter: str
    distribution: str
    central: str
    unit: str
    refs: list[Ref]


@dataclass
class ScenarioInputs:
    """A scenario's section of the assumptions: its chain, inputs and distributions."""

    name: str
    colour: str
    description: Markup
    chain: list[str]
    parent: str | None
    inputs: list[Input]
    changed: list[Input]
    distributions: list[Distribution]
    samples: str
    inputs_sampled: str


def _parent(chain: Sequence[str], present: Sequence[str]) -> str | None:
    """The nearest ancestor of a scenario that is also in this run."""
    for name in reversed(chain[:-1]):
        if name in present:
            return name
    return None


def assumptions(
    folder: ResultsFolder, scenarios: Sequence[str], known: set[str]
) -> list[ScenarioInputs]:
    """Each scenario's assumptions, with what differs from its nearest parent in the run."""
    runs = folder.tables["runs"].drop_duplicates("scenario").set_index("scenario")
    inputs = folder.tables["inputs"]
    shown = [input_text(v, c) for v, c in zip(inputs["value"], inputs["choice"], strict=True)]
    inputs = inputs.assign(shown=shown)
    values = {
        s: dict(zip(g["parameter"], g["shown"], strict=True))
        for s, g in inputs.groupby("scenario", sort=False)
    }
    cited = input_refs(folder.tables["input_sources"], known)
    dists = folder.tables.get("distributions")
    members = folder.tables.get("ensemble_runs")
    out = []
    for scen in scenarios:
        chain = [c.strip() for c in str(runs.at[scen, "extends"]).split(">") if c.strip()]
        parent = _parent(chain, scenarios)
        before = values.get(parent, {}) if parent else {}
        rows = []
        for rec in inputs[inputs["scenario"] == scen].itertuples(index=False):
            old = before.get(str(rec.parameter)) if parent else None
            differs = parent is not None and (old is None or old != rec.shown)
            rows.append(
                Input(
                    parameter=str(rec.parameter),
                    value=str(rec.shown),
                    unit="" if is_missing(rec.unit) else str(rec.unit),
                    refs=cited.get((scen, str(rec.parameter)), []),
                    parent_value=("not set" if old is None else old) if differs else None,
                )
            )
        units = {r.parameter: r.unit for r in rows}
        distributions = []
        if dists is not None:
            for rec in dists[dists["scenario"] == scen].itertuples(index=False):
                unit = units.get(str(rec.parameter), "")
                distributions.append(
                    Distribution(
                        parameter=str(rec.parameter),
                        distribution=str(rec.distribution),
                        # a year is written 2033, not 2,033
                        central=year_text(rec.central)
                        if unit == _YEAR_UNIT
                        else short_number(rec.central),
                        unit=unit,
                        refs=cited.get((scen, str(rec.parameter)), []),
                    )
                )
        samples = inputs_sampled = ""
        if members is not None:
            match = members[members["scenario"] == scen]
            if not match.empty:
                samples = f"{int(match['samples'].iloc[0]):,}"
                inputs_sampled = f"{int(match['inputs_sampled'].iloc[0]):,}"
        out.append(
            ScenarioInputs(
                name=scen,
                colour=figures.scenario_colour(scen, folder.known_scenarios),
                description=prose(runs.at[scen, "description"]),
                chain=chain,
                parent=parent,
                inputs=rows,
                changed=[r for r in rows if r.parent_value is not None],
                distributions=distributions,
                samples=samples,
                inputs_sampled=inputs_sampled,
            )
        )
    return out
