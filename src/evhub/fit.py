"""The fit to history: how closely the model reproduces a dataset's observed history.

A dataset may list its checks in ``history_checks.yaml`` (:data:`CHECKS_FILE`):
each names a kind (:data:`KINDS`), a vehicle class, the years and a tolerance.
The tests make each check with the tolerance read from that file, which is the
one place it is written, and :func:`measure` computes the error the model makes
now, for the page ``docs/fit.md`` (:mod:`evhub.fitdoc`).

Examples
--------
>>> from evhub.dataset import load_dataset
>>> data = load_dataset()
>>> stock = next(c for c in load_checks(data) if c.kind == "stock")
>>> result = measure(data, [stock])[0]
>>> result.worst <= stock.tolerance
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from evhub.calibrate import Calibration, average_age, backcast, calibrate
from evhub.choicefit import holdout
from evhub.dataset import Dataset
from evhub.definitions import fill_tags
from evhub.errors import InputError
from evhub.inputs import read_yaml
from evhub.results import Results
from evhub.run import run
from evhub.scenario import ResolvedScenario, resolve

__all__ = [
    "CHECKS_FILE",
    "FIELDS",
    "KINDS",
    "Check",
    "Kind",
    "Measurement",
    "key_columns",
    "load_checks",
    "measure",
    "scenario_of",
]

#: The file of a dataset folder that lists its checks.
CHECKS_FILE = "history_checks.yaml"

_PERCENT = 100.0


class Kind(NamedTuple):
    """What a kind of check compares, and the unit of its tolerance and error."""

    compares: str
    """What is compared with what, in words (Markdown)."""
    error: str
    """What the error is, in words."""
    unit: str
    """Unit of the tolerance and the error."""
    fields: tuple[str, ...]
    """The fields of an entry beyond the common ones."""


#: The kinds of check: what each compares, its error and unit, and its own fields.
KINDS: dict[str, Kind] = {
    "stock": Kind(
        "The stock of the class at the end of each year, from the observed sales through "
        "the survival curve (`calibrate.backcast`), with the observed stock (`stock.csv`)",
        "largest relative error in any year",
        "%",
        ("years",),
    ),
    "average_age": Kind(
        "The modelled average age of the class's stock (`calibrate.average_age`) with the "
        "observed (`stock.csv` `average_age`), every observed model year",
        "largest absolute difference in any year",
        "yr",
        (),
    ),
    "calibration": Kind(
        "The stock after refitting the lifetime to the observed stock and average age "
        "(`evhub calibrate`), with the observed stock",
        "largest relative error in any year",
        "%",
        ("years",),
    ),
    "calibrated_values": Kind(
        "The parameters the refit finds with the values the dataset ships (`assumptions.csv`)",
        "largest relative difference of a parameter",
        "%",
        ("years",),
    ),
    "series": Kind(
        "An IAMC variable of the scenario's run with the sum of the observed series",
        "largest relative error in any year",
        "%",
        ("variable", "observed", "years"),
    ),
    "choice_holdout": Kind(
        "The choice model fitted on the observed sales shares up to the year before the "
        "first compared year and predicting the compared years from their costs alone "
        "(`choicefit.holdout`), with the observed shares; persistence (the last fitted year's "
        "shares), the fitted logistic curves and, for information, the same fit with its "
        "constants recalibrated to the last fitted year's published shares (as the shipped "
        "model starts from the base year's) shown beside it",
        "largest absolute error of a powertrain's share of sales in a predicted year",
        "pp",
        ("years",),
    ),
    "growth": Kind(
        "The growth of an IAMC variable of the scenario's run from the year before with the "
        "observed growth rate (where only the rate is published)",
        "largest absolute difference in any year",
        "pp",
        ("variable", "observed", "years"),
    ),
}

#: The fields of a check, and what each holds (``docs/dataset.md`` lists them).
FIELDS: dict[str, str] = {
    "id": "a name for the check, unique in the file (the page's anchor)",
    "kind": "what is compared: one of the kinds below",
    "class": "the vehicle class, an id of `classes`",
    "tolerance": "the largest error the tests accept, a positive number in the kind's unit",
    "why": "why the tolerance is that size (shown on the page)",
    "test": "the test that makes the check, `tests/FILE.py::FUNCTION` (optional: the checks "
    "of a dataset of your own are measured on the page, and tested where you test them)",
    "years": "`[first, last]`, the years compared, within the observed model years "
    "(default: all of them)",
    "variable": "a `series` or `growth` check's IAMC variable; `{Vehicle Class}` is the "
    "class's label",
    "observed": "a `series` or `growth` check's observations: a list of series, each with "
    '`table`, `variable` and its key columns (`producer: ""` for the total) or other columns '
    "to select rows by (`status: observed`), summed",
}

_COMMON = ("id", "kind", "class", "tolerance", "why", "test")
_SERIES_KEYS = ("table", "variable")


@dataclass(frozen=True)
class Check:
    """One check of the fit to history, as ``history_checks.yaml`` gives it."""

    id: str
    kind: str
    vehicle_class: str
    tolerance: float
    """The largest error the tests accept, in the kind's unit (:data:`KINDS`)."""
    why: str
    test: str
    """The test that makes the check (``tests/file.py::function``); empty if none is named."""
    years: tuple[int, int] | None = None
    """First and last year compared (inclusive); ``None``: every observed model year."""
    variable: str = ""
    """The IAMC variable of a ``series`` check; ``{Vehicle Class}`` is the class's label."""
    observed: tuple[Mapping[str, str], ...] = ()
    """The series that sum to the observation: ``table``, ``variable`` and key columns."""

    @property
    def unit(self) -> str:
        """Unit of the tolerance and the error."""
        return KINDS[self.kind].unit


@dataclass(frozen=True)
class Measurement:
    """A check and the error the model makes now."""

    check: Check
    table: pd.DataFrame
    """One row per year (or parameter): what is compared, and the error."""
    worst: float
    """The largest error (in absolute value), in the check's unit."""
    where: str
    """The year (or parameter) of the largest error."""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """The error is within the tolerance."""
        return self.worst < self.check.tolerance


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def load_checks(data: Dataset) -> list[Check]:
    """The checks of a dataset's ``history_checks.yaml``; none if it has no such file.

    Parameters
    ----------
    data
        The dataset; its folder holds the file.

    Returns
    -------
    list of Check
        In the order of the file.

    Raises
    ------
    InputError
        Naming the file, the entry and the field: an unknown kind or field, a
        missing field, a class the dataset does not have, a tolerance that is
        not a positive number, years that are not two years in order, an id
        given twice, or the file's ``scenario`` not a shipped scenario.
    """
    path = data.path / CHECKS_FILE
    if not path.is_file():
        return []
    raw = read_yaml(path)
    if not isinstance(raw, Mapping) or set(raw) != {"scenario", "checks"}:
        msg = f"{path}: expected the keys scenario and checks, got {_keys(raw)}"
        raise InputError(msg)
    scenarios = list(data.meta.get("scenarios") or [])
    if raw["scenario"] not in scenarios:
        msg = (
            f"{path}: scenario = {raw['scenario']!r} is not a scenario of the dataset "
            f"({', '.join(scenarios)})"
        )
        raise InputError(msg)
    if not isinstance(raw["checks"], list) or not raw["checks"]:
        msg = f"{path}: checks = {raw['checks']!r}: expected a list of checks"
        raise InputError(msg)
    checks = [_check(data, f"{path}: checks[{i}]", item) for i, item in enumerate(raw["checks"])]
    seen: set[str] = set()
    for i, check in enumerate(checks):
        if check.id in seen:
            msg = f"{path}: checks[{i}]: id = {check.id!r} is given twice"
            raise InputError(msg)
        seen.add(check.id)
    return checks


def scenario_of(data: Dataset) -> str:
    """The scenario a dataset's checks run (``scenario`` of ``history_checks.yaml``)."""
    raw = read_yaml(data.path / CHECKS_FILE)
    return str(raw["scenario"])


def _keys(raw: Any) -> str:
    return ", ".join(map(str, raw)) if isinstance(raw, Mapping) else repr(raw)


def _check(data: Dataset, where: str, item: Any) -> Check:
    if not isinstance(item, Mapping):
        msg = f"{where}: expected a mapping, got {item!r}"
        raise InputError(msg)
    kind = item.get("kind")
    if kind not in KINDS:
        msg = f"{where}: kind = {kind!r}; the kinds are {', '.join(KINDS)}"
        raise InputError(msg)
    allowed = (*_COMMON, *KINDS[kind].fields)
    for key in item:
        if key not in allowed:
            msg = f"{where}: unknown field {key!r}; a {kind} check has {', '.join(allowed)}"
            raise InputError(msg)
    # every field is required but the years (none: every observed model year) and the test
    required = [k for k in allowed if k not in ("years", "test")]
    for key in required:
        if key not in item:
            msg = f"{where}: {key} is missing"
            raise InputError(msg)
    for key in ("id", "why", "class", *(["test"] if "test" in item else [])):
        if not (isinstance(item[key], str) and item[key].strip()):
            msg = f"{where}: {key} = {item[key]!r}: expected non-empty text"
            raise InputError(msg)
    if item["class"] not in data.dims.classes.ids:
        msg = (
            f"{where}: class = {item['class']!r} is not a vehicle class of the dataset "
            f"({', '.join(data.dims.classes.ids)})"
        )
        raise InputError(msg)
    tolerance = item["tolerance"]
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance <= 0:
        msg = f"{where}: tolerance = {tolerance!r}: expected a positive number"
        raise InputError(msg)
    return Check(
        id=item["id"],
        kind=kind,
        vehicle_class=item["class"],
        tolerance=float(tolerance),
        why=" ".join(item["why"].split()),
        test=item.get("test", ""),
        years=_years(data, where, item.get("years")),
        variable=str(item.get("variable", "")),
        observed=_observed(where, item.get("observed", [])),
    )


def _years(data: Dataset, where: str, years: Any) -> tuple[int, int] | None:
    if years is None:
        return None
    ok = (
        isinstance(years, list)
        and len(years) == 2  # first and last
        and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        and data.first_year <= years[0] <= years[1] <= data.base_year
    )
    if not ok:
        msg = (
            f"{where}: years = {years!r}: expected [first, last], two years in order within "
            f"the observed model years {data.first_year}-{data.base_year}"
        )
        raise InputError(msg)
    return int(years[0]), int(years[1])


def _observed(where: str, observed: Any) -> tuple[Mapping[str, str], ...]:
    if not isinstance(observed, list):
        msg = f"{where}: observed = {observed!r}: expected a list of series"
        raise InputError(msg)
    out = []
    for j, series in enumerate(observed):
        if not (
            isinstance(series, Mapping)
            and all(k in series for k in _SERIES_KEYS)
            and all(isinstance(v, str) for v in series.values())
        ):
            msg = (
                f"{where}: observed[{j}] = {series!r}: expected table, variable and key "
                "columns, each as text"
            )
            raise InputError(msg)
        out.append(dict(series))
    return tuple(out)


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


def measure(data: Dataset, checks: Sequence[Check] | None = None) -> list[Measurement]:
    """The error the model makes now in each check.

    Parameters
    ----------
    data
        The dataset.
    checks
        The checks to measure; all of :func:`load_checks` by default.

    Returns
    -------
    list of Measurement
        One per check, in order.
    """
    checks = load_checks(data) if checks is None else checks
    if not checks:
        return []
    scenario = resolve(scenario_of(data), data)
    cache: dict[Any, Any] = {}
    return [_MEASURES[c.kind](data, scenario, c, cache) for c in checks]


def _range(data: Dataset, check: Check) -> range:
    first, last = check.years or (data.first_year, data.base_year)
    return range(first, last + 1)


def _worst(table: pd.DataFrame, by: str, error: str) -> tuple[float, str]:
    errors = table[error].abs().to_numpy(float)
    i = int(np.argmax(errors))
    return float(errors[i]), str(table[by].iloc[i])


def _stock(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    table = backcast(scenario, data, _range(data, check), check.vehicle_class)
    table = table.rename(columns={"error_percent": "error"})
    return Measurement(check, table, *_worst(table, "year", "error"))


def _average_age(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    table = average_age(scenario, data, check.vehicle_class)
    chosen = _range(data, check)
    table = table[table["year"].isin(chosen)].reset_index(drop=True)
    table["error"] = table["modelled"] - table["observed"]
    return Measurement(check, table, *_worst(table, "year", "error"))


def _refit(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Calibration:
    key = ("calibration", check.vehicle_class, check.years)
    if key not in cache:
        cache[key] = calibrate(
            scenario, data, _range(data, check), vehicle_class=check.vehicle_class
        )
    result: Calibration = cache[key]
    return result


def _calibration(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    fit = _refit(data, scenario, check, cache)
    table = fit.table.rename(columns={"error_percent": "error"})
    return Measurement(check, table, *_worst(table, "year", "error"))


def _calibrated_values(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    fit = _refit(data, scenario, check, cache)
    shipped = [float(scenario.values[p]) for p in fit.parameters]
    fitted = list(fit.parameters.values())
    table = pd.DataFrame(
        {
            "parameter": list(fit.parameters),
            "shipped": shipped,
            "fitted": fitted,
            "error": [(f / s - 1.0) * _PERCENT for s, f in zip(shipped, fitted, strict=True)],
        }
    )
    return Measurement(check, table, *_worst(table, "parameter", "error"))


def _results(data: Dataset, scenario: ResolvedScenario, cache: dict[Any, Any]) -> Results:
    if "results" not in cache:
        cache["results"] = run(scenario.name, dataset=data)
    result: Results = cache["results"]
    return result


def _modelled(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> tuple[str, Any]:
    """The check's variable (its name, tags filled) and its run's values by year."""
    label = data.dims.classes.label(check.vehicle_class)
    name = fill_tags(check.variable, {"Vehicle Class": label})
    return name, _results(data, scenario, cache).variable(name).isel(scenario=0, run=0)


def _observed_sum(data: Dataset, check: Check) -> pd.Series:
    """The sum of the check's observed series by year: the first sets the years."""
    view = data.of_class(check.vehicle_class)
    parts = [view.series(s["table"], s["variable"], **key_columns(s)) for s in check.observed]
    observed = parts[0].astype(float)
    for part in parts[1:]:
        observed = observed.add(part.reindex(observed.index), fill_value=0.0)
    years = [int(y) for y in observed.index if int(y) in _range(data, check)]
    out: pd.Series = observed.loc[years]
    out.index = pd.Index(years, name="year")
    return out


def _series(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    name, modelled = _modelled(data, scenario, check, cache)
    observed = _observed_sum(data, check)
    model = np.array([float(modelled.sel(year=y)) for y in observed.index])
    obs = observed.to_numpy(float)
    table = pd.DataFrame(
        {
            "year": list(observed.index),
            "observed": obs,
            "modelled": model,
            "error": _relative_error(model, obs),
        }
    )
    return Measurement(check, table, *_worst(table, "year", "error"), {"variable": name})


def _choice_holdout(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    predicted = list(_range(data, check))
    fit = holdout(data, predicted[0] - 1, predicted, vehicle_class=check.vehicle_class)
    errors = fit.errors.reset_index()
    table = pd.DataFrame(
        {
            "year": errors["year"].astype(int),
            "powertrain": errors["powertrain"].astype(str),
            "error": errors["choice"].astype(float),
            "persistence": errors["persistence"].astype(float),
            "logistic": errors["logistic"].astype(float),
            "recalibrated": errors["choice_from_base_year"].astype(float),
        }
    )
    index = int(np.argmax(table["error"].abs().to_numpy(float)))
    where = f"{table['powertrain'].iloc[index]} {table['year'].iloc[index]}"
    return Measurement(check, table, float(abs(table["error"].iloc[index])), where)


def _relative_error(model: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """``model / observed - 1`` [%]; where nothing is observed, 0 if the model agrees, else inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        error: np.ndarray = (model / observed - 1.0) * _PERCENT
    zero = observed == 0
    error[zero] = np.where(model[zero] == 0, 0.0, np.inf)
    return error


def _growth(
    data: Dataset, scenario: ResolvedScenario, check: Check, cache: dict[Any, Any]
) -> Measurement:
    name, modelled = _modelled(data, scenario, check, cache)
    observed = _observed_sum(data, check)
    model = np.array(
        [
            (float(modelled.sel(year=y)) / float(modelled.sel(year=y - 1)) - 1.0) * _PERCENT
            for y in observed.index
        ]
    )
    obs = observed.to_numpy(float)
    table = pd.DataFrame(
        {"year": list(observed.index), "observed": obs, "modelled": model, "error": model - obs}
    )
    return Measurement(check, table, *_worst(table, "year", "error"), {"variable": name})


def key_columns(series: Mapping[str, str]) -> dict[str, str]:
    """The key columns of an observed series (all but its table and variable)."""
    return {k: v for k, v in series.items() if k not in _SERIES_KEYS}


_MEASURES = {
    "stock": _stock,
    "average_age": _average_age,
    "calibration": _calibration,
    "calibrated_values": _calibrated_values,
    "series": _series,
    "growth": _growth,
    "choice_holdout": _choice_holdout,
}
