"""The manifest of a run (``manifest.json``) and the request it records.

A run folder's manifest names the run (id, evhub version, time, the
request, the dataset and the scenario files with their checksums) and lists
every file of the run with its size and SHA-256, so a run can be cited and
reproduced, and a folder whose files are not from one run is refused.

A manifest holds no absolute path of the machine that wrote it
(:func:`evhub.provenance.portable_path`): the shipped dataset has no path (its
name and checksum identify it), a file of the dataset is named relative to the
dataset folder (``scenarios/hub.yaml``), and any other path (a dataset folder,
a scenario file, ``--out``) as given, relative to the working directory, or
under the home folder (``~/...``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evhub.dataset import Dataset, load_dataset
from evhub.errors import InputError
from evhub.layout.checksums import sha256_file, tree_checksum
from evhub.layout.filesystem import reason
from evhub.layout.names import RUN_ID_PATTERN
from evhub.provenance import portable_path
from evhub.scenario import flatten, list_scenarios, load_scenario
from evhub.scenario.resolution import OVERRIDES_ORIGIN

if TYPE_CHECKING:
    from evhub.results import Results
    from evhub.scenario import ResolvedScenario

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Manifest",
    "Request",
    "evhub_version",
    "manifest_body",
]

#: Value of ``format`` in a manifest.
FORMAT = "evhub-results"
#: Version of the manifest's format (2: no absolute paths, see the module's docstring).
FORMAT_VERSION = 2
_MANIFEST_LIMIT = 16 << 20  # bytes; a manifest of a run is a few kB


def _plain(value: Any) -> Any:
    """A value as JSON would give it back (tuples as lists, dates as text, ...)."""
    return json.loads(json.dumps(value, default=str, allow_nan=True))


def _flat(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    flat = flatten(dict(overrides or {}))
    return {str(k): _plain(v) for k, v in sorted(flat.items())}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _shipped(path: Path) -> bool:
    root = Path(str(resources.files("evhub").joinpath("data"))).resolve()
    return path.resolve().is_relative_to(root)


@dataclass(frozen=True)
class Request:
    """What a run was asked to do: the identity of its results.

    Two runs with the same request write the same results (up to the dataset
    and scenario files, whose checksums the manifest records); writing a run
    into a folder that holds a run of another request needs ``force``.

    Attributes
    ----------
    scenarios
        Scenario names, in order.
    arguments
        The scenarios as given (names or files); empty for "every shipped scenario".
    overrides
        ``--set`` overrides by dotted path.
    samples, seed, sampler
        Of the ensemble; ``samples`` is ``None`` for a deterministic run.
    dataset, dataset_path, dataset_shipped
        Name and folder of the dataset, and whether it is the one shipped with evhub.
    """

    scenarios: tuple[str, ...]
    arguments: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    samples: int | None = None
    seed: int | None = None
    sampler: str | None = None
    dataset: str = ""
    dataset_path: str = ""
    dataset_shipped: bool = True

    @classmethod
    def of(
        cls,
        scenarios: str | Path | Sequence[str | Path] | None = None,
        *,
        dataset: str | Path | Dataset | None = None,
        overrides: Mapping[str, Any] | None = None,
        samples: int | None = None,
        seed: int = 0,
        sampler: str = "lhs",
    ) -> Request:
        """The request of ``evhub.run(...)`` with these arguments, before it runs.

        Reads the dataset and the scenario files (for their names); raises
        :class:`InputError` as the run would for an unknown scenario or dataset.
        """
        data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
        if scenarios is None:
            arguments: list[str] = []
            names = [s.name for s in list_scenarios(data)]
        else:
            given = [scenarios] if isinstance(scenarios, (str, Path)) else list(scenarios)
            arguments = [str(a) for a in given]
            names = [load_scenario(a, data).name for a in given]
        return cls._make(names, arguments, overrides, samples, seed, sampler, data)

    @classmethod
    def from_results(cls, results: Results) -> Request:
        """The request that made ``results``, as far as the results tell it.

        The scenario names, the ensemble's size, seed and sampler, the dataset
        and the overrides (the values whose source is ``overrides``).
        """
        first = results.scenarios[0] if results.scenarios else None
        overrides: dict[str, Any] = {}
        if first is not None:
            for path, origin in first.provenance.items():
                if OVERRIDES_ORIGIN in str(origin).split(";"):
                    dist = first.distributions.get(path)
                    overrides[path] = dist.spec() if dist is not None else first.values.get(path)
        arguments = [_argument(s, results.dataset) for s in results.scenarios]
        ens = results.ensemble
        return cls._make(
            [s.name for s in results.scenarios],
            arguments,
            overrides,
            ens.samples if ens is not None else None,
            ens.seed if ens is not None else 0,
            ens.sampler if ens is not None else "lhs",
            results.dataset,
        )

    @classmethod
    def _make(
        cls,
        names: Sequence[str],
        arguments: Sequence[str],
        overrides: Mapping[str, Any] | None,
        samples: int | None,
        seed: int,
        sampler: str,
        data: Dataset,
    ) -> Request:
        return cls(
            scenarios=tuple(names),
            arguments=tuple(arguments),
            overrides=_flat(overrides),
            samples=samples,
            seed=seed if samples is not None else None,
            sampler=sampler if samples is not None else None,
            dataset=data.name,
            dataset_path=str(data.path),
            dataset_shipped=_shipped(data.path),
        )

    @classmethod
    def from_json(cls, request: Mapping[str, Any], dataset: Mapping[str, Any]) -> Request:
        """The request of a manifest (its ``request`` and ``dataset`` entries)."""
        samples = request.get("samples")
        return cls(
            scenarios=tuple(str(s) for s in request.get("scenarios") or ()),
            arguments=tuple(str(s) for s in request.get("arguments") or ()),
            overrides=dict(request.get("overrides") or {}),
            samples=int(samples) if samples is not None else None,
            seed=request.get("seed"),
            sampler=request.get("sampler"),
            dataset=str(dataset.get("name", "")),
            dataset_path=str(dataset.get("path", "")),
            dataset_shipped=bool(dataset.get("shipped", False)),
        )

    def key(self) -> str:
        """The identity of the request: equal keys, the same results.

        A dataset folder other than the shipped one is compared by where it
        resolves to (a manifest names it relative to the working directory or
        to ``~``, :func:`evhub.provenance.portable_path`).
        """
        where = f"shipped:{self.dataset}" if self.dataset_shipped else _resolved(self.dataset_path)
        return json.dumps(
            [
                list(self.scenarios),
                dict(self.overrides),
                self.samples,
                self.seed,
                self.sampler,
                where,
            ],
            sort_keys=True,
            default=str,
        )

    def describe(self) -> str:
        """The request in words, e.g. ``baseline, hub with 500 members (seed 1, lhs)``."""
        text = ", ".join(self.scenarios) or "no scenario"
        if self.samples is not None:
            text += f" with {self.samples:,} members (seed {self.seed}, {self.sampler})"
        else:
            text += " (deterministic)"
        if self.overrides:
            text += " and " + " ".join(f"--set {k}={_show(v)}" for k, v in self.overrides.items())
        if not self.dataset_shipped:
            text += f" on the dataset {self.dataset_path}"
        return text

    def command(self, out: str | Path | None = None, *, portable: bool = False) -> str:
        """The ``evhub run`` command of the request (with ``--out OUT`` if given).

        With ``portable``, its paths as a manifest writes them
        (:func:`evhub.provenance.portable_path`); else as given.
        """
        show = portable_path if portable else str
        words = ["evhub", "run", *(show(a) for a in self.arguments)]
        if not self.dataset_shipped:
            words += ["--dataset", show(self.dataset_path)]
        for path, value in self.overrides.items():
            words += ["--set", f"{path}={_show(value)}"]
        if self.samples is not None:
            words += ["--samples", str(self.samples), "--seed", str(self.seed)]
            words += ["--sampler", str(self.sampler)]
        if out is not None:
            words += ["--out", show(out)]
        return " ".join(_quote(w) for w in words)

    def to_json(self, out: str | Path | None = None) -> dict[str, Any]:
        """The ``request`` entry of a manifest (no absolute path: see the module's docstring)."""
        return {
            "command": self.command(out, portable=True),
            "arguments": [portable_path(a) for a in self.arguments],
            "scenarios": list(self.scenarios),
            "overrides": dict(self.overrides),
            "samples": self.samples,
            "seed": self.seed,
            "sampler": self.sampler,
        }


def _quote(word: str) -> str:
    """A word of a shell command; a leading ``~/`` stays unquoted, so the shell expands it.

    >>> _quote("~/my scenarios/a.yaml"), _quote("hub")
    ("~/'my scenarios/a.yaml'", 'hub')
    """
    if word.startswith("~/"):
        return "~/" + shlex.quote(word[2:])
    return shlex.quote(word)


def _resolved(path: str) -> str:
    """A dataset path of a request or a manifest, resolved (``~`` expanded)."""
    try:
        return str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError):  # no home folder, or a path that cannot be resolved
        return path


def _argument(scenario: ResolvedScenario, data: Dataset) -> str:
    """How to name a resolved scenario to load it again: its name, or its file."""
    path = _scenario_path(scenario.name, scenario, data)
    if path is None or path.parent.resolve() == (data.path / "scenarios").resolve():
        return scenario.name
    return str(path)


def _scenario_path(name: str, scenario: ResolvedScenario, data: Dataset) -> Path | None:
    """The file of the scenario ``name`` of a resolved scenario's chain, if it can be found."""
    with contextlib.suppress(InputError, OSError):
        found = load_scenario(name, data)
        if found.path is not None:
            return found.path
    for chained, path in zip(scenario.chain, scenario.files, strict=False):
        if chained == name and path is not None:
            return path
    origins = {o for value in scenario.provenance.values() for o in str(value).split(";")}
    for origin in sorted(origins):
        if not origin.endswith((".yaml", ".yml")):
            continue
        with contextlib.suppress(InputError, OSError):
            found = load_scenario(origin, data)
            if found.name == name and found.path is not None:
                return found.path
    return None


def _scenario_files(
    request: Request, scenarios: Sequence[ResolvedScenario], data: Dataset
) -> list[dict[str, Any]]:
    """Each scenario with its chain and the checksum of each file of the chain, root first."""
    arguments = list(request.arguments) or [s.name for s in scenarios]
    out = []
    for k, scenario in enumerate(scenarios):
        files: list[dict[str, Any]] = []
        current: str | Path | None = arguments[k] if k < len(arguments) else scenario.name
        referrer: Path | None = None
        try:
            while current is not None and len(files) <= len(scenario.chain):
                loaded = load_scenario(current, data, referrer=referrer)
                path = loaded.path
                files.append(
                    {
                        "name": loaded.name,
                        "path": portable_path(path, data.path) if path else None,
                        "sha256": sha256_file(path) if path else None,
                    }
                )
                referrer, current = path, loaded.extends
        except (InputError, OSError):  # a file changed during the run: record what is known
            known = {f["name"] for f in files}
            for name in scenario.chain:
                if name not in known:
                    path = _scenario_path(name, scenario, data)
                    files.append(
                        {
                            "name": name,
                            "path": portable_path(path, data.path) if path else None,
                            "sha256": sha256_file(path) if path else None,
                        }
                    )
        files.reverse()
        out.append({"name": scenario.name, "chain": list(scenario.chain), "files": files})
    return out


def evhub_version() -> str:
    """The installed version of evhub (``unknown`` in a bare source tree)."""
    try:
        return metadata.version("evhub")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def manifest_body(
    run_id: str,
    created: dt.datetime,
    request: Request,
    results: Results,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """The manifest of a run, without its ``files`` (added by :func:`evhub.layout.write_run`)."""
    data = results.dataset
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "run_id": run_id,
        "evhub_version": evhub_version(),
        "created_utc": created.isoformat(),
        "request": request.to_json(out),
        "dataset": {
            "name": data.name,
            "path": "" if request.dataset_shipped else portable_path(data.path),
            "shipped": request.dataset_shipped,
            "sha256": tree_checksum(data.path),
            # the dataset's scenarios in its order: a scenario's colour in the report
            "scenarios": [s.name for s in list_scenarios(data)],
        },
        "scenarios": _scenario_files(request, results.scenarios, data),
    }


@dataclass(frozen=True)
class Manifest:
    """The manifest of a run folder (``manifest.json``).

    Attributes
    ----------
    path
        The file.
    data
        Its content: ``format``, ``run_id``, ``evhub_version``,
        ``created_utc``, ``request`` (command, scenarios, overrides, samples,
        seed, sampler), ``dataset`` (name, path, shipped, sha256, and the names
        of its scenarios in its order: their colours in the report),
        ``scenarios`` (each with its chain of files and their sha256) and
        ``files`` (each file of the run with ``bytes`` and ``sha256``). No path
        in it is an absolute path of the machine (see the module's docstring).
    """

    path: Path
    data: Mapping[str, Any]

    @property
    def run_id(self) -> str:
        """The id of the run."""
        return str(self.data["run_id"])

    @property
    def files(self) -> Mapping[str, Mapping[str, Any]]:
        """Each file of the run with its size [bytes] and SHA-256."""
        files: Mapping[str, Mapping[str, Any]] = self.data["files"]
        return files

    @property
    def dataset_scenarios(self) -> tuple[str, ...]:
        """The scenarios of the run's dataset, in its order (none in a manifest without them)."""
        names = (self.data.get("dataset") or {}).get("scenarios")
        if not isinstance(names, list):
            return ()
        return tuple(str(n) for n in names if isinstance(n, str))

    @property
    def request(self) -> Request:
        """The request of the run."""
        return Request.from_json(self.data.get("request") or {}, self.data.get("dataset") or {})

    @classmethod
    def read(cls, path: Path, shown: Path | None = None) -> Manifest:
        """Read and check a manifest; ``shown`` is its name in messages.

        Raises
        ------
        InputError
            If the file is missing, is not JSON or is not an evhub manifest.
        """
        shown = shown or path
        if not path.is_file():
            msg = f"{shown}: no such file"
            raise InputError(msg)
        size = path.stat().st_size
        if size > _MANIFEST_LIMIT:
            msg = f"{shown}: {size:,} bytes, too large for a manifest (at most {_MANIFEST_LIMIT:,})"
            raise InputError(msg)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            msg = f"{shown}: not a readable manifest ({reason(exc)})"
            raise InputError(msg) from None
        problem = _manifest_problem(data)
        if problem:
            msg = f"{shown}: not an evhub manifest ({problem})"
            raise InputError(msg)
        return cls(path, data)


def _manifest_problem(data: Any) -> str:
    if not isinstance(data, dict):
        return "expected a JSON object"
    if data.get("format") != FORMAT:
        return f"format = {data.get('format')!r}, expected {FORMAT!r}"
    if not isinstance(data.get("run_id"), str) or not RUN_ID_PATTERN.match(data["run_id"]):
        return f"run_id = {data.get('run_id')!r} is not a run id"
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        return "no 'files'"
    for name, entry in files.items():
        if name != Path(name).name or name in ("", ".", "..") or name.startswith("."):
            return f"files lists {name!r}, which is not a file name of a run folder"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not isinstance(entry.get("bytes"), int)
        ):
            return f"files[{name!r}] has no bytes and sha256"
    request, dataset = data.get("request"), data.get("dataset")
    if not isinstance(request, dict) or not isinstance(dataset, dict):
        return "'request' and 'dataset' must be objects"
    kinds: dict[str, tuple[type, ...]] = {
        "scenarios": (list,),
        "arguments": (list,),
        "overrides": (dict,),
        "samples": (int, type(None)),
        "seed": (int, type(None)),
        "sampler": (str, type(None)),
    }
    for key, types in kinds.items():
        value = request.get(key)
        if not isinstance(value, types) or isinstance(value, bool):
            return f"request.{key} = {value!r} is not of the expected type"
    if not all(isinstance(s, str) for s in [*request["scenarios"], *request["arguments"]]):
        return "request.scenarios and request.arguments must be lists of names"
    for key in ("name", "path"):
        if not isinstance(dataset.get(key), str):
            return f"dataset.{key} = {dataset.get(key)!r} is not a text"
    return ""
