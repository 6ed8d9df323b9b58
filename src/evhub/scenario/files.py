"""Scenario files: where they are, and reading one into a :class:`~evhub.scenario.schema.Scenario`.

A scenario file only overrides the dataset defaults::

    name: hub
    description: Accelerated investment and exports.
    extends: announced
    overrides:
      market:
        bev_share: {midpoint_year: 2031}
      car.energy.charging_loss: 8        # dotted keys work too

A name is a shipped scenario of the dataset (``<dataset>/scenarios/<name>.yaml``);
anything ending in ``.yaml`` or holding a ``/`` is a path, relative to the
folder of the file that ``extends`` it. Reading refuses malformed YAML, a
document that is not a mapping, unknown keys and wrong types, naming the file,
the field and the value; what the overrides mean is checked when the scenario
is resolved (:mod:`evhub.scenario.resolution`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.inputs import read_yaml
from evhub.scenario.schema import Scenario

__all__ = ["list_scenarios", "load_scenario", "scenario_dir"]


def scenario_dir(data: Dataset) -> Path:
    """The folder of a dataset's shipped scenarios.

    Parameters
    ----------
    data
        The dataset.

    Returns
    -------
    Path
        ``<dataset>/scenarios``.
    """
    return data.path / "scenarios"


def list_scenarios(data: Dataset) -> list[Scenario]:
    """The shipped scenarios of a dataset, in the order of ``dataset.yaml``.

    Parameters
    ----------
    data
        The dataset.

    Returns
    -------
    list of Scenario
        The files of :func:`scenario_dir`, those named in ``scenarios`` of
        ``dataset.yaml`` first, in that order, then the others by name; each
        read but not resolved.

    Raises
    ------
    InputError
        If a file cannot be read as a scenario.
    """
    order = list(data.meta.get("scenarios") or [])
    files = sorted(scenario_dir(data).glob("*.yaml"))
    names = [f.stem for f in files]
    ordered = [n for n in order if n in names] + [n for n in names if n not in order]
    return [load_scenario(n, data) for n in ordered]


def _find(name_or_path: str | Path, data: Dataset, referrer: Path | None = None) -> Path:
    """The file of a scenario name or path; ``referrer`` is the file that ``extends`` it.

    A relative path in ``extends`` is relative to the folder of the referring file.
    """
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text)
        if referrer is not None and not path.is_absolute():
            path = referrer.parent / path
        if not path.is_file():
            msg = f"{path}: scenario file not found"
            if referrer is not None:
                msg = f"{referrer}: extends = {text!r}: scenario file {path} not found"
            raise InputError(msg)
        return path
    path = scenario_dir(data) / f"{text}.yaml"
    if not path.is_file():
        known = sorted(f.stem for f in scenario_dir(data).glob("*.yaml"))
        shipped = f"shipped scenarios are {known} (or give a .yaml path)"
        msg = f"{path}: unknown scenario {text!r} (no such file); {shipped}"
        if referrer is not None:
            msg = f"{referrer}: extends = {text!r}: unknown scenario (no file {path}); {shipped}"
        raise InputError(msg)
    return path


def load_scenario(
    name_or_path: str | Path, data: Dataset, *, referrer: Path | None = None
) -> Scenario:
    """Read one scenario file (a shipped name or a YAML path), without resolving it.

    Parameters
    ----------
    name_or_path
        A shipped scenario name, or a path (ends in ``.yaml`` or ``.yml``, or
        holds a ``/``).
    data
        The dataset whose shipped scenarios a name refers to.
    referrer
        The scenario file whose ``extends`` names this one: a relative path
        is relative to its folder, and messages name it.

    Returns
    -------
    Scenario
        The file as written, with its ``path``.

    Raises
    ------
    InputError
        For a missing file or unknown name, malformed YAML, a document that
        is not a mapping, an unknown key or a value of the wrong type.
    """
    path = _find(name_or_path, data, referrer)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        msg = f"{path}: a scenario is a mapping with name, description, extends, overrides"
        raise InputError(msg)
    try:
        scenario = Scenario.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise InputError(_pydantic_message(path, exc)) from None
    if "path" in raw:
        msg = f"{path}: unknown key 'path'"
        raise InputError(msg)
    return scenario


def _pydantic_message(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        if err["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key {loc!r}")
            continue
        value = err.get("input")
        shown = f" = {value!r}" if not isinstance(value, dict) else ""
        lines.append(f"{path}: {loc or 'scenario'}{shown}: {err['msg']}")
    return "\n".join(lines)
