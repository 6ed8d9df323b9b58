"""Fuzz the scenario loader: random overrides over the real parameter paths, random bytes.

Whatever comes in, the loader either accepts it or raises the project's own
:class:`~evhub.errors.InputError`: any other exception fails. An accepted
scenario's projection is finite (the chain runs for a sample of them).

The normal suite draws a few hundred examples; ``make bench`` draws 10,000
(``EVHUB_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evhub
from evhub.errors import InputError
from evhub.run import simulate_resolved
from evhub.scenario import KEYED, OVERRIDES, ProjectOverride, parameter_paths

EXAMPLES = int(os.environ.get("EVHUB_FUZZ_EXAMPLES", "300"))
#: Accepted scenarios whose chain is run too (the chain takes about 0.1 s).
CHAIN_EVERY = int(os.environ.get("EVHUB_FUZZ_CHAIN_EVERY", "25"))
DATA = evhub.load_dataset()
PROJECTS = ["togg-gemlik", "byd-manisa", "siro-gemlik-cells", "no-such-project"]

_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-200, max_value=3000),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-5, max_value=2100),
)
_leaves = st.one_of(
    _numbers,
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["drop", "weibull", "growth", "1e400", ".inf", "nan"]),
)
_distributions = st.fixed_dictionaries(
    {"dist": st.sampled_from(["normal", "lognormal", "uniform", "triangular", "beta", "x"])},
    optional={
        "mean": _numbers,
        "sd": _numbers,
        "low": _numbers,
        "high": _numbers,
        "mode": _numbers,
        "values": st.lists(_numbers, max_size=3),
        "probabilities": st.lists(_numbers, max_size=3),
    },
)
_values = st.one_of(
    _leaves,
    _distributions,
    st.lists(_leaves, max_size=3),
    st.dictionaries(st.text(max_size=6), _leaves, max_size=3),
)
_paths = st.one_of(
    st.sampled_from(parameter_paths()),
    st.builds(
        lambda group, year: f"{group}.{year}",
        st.sampled_from(KEYED),
        st.integers(min_value=-1, max_value=2200),
    ),
    st.builds(
        lambda pid, field: f"{OVERRIDES}.{pid}.{field}",
        st.sampled_from(PROJECTS),
        st.sampled_from([*ProjectOverride.model_fields, "colour"]),
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz._0123456789", max_size=30),
)
_overrides = st.dictionaries(_paths, _values, max_size=4)

_accepted = {"count": 0}
#: Settings of the examples written to a file (a third as many: each writes one).
FILES = settings(
    max_examples=max(EXAMPLES // 3, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _projection_is_finite(resolved: evhub.ResolvedScenario) -> None:
    _accepted["count"] += 1
    if _accepted["count"] % CHAIN_EVERY:
        return
    try:
        out = simulate_resolved(resolved, DATA)
    except InputError as refused:
        # refused when the chain is set up (a check that needs the dataset's arrays, e.g. a
        # powertrain gaining conversions without the share converted, or a schedule date
        # that is not a date): one message, like a refusal by resolve
        message = str(refused)
        assert message and "\n" not in message and "Traceback" not in message, message
        return
    after = DATA.years > DATA.base_year
    for name in ("sales", "stock", "fuel_energy", "electricity", "production", "exports"):
        values = np.asarray(getattr(out, name))[..., after]
        assert np.isfinite(values).all(), name


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_overrides, st.sampled_from(["baseline", "hub"]))
def test_random_overrides(overrides: dict, scenario: str) -> None:
    try:
        resolved = evhub.resolve(scenario, DATA, overrides)
    except InputError:
        return
    _projection_is_finite(resolved)


@FILES
@given(_overrides)
def test_random_overrides_as_a_file(tmp_path: Path, overrides: dict) -> None:
    try:
        body = yaml.safe_dump(
            {"name": "fuzz", "description": "d", "extends": "baseline", "overrides": overrides}
        )
    except (yaml.YAMLError, ValueError, OverflowError):
        return  # not writable as YAML: nothing a user could give
    path = tmp_path / "fuzz.yaml"
    path.write_text(body, encoding="utf-8")
    try:
        resolved = evhub.resolve(path, DATA)
    except InputError:
        return
    _projection_is_finite(resolved)


@FILES
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda head, tail: head + tail,
            st.just(b"name: x\ndescription: d\nextends: baseline\noverrides:\n"),
            st.binary(max_size=500),
        ),
        st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_random_bytes_as_a_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(raw)
    with contextlib.suppress(InputError):
        evhub.resolve(path, DATA)
