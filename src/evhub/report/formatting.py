"""How the report writes numbers, years, probabilities, input values and prose."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from evhub import readable

__all__ = [
    "DASH",
    "format_probability",
    "format_value",
    "input_text",
    "is_missing",
    "prose",
    "short_number",
    "whole_number",
    "year_text",
]

#: Numbers from this size on are shown without decimals.
_THOUSANDS = 1000.0
_PERCENT = 100.0
DASH = "–"


_BACKTICKS = re.compile(r"`([^`]+)`")


def is_missing(value: Any) -> bool:
    """Whether a table cell is empty (``None``, ``pd.NA`` or NaN)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any) -> str:
    """A scorecard number: thousands separators, one decimal below a thousand.

    Parameters
    ----------
    value
        The number, in its indicator's unit (``None`` or NaN for none).

    Returns
    -------
    str
        ``"80,812"`` for 80812.5 [veh/yr], ``"35.5"`` for 35.45 [%], ``"–"`` for none.

    Examples
    --------
    >>> format_value(80812.5), format_value(35.4535), format_value(None)
    ('80,812', '35.5', '–')
    """
    if is_missing(value):
        return DASH
    number = float(value)
    if abs(number) >= _THOUSANDS:
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def format_probability(probability: Any) -> str:
    """The probability of meeting a target, in percent.

    Parameters
    ----------
    probability
        Share of the ensemble members that meet the target [1].

    Returns
    -------
    str
        ``"95 %"``; ``"<1 %"`` and ``">99 %"`` near but not at 0 and 1, so a
        rare outcome is not shown as impossible; ``""`` for none.

    Examples
    --------
    >>> format_probability(0.95), format_probability(0.005), format_probability(1.0)
    ('95 %', '<1 %', '100 %')
    """
    if is_missing(probability):
        return ""
    share = float(probability)
    if 0.0 < share < 0.01:
        return "<1 %"
    if 0.99 < share < 1.0:
        return ">99 %"
    return f"{share * _PERCENT:.0f} %"


def short_number(value: Any) -> str:
    """A capacity: thousands separators above a thousand, else four significant digits.

    >>> short_number(150_000.0), short_number(0.38729), short_number(None)
    ('150,000', '0.3873', '–')
    """
    if is_missing(value):
        return DASH
    return readable.number(float(value))


def whole_number(value: Any) -> int:
    """A whole number from a table cell (NumPy, pandas or Python)."""
    return int(value)


def year_text(value: Any) -> str:
    """A year, with a fraction when the start is mid-year (2026.5)."""
    if is_missing(value):
        return DASH
    return f"{float(value):.6g}"


def input_text(value: Any, choice: Any = None) -> str:
    """An input's value as the report shows it: its choice, its number, or ``none`` if unset.

    A number is shown to ten significant digits (a year as ``2030``).

    >>> input_text(2030.0), input_text(0.25), input_text(None, "weibull"), input_text(None)
    ('2030', '0.25', 'weibull', 'none')
    """
    if not is_missing(choice):
        return str(choice)
    if is_missing(value):
        return "none"
    return f"{float(value):.10g}"


def prose(text: Any) -> Markup:
    """Escape text and show `code` spans (as in the scenario descriptions) as code."""
    escaped = str(escape("" if is_missing(text) else str(text)))
    return Markup(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # escaped above
