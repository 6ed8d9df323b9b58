"""Numbers as people read them: no ``1.44014e+06``, thousands separators, units.

Every number evhub prints (the command line, messages, the report and the
dashboard) goes through these functions, so the same value reads the same
everywhere:

- :func:`number`: a computed value, rounded to a few significant digits
  (``1,440,137``, ``43.3``, ``0.3873``), or to the decimals of a reference value
  it is compared with (a swing of ``1.164e-10`` beside ``913,577`` is ``0``);
- :func:`quantity`: the same with its unit (``1,440,137 veh/yr``, ``55.2 %``);
- :func:`exact`: a value echoed back in a message, every digit kept but
  without an exponent (``1,440,137.5``, ``0.1``, ``2033``);
- :func:`plain`: a value to be typed back into a scenario file: significant
  digits, no separator, no exponent (``1440140``, ``21131.7``).

A value in years (unit ``yr``) from 1000 on is a calendar year and is written
without a separator (``2033``, ``2026.5``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = [
    "MISSING",
    "SEPARATED_FROM",
    "decimals",
    "exact",
    "number",
    "plain",
    "quantity",
    "with_unit",
]

#: What a missing value (``None``, NaN) is written as.
MISSING = "-"
#: :func:`exact` writes thousands separators from this size on (so a year stays ``2033``).
SEPARATED_FROM = 10_000.0
#: :func:`number` writes whole numbers (with separators) from this size on.
_WHOLE_FROM = 1000.0
#: Below this size (and above zero) :func:`number` keeps an exponent: a positional
#: ``0.00000001164`` is no easier to read than ``1.164e-08``.
_TINY = 1e-4
#: Units without a symbol after the number (a pure number, a text setting).
_NO_SYMBOL = frozenset({"", "1", "-"})
_YEAR = "yr"


def _finite(value: Any) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


def _missing(value: Any, missing: str) -> str:
    """How a value that is not a finite number is written: ``missing``, ``inf`` or as text."""
    if value is None or (isinstance(value, numbers.Real) and math.isnan(float(value))):
        return missing
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return "inf" if float(value) > 0 else "-inf"
    return str(value)


def decimals(value: float, digits: int = 4) -> int:
    """The decimals :func:`number` writes ``value`` with (``digits`` significant digits).

    >>> decimals(913_577.2), decimals(43.298), decimals(0.38729), decimals(0.0)
    (0, 2, 4, 0)
    """
    size = abs(value)
    if size >= _WHOLE_FROM or size == 0.0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(size)))


def _group(text: str) -> str:
    """Thousands separators in the integer part of a positional number."""
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def _trim(text: str) -> str:
    """Trailing zeros of a fraction dropped (``12.50`` -> ``12.5``, ``12.00`` -> ``12``)."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(
    value: Any,
    unit: str = "",
    *,
    digits: int = 4,
    reference: Any = None,
    missing: str = MISSING,
) -> str:
    """A computed value for people: ``digits`` significant digits, whole from a thousand.

    Parameters
    ----------
    value
        The number (a missing one is written ``missing``).
    unit
        Its unit; a value in ``yr`` from 1000 on is a calendar year, written
        without a separator.
    digits
        Significant digits below a thousand.
    reference
        A value ``value`` is shown beside (a swing beside the value it swings
        around): ``value`` gets the decimals of ``reference``, so noise far
        below the reference's precision is ``0``.
    missing
        The text of a missing value.

    Returns
    -------
    str

    Examples
    --------
    >>> number(1_440_137.4), number(43.298), number(0.38729), number(12.0)
    ('1,440,137', '43.3', '0.3873', '12')
    >>> number(1.164e-10, reference=913_577.0), number(1.4126, reference=43.298)
    ('0', '1.41')
    >>> number(2033.0, "yr"), number(2026.5, "yr"), number(float("nan"))
    ('2033', '2026.5', '-')
    >>> number(1.164e-10)
    '1.164e-10'
    """
    real = _finite(value)
    if real is None:
        return _missing(value, missing)
    if unit == _YEAR and abs(real) >= _WHOLE_FROM:  # a calendar year
        return _trim(f"{real:.1f}")
    ref = _finite(reference)
    if ref is not None:
        places = decimals(ref, digits)
        return _trim(_group(f"{real:.{places}f}"))
    if 0.0 < abs(real) < _TINY:
        return f"{real:.{digits - 1}e}".replace("e-0", "e-").replace(".000e", "e")
    return _trim(_group(f"{real:.{decimals(real, digits)}f}"))


def quantity(value: Any, unit: str, **options: Any) -> str:
    """A value with its unit: ``1,440,137 veh/yr``, ``55.2 %`` (see :func:`number`).

    A pure number (unit ``1``) or a text setting (``-``) has no symbol.

    >>> quantity(1_440_137.4, "veh/yr"), quantity(55.21, "%"), quantity(0.5, "1")
    ('1,440,137 veh/yr', '55.21 %', '0.5')
    """
    text = number(value, unit, **options)
    if text == options.get("missing", MISSING):
        return text
    return with_unit(text, unit)


def with_unit(text: str, unit: str) -> str:
    """Written numbers followed by their unit (none for a pure number or a text setting).

    >>> with_unit("[50, 100]", "%"), with_unit("0.25", "1")
    ('[50, 100] %', '0.25')
    """
    return text if unit in _NO_SYMBOL else f"{text} {unit}"


def exact(value: Any) -> str:
    """A value echoed in a message: every digit of it, no exponent, separators from 10,000.

    >>> exact(1_440_137.0), exact(1_440_137.5), exact(0.1), exact(2033.0), exact(7)
    ('1,440,137', '1,440,137.5', '0.1', '2033', '7')
    >>> exact(1e7), exact(-12_500.25), exact(float("nan")), exact(1e-10)
    ('10,000,000', '-12,500.25', 'nan', '1e-10')
    """
    real = _finite(value)
    if real is None:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return "nan" if math.isnan(float(value)) else ("inf" if float(value) > 0 else "-inf")
        return str(value)
    if real.is_integer() and abs(real) < 1e16:
        text = str(int(real))
    else:
        text = repr(real)
        if "e" in text:
            if abs(real) < _TINY:
                return text  # a tiny value keeps its exponent
            text = f"{real:f}".rstrip("0").rstrip(".") if abs(real) < 1e16 else text
    if "e" in text or abs(real) < SEPARATED_FROM:
        return text
    return _group(text)


def plain(value: Any, digits: int = 6) -> str:
    """A value to type back (YAML, a command line): ``digits`` significant, no separator.

    >>> plain(1_440_137.4), plain(21_131.72), plain(0.25), plain(1e-10)
    ('1440140', '21131.7', '0.25', '1e-10')
    """
    real = _finite(value)
    if real is None:
        return exact(value)
    text = f"{real:.{digits}g}"
    if "e" not in text or abs(real) < _TINY:
        return text
    return _trim(f"{float(text):.0f}") if abs(real) >= 1 else text
