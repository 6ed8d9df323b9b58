"""Validate evhub's IAMC definitions and an iamc.csv with nomenclature-iamc, offline.

Run by ``tests/test_definitions.py`` in nomenclature's own environment
(``.venv-nomenclature``, made by ``make test``): nomenclature-iamc pins
pandas < 3, evhub uses pandas 3. Usage::

    .venv-nomenclature/bin/python scripts/nomenclature_check.py DEFINITIONS IAMC_CSV

Prints one line per check and exits 1 if any fails.
"""

import sys

import nomenclature
import pyam


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(definitions: str, iamc: str) -> int:
    """Validate ``iamc`` against the definitions in the folder ``definitions``; 1 if it fails."""
    dsd = nomenclature.DataStructureDefinition(definitions)
    df = pyam.IamDataFrame(iamc)
    failed = 0
    try:
        dsd.validate(df)
        _say(f"validate: ok ({len(dsd.variable)} variables defined)")
    except Exception as exc:  # nomenclature's errors are reported, not raised
        _say(f"validate: FAILED {type(exc).__name__}: {exc}")
        failed = 1
    differ = dsd.check_aggregate(df)
    if differ is None or differ.empty:
        _say("check_aggregate: ok")
    else:
        names = sorted(set(differ.index.get_level_values("variable")))
        _say(f"check_aggregate: FAILED {len(differ)} rows of {names}")
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
