"""Fit the choice model and write its posterior into the dataset: ``python scripts/fit_choice.py``.

Samples the posterior of the choice model of every class with a
``cost_exponent`` prior in ``choice.csv`` (:func:`evhub.choiceposterior.sample`
with :data:`evhub.choiceposterior.SHIPPED`, on every observed year up to the
base year) and makes the dataset's ``choice_fit.csv`` (posterior median and
5th-95th percentiles of the parameters the model chain reads) and
``choice_posterior.csv`` (the draws).

``--write`` writes both files; ``--check`` writes nothing and exits 1 naming
each file that differs from a fresh run; with neither, the tables and the
run's acceptance and autocorrelation times are printed. ``--data DIR`` picks
another dataset (default: the shipped one).

Run from the repository root with evhub importable (``PYTHONPATH=src``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from evhub import choiceposterior
from evhub.choicecost import CHOICE_TABLE
from evhub.dataset import CLASS_KEY, Dataset, load_dataset


def fitted_classes(dataset: Dataset) -> list[str]:
    """The classes with a cost sensitivity prior (``cost_exponent`` of ``choice.csv``)."""
    rows = dataset.rows(CHOICE_TABLE, "cost_exponent")
    return [c for c in dataset.dims.classes.ids if c in set(rows[CLASS_KEY])]


def tables(dataset: Dataset) -> tuple[dict[str, str], list[choiceposterior.Posterior]]:
    """The text of ``choice_fit.csv`` and ``choice_posterior.csv``, and the posteriors."""
    posteriors = [choiceposterior.sample(dataset, c) for c in fitted_classes(dataset)]
    fit = choiceposterior.fit_table(dataset, posteriors)
    draws = choiceposterior.draws_table(dataset, posteriors)
    return {
        f"{choiceposterior.FIT_TABLE}.csv": fit.to_csv(index=False, lineterminator="\n"),
        choiceposterior.DRAWS_FILE: draws.to_csv(index=False, lineterminator="\n"),
    }, posteriors


def main(argv: list[str]) -> int:
    """Write, check or print the tables; 1 if ``--check`` finds one that differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help="write the two files")
    what.add_argument("--check", action="store_true", help="exit 1 if a file differs")
    parser.add_argument("--data", type=Path, default=None, help="the dataset folder")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.data) if args.data else load_dataset()
    texts, posteriors = tables(dataset)
    if not (args.write or args.check):
        for posterior in posteriors:
            summary = choiceposterior.summary(posterior)
            with pd.option_context("display.width", 200, "display.max_columns", 20):
                sys.stdout.write(f"{posterior.vehicle_class}: acceptance ")
                sys.stdout.write(f"{posterior.acceptance:.2f}\n{summary.to_string()}\n")
                sys.stdout.write(f"autocorrelation [steps]\n{posterior.autocorrelation}\n")
        return 0
    stale = []
    for name, text in texts.items():
        path = dataset.path / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if args.write:
            path.write_text(text, encoding="utf-8")
    verb = "differ" if args.check else "written"
    sys.stdout.write(f"{verb}: {', '.join(stale) or 'none'}\n")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
