"""Where each input of a run comes from, as a results folder cites it.

A resolved scenario's :attr:`~evhub.scenario.ResolvedScenario.provenance`
names, for each parameter, the origins of its value: source ids of the
dataset, ``dataset.yaml``, the scenario files that set it, or the caller's
overrides. :func:`citations` turns them into :class:`Citation` records, one
per origin, which the results store keeps as rows (table ``input_sources``)
and as text (the ``source`` column of ``inputs``).

A results folder never holds an absolute path of the machine it was written
on (:func:`portable_path`): a file of the dataset is named relative to the
dataset folder (``scenarios/hub.yaml``), any other file as given, relative to
the working directory, or under the home folder (``~/...``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evhub.dataset import Dataset
from evhub.scenario import ResolvedScenario
from evhub.scenario.defaults import META_SOURCE
from evhub.scenario.resolution import OVERRIDES_ORIGIN

__all__ = ["KINDS", "Citation", "citation_text", "citations", "portable_path"]

Kind = Literal["source", "scenario", "dataset", "overrides"]
#: The kinds of citation, and what each cites.
KINDS: dict[str, str] = {
    "source": "an entry of the dataset's bibliography (sources.yaml)",
    "scenario": "a scenario file that sets the value",
    "dataset": "the defaults in the dataset's dataset.yaml",
    "overrides": "a value given by the caller (evhub run --set, the overrides of evhub.run)",
}


@dataclass(frozen=True)
class Citation:
    """One origin of an input's value.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    source
        What is cited: the source id (``source``), the scenario's name
        (``scenario``), the dataset's name (``dataset``) or ``overrides``.
    file
        The file cited (a scenario file or ``dataset.yaml``) as
        :func:`portable_path` names it; ``None`` for a source id or overrides.
    """

    kind: Kind
    source: str
    file: str | None = None

    @property
    def text(self) -> str:
        """The citation as one line of text.

        >>> Citation("scenario", "hub", "scenarios/hub.yaml").text
        'scenario hub (scenarios/hub.yaml)'
        >>> Citation("source", "evhub-assumption").text
        'evhub-assumption'
        """
        if self.kind in ("scenario", "dataset"):
            return f"{self.kind} {self.source} ({self.file})"
        return self.source


def portable_path(path: str | Path, dataset: Path | None = None) -> str:
    """A path as a results folder writes it: never absolute where it can be helped.

    Parameters
    ----------
    path
        A file or folder, as given (relative to the working directory) or absolute.
    dataset
        The dataset folder: a path inside it is written relative to it.

    Returns
    -------
    str
        With ``/`` as separator: relative to ``dataset`` if the path lies in it;
        else a relative path as given; else relative to the working directory
        if it lies in it; else ``~/...`` if it lies in the home folder; else the
        absolute path as given (a place outside the user's folders that the
        user named).

    >>> portable_path("scenarios/mine.yaml")
    'scenarios/mine.yaml'
    """
    given = Path(path)
    full = given.resolve()
    if dataset is not None:
        root = dataset.resolve()
        if full.is_relative_to(root):
            return full.relative_to(root).as_posix()
    if not given.is_absolute():
        return given.as_posix()
    for base, prefix in ((_cwd(), ""), (_home(), "~/")):
        if base is not None and full.is_relative_to(base):
            return prefix + full.relative_to(base).as_posix()
    return given.as_posix()


def _cwd() -> Path | None:
    try:
        return Path.cwd().resolve()
    except OSError:  # the working directory was removed
        return None


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder (a service account)
        return None


def citations(scenario: ResolvedScenario, path: str, data: Dataset) -> list[Citation]:
    """The origins of a parameter's value in a resolved scenario, in order, each once.

    Parameters
    ----------
    scenario
        The resolved scenario.
    path
        The parameter's dotted path.
    data
        The dataset (its folder and name).

    Returns
    -------
    list of Citation
        Empty if the scenario records no origin for the parameter.
    """
    # a scenario made without files (older pickles, hand-built) has files == ()
    files = {str(f): name for name, f in zip(scenario.chain, scenario.files, strict=False) if f}
    out: dict[Citation, None] = {}
    for part in scenario.provenance.get(path, "").split(";"):
        origin = part.strip()
        if not origin:
            continue
        if origin in files:
            cited = Citation("scenario", files[origin], portable_path(origin, data.path))
        elif origin == OVERRIDES_ORIGIN:
            cited = Citation("overrides", OVERRIDES_ORIGIN)
        elif origin == META_SOURCE:
            cited = Citation("dataset", data.name, META_SOURCE)
        else:
            cited = Citation("source", origin)
        out[cited] = None
    return list(out)


def citation_text(cited: Iterable[Citation]) -> str:
    """Citations as the ``source`` column of the store shows them: their texts, ``;``-separated.

    >>> citation_text([Citation("scenario", "hub", "scenarios/hub.yaml"), Citation("source", "x")])
    'scenario hub (scenarios/hub.yaml);x'
    """
    return ";".join(c.text for c in cited)
