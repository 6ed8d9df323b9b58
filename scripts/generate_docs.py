"""Write the generated pages of the docs site: ``python scripts/generate_docs.py``.

Each page is made from the code and data it describes, never by hand, and a
test compares each committed page with a fresh one:

- ``docs/dataset.md``: the dataset format (:mod:`evhub.datadoc`, also
  ``evhub data format --output docs/dataset.md``);
- ``docs/parameters.md``: the parameter catalogue (:func:`evhub.parameters.markdown`,
  also ``evhub parameters --output docs/parameters.md``);
- ``docs/variables.md``: the IAMC variable definitions (:mod:`evhub.variabledoc`);
- ``docs/fit.md``: the fit to history of the shipped and the synthetic
  dataset (:mod:`evhub.fitdoc`), which runs the checks' calibrations and the
  scenario.

Run from the repository root, with evhub importable (``.venv/bin/python`` after
``make test``, or ``PYTHONPATH=src``). ``--check`` writes nothing and exits 1
naming each page that differs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from evhub import datadoc, fitdoc, parameters, variabledoc
from evhub.dataset import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The synthetic test dataset, the worked example of a dataset for another country.
SYNTHETIC = ROOT / "tests" / "data" / "synthetic"


def fit_page() -> str:
    """``docs/fit.md``: the shipped dataset's checks, then the synthetic dataset's."""
    return fitdoc.markdown([load_dataset(), load_dataset(SYNTHETIC)])


#: Each generated page and the function that makes it.
PAGES: dict[str, Callable[[], str]] = {
    "dataset.md": datadoc.markdown,
    "parameters.md": parameters.markdown,
    "variables.md": variabledoc.markdown,
    "fit.md": fit_page,
}


def main(argv: list[str]) -> int:
    """Write (or with ``--check`` compare) every generated page; 1 if one differs."""
    check = "--check" in argv
    stale = []
    for name, make in PAGES.items():
        path = DOCS / name
        text = make()
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf-8")
    verb = "differ" if check else "written"
    sys.stdout.write(f"{verb}: {', '.join(stale) or 'none'}\n")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
