"""The headline numbers of a run, and their text and change against the previous run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evhub.dashboard.values import is_finite, report_years
from evhub.results import Results, format_value
from evhub.variables import lead_class, scorecard_indicators

__all__ = [
    "HEADLINES",
    "Headline",
    "HeadlineSpec",
    "delta",
    "format_value",
    "headlines",
    "metric_text",
]

#: A million: headline values from it are shown in millions (``M``).
_MILLION = 1e6


@dataclass(frozen=True)
class HeadlineSpec:
    """A headline number of the page: a scorecard indicator in one year.

    Attributes
    ----------
    indicator
        A scorecard label as :data:`evhub.model.indicators.INDICATORS` writes
        it (a template: ``"Road CO2 ({Vehicle Class})"``); an indicator of a
        vehicle class is the lead class's (:func:`evhub.variables.lead_class`).
    report_year
        Index into the dataset's report years, for the year shown.
    goal
        Instead: the year of this scenario target (``targets.<goal>.year``).
    lower_is_better
        Whether a fall is good news (its delta is shown green).
    """

    indicator: str
    report_year: int = 0
    goal: str | None = None
    lower_is_better: bool = False


#: The headline metrics: the lead class's EV share of sales and vehicles built
#: in the first report year, its road CO2 in the second, cell capacity in the
#: year of its target.
HEADLINES: tuple[HeadlineSpec, ...] = (
    HeadlineSpec("EV share of sales ({Vehicle Class})", 0),
    HeadlineSpec("Vehicles built ({Vehicle Class})", 0),
    HeadlineSpec("Road CO2 ({Vehicle Class})", 1, lower_is_better=True),
    HeadlineSpec("Cell capacity", 0, goal="cell_capacity"),
)


@dataclass(frozen=True)
class Headline:
    """One headline number of a run.

    Attributes
    ----------
    label
        Indicator and year, e.g. ``"EV share of sales 2030"``.
    indicator, year, unit, value
        The scorecard indicator, its year, unit and the deterministic value.
    lower_is_better
        See :class:`HeadlineSpec`.
    """

    label: str
    indicator: str
    year: int
    unit: str
    value: float
    lower_is_better: bool = False


def headlines(res: Results) -> tuple[Headline, ...]:
    """The :data:`HEADLINES` of a run: each indicator's deterministic value in its year.

    The year is the spec's report year of the dataset, or the scenario's target
    year of ``goal`` when that lies within the model years.
    """
    data = res.dataset
    years = report_years(data)
    resolved = res.scenarios[0]
    lead = lead_class(data.dims)
    variables = {
        ind.template: ind
        for ind in scorecard_indicators(data.dims)
        if ind.vehicle_class in (None, lead)
    }
    out = []
    for spec in HEADLINES:
        ind = variables[spec.indicator]
        year = years[min(spec.report_year, len(years) - 1)]
        if spec.goal is not None:
            goal = resolved.values.get(f"targets.{spec.goal}.year")
            # a target year beyond the model years (allowed by the schema) has no value
            if goal is not None and is_finite(goal) and data.first_year <= goal <= data.last_year:
                year = int(goal)
        arr = res.variable(ind.variable).isel(scenario=0, run=0).sel(year=year)
        out.append(
            Headline(
                label=f"{ind.label} {year}",
                indicator=ind.label,
                year=year,
                unit=ind.unit,
                value=float(arr),
                lower_is_better=spec.lower_is_better,
            )
        )
    return tuple(out)


def metric_text(headline: Headline) -> str:
    """The text of a headline metric: value and unit, short enough for a metric's width.

    As :func:`format_value`, but values from a million in millions with two
    decimals, so that the text fits in a quarter of a wide page.

    >>> metric_text(Headline("Vehicles built 2030", "Vehicles built", 2030, "veh/yr", 1_440_137.0))
    '1.44 M veh/yr'
    >>> metric_text(Headline("Vehicles built 2030", "Vehicles built", 2030, "veh/yr", 911_853.6))
    '911,854 veh/yr'
    >>> metric_text(Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 35.45))
    '35.5 %'
    """
    value, unit = headline.value, headline.unit
    if is_finite(value) and abs(value) >= _MILLION:
        return f"{value / _MILLION:,.2f} M {unit}"
    return f"{format_value(value, unit)} {unit}"


def delta(
    latest: Headline, previous: Headline | None
) -> tuple[str | None, Literal["normal", "inverse", "off"]]:
    """The change of a headline against the previous run, and how to colour it.

    Returns
    -------
    text, colour
        ``text`` like ``"+7.5 pp"`` (percentage points for a share in %),
        ``None`` without a previous run of the same indicator and year;
        ``colour`` is Streamlit's ``delta_color``: ``"inverse"`` where lower
        is better, ``"off"`` when the change rounds to nothing.

    Examples
    --------
    >>> a = Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 35.45)
    >>> b = Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 42.96)
    >>> delta(b, a)
    ('+7.5 pp', 'normal')
    """
    if previous is None or (previous.indicator, previous.year) != (latest.indicator, latest.year):
        return None, "off"
    change = latest.value - previous.value
    unit = "pp" if latest.unit == "%" else latest.unit
    shown = format_value(abs(change), latest.unit)
    if float(shown.replace(",", "").removesuffix(" M")) == 0:
        return f"±{shown} {unit}", "off"
    sign = "+" if change > 0 else "-"
    return f"{sign}{shown} {unit}", "inverse" if latest.lower_is_better else "normal"
