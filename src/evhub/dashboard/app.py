"""The evhub dashboard (a Streamlit script; start it with ``evhub dashboard``).

Pick a scenario, change its key assumptions in the sidebar (the EV share
curve of a class that follows one, the yearly fall of battery pack prices, the union
export share, the grid path, whether pipeline projects are
realised and their delays, any other parameter by its dotted path), run it or an ensemble,
compare up to four runs on the same charts, see the scorecard, the pipeline
and the sources, and download the IAMC CSV. Bad values get a message in the
page, from the same validation as scenario files.

This script only lays out widgets; what it decides is in
:mod:`evhub.dashboard.logic`. Each browser session keeps its own runs in
``st.session_state``; only the dataset and the shipped scenarios are shared
(read-only) between sessions.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import evhub
from evhub import figures
from evhub.dashboard import dataset_argument, logic
from evhub.dataset import Dataset
from evhub.dims import Dims
from evhub.errors import InputError
from evhub.parameters import path_group
from evhub.scenario import ResolvedScenario

TITLE = "evhub dashboard"
_PROJECT_HELP = (
    "*scenario*: keep the scenario's probability (the *probability* column): a single run "
    "counts the capacity times that probability, and an ensemble realises the project in "
    "that share of members. *yes*: the project is realised (probability 1); *no*: it is "
    "not (probability 0)."
)
_DELAY_HELP = (
    "Years beyond the announced start (its own, or its stage's). A value set here is fixed "
    "in an ensemble. Empty for plants already producing (ramping up or operating): their "
    "start does not slip."
)
_EXTRA_HELP = (
    "Any scenario parameter by its dotted path, one `PATH = VALUE` a line, as with "
    "`evhub run --set` (see `evhub scenarios show NAME`). These win over the inputs above. "
    "Values may be distributions, e.g. "
    "`grid.renewable_share.2035 = {dist: uniform, low: 50, high: 70}`."
)


def _source() -> str:
    """The dataset folder the app runs (``evhub dashboard --dataset``), ``""`` for the shipped one.

    The caches below are keyed by it: one server runs one dataset, a test process several.
    """
    given = dataset_argument(sys.argv)
    return "" if given is None else str(given.resolve())


@st.cache_resource(show_spinner=False)
def _dataset_of(source: str) -> Dataset:
    return evhub.load_dataset(source or None)


def _dataset() -> Dataset:
    """The dataset, shared read-only by every session."""
    return _dataset_of(_source())


@st.cache_resource(show_spinner=False)
def _shipped_of(source: str) -> tuple[ResolvedScenario, ...]:
    data = _dataset_of(source)
    return tuple(evhub.resolve(s.name, data) for s in evhub.list_scenarios(data))


def _shipped() -> tuple[ResolvedScenario, ...]:
    """The dataset's scenarios, resolved (shared read-only by every session)."""
    return _shipped_of(_source())


@st.cache_data(show_spinner=False)
def _form_of(source: str, name: str) -> tuple[list[logic.SliderSpec], pd.DataFrame, str]:
    shipped = _shipped_of(source)
    resolved = next(s for s in shipped if s.name == name)
    data = _dataset_of(source)
    return (
        logic.slider_specs(resolved, data, shipped),
        logic.project_frame(resolved, data),
        resolved.description,
    )


def _form(name: str) -> tuple[list[logic.SliderSpec], pd.DataFrame, str]:
    """Sliders, pipeline rows and description of a scenario of the dataset (a copy per call)."""
    return _form_of(_source(), name)


@st.cache_resource(show_spinner=False)
def _control_keys_of(source: str) -> tuple[str, ...]:
    return tuple(c.key for c in logic.controls(_dataset_of(source)))


def _control_keys() -> tuple[str, ...]:
    """Keys of the sliders that are not year-keyed (read once: the scenario callback is short)."""
    return _control_keys_of(_source())


def _input_keys() -> list[str]:
    """Keys of the inputs a scenario change resets (the sliders and the text box).

    The pipeline editor starts afresh by itself: its rows are named after the scenario
    (see :func:`_sidebar`).
    """
    fixed = list(_control_keys())  # the year-keyed ones by prefix
    grid = [key for key in st.session_state if str(key).startswith("grid_")]
    return [*fixed, *grid, "extra"]


def _on_scenario() -> None:
    """The scenario changed: note what the browser shows; _sync_form resets the inputs.

    A callback that a new request from the browser interrupts stops half-way and is not
    called again, so this one only writes two state entries; the reset itself is done
    (and redone, if interrupted) by the script.
    """
    state = st.session_state
    state["_shown"] = {key: state[key] for key in _input_keys() if key in state}
    state["_reset_to_scenario"] = True


def _reset(name: str, shown: dict[str, Any]) -> None:
    """Set the inputs to a scenario's values; ``shown`` is what the browser showed before."""
    state = st.session_state
    specs, _, _ = _form(name)
    values: dict[str, Any] = {s.key: s.cast(s.value) for s in specs}
    values["extra"] = ""
    state["_pending"] = logic.pending_inputs(shown, values)
    for key, value in values.items():
        state[key] = value
    state["form_scenario"] = name


def _sync_form(names: Sequence[str]) -> None:
    """Keep the inputs those of the chosen scenario, whatever order requests arrive in.

    On the first run, set the first scenario's values. After a scenario change, set the
    new scenario's values. Otherwise check the values the browser sent: the browser
    shows a scenario's values only once it has drawn the sidebar that the change
    produced, and a click on Run before that (a busy server or browser) sends back the
    previous scenario's values, which would win over the reset and run a mix of two
    scenarios. So the first values sent after a reset are checked once: one equal to
    what the browser showed before the reset is set again to the new scenario's
    (:func:`evhub.dashboard.logic.stale_inputs`).
    """
    state = st.session_state
    if "form_scenario" not in state:
        state["scenario"] = names[0]
        state["samples"] = 0
        state["seed"] = 0
        state["runs"] = []
        state["counts"] = {}
        _reset(names[0], {})
        return
    if state.get("_reset_to_scenario"):
        _reset(str(state["scenario"]), dict(state.get("_shown") or {}))
        # only now: if this run is stopped before here, the next one resets again
        del state["_reset_to_scenario"]
        return
    pending = state.get("_pending") or {}
    received = {key: state.get(key) for key in pending}
    for key, value in logic.stale_inputs(pending, received).items():
        state[key] = value
    state["_pending"] = {}


def _slider(spec: logic.SliderSpec) -> None:
    if spec.key not in st.session_state:
        st.session_state[spec.key] = spec.cast(spec.value)
    st.slider(
        spec.label,
        min_value=spec.cast(spec.low),
        max_value=spec.cast(spec.high),
        step=spec.cast(spec.step),
        format=spec.format,
        key=spec.key,
        help=spec.help,
    )


#: Headings of the sidebar's sliders by parameter group (:func:`evhub.parameters.path_group`),
#: in the order shown; a slider of a group not named here comes under :data:`_OTHER_SLIDERS`.
_SLIDER_GROUPS = (
    ("EV share curve", "market"),
    ("Battery pack prices", "battery"),
    ("Exports", "trade"),
    ("Grid path", logic.GRID.partition(".")[0]),
)
_OTHER_SLIDERS = "Other assumptions"


def _slider_groups(
    specs: Sequence[logic.SliderSpec], dims: Dims
) -> list[tuple[str, list[logic.SliderSpec]]]:
    """The sliders under their headings, leaving out a heading without any slider.

    Every slider is shown: one of a group without a heading of its own (a new row of the
    controls table) comes last, under :data:`_OTHER_SLIDERS`, instead of being left out.
    """
    named = {group for _, group in _SLIDER_GROUPS}
    out = [
        (title, [s for s in specs if path_group(s.path, dims) == group])
        for title, group in _SLIDER_GROUPS
    ]
    out.append((_OTHER_SLIDERS, [s for s in specs if path_group(s.path, dims) not in named]))
    return [(title, group) for title, group in out if group]


def _sidebar(
    names: Sequence[str],
) -> tuple[list[logic.SliderSpec], pd.DataFrame, pd.DataFrame, bool]:
    """The inputs; returns the sliders, the pipeline rows before and after editing, Run."""
    state = st.session_state
    with st.sidebar:
        st.selectbox(
            "Scenario",
            names,
            key="scenario",
            on_change=_on_scenario,
            help="Changing the scenario resets the inputs below to its values.",
        )
        specs, projects, description = _form(state["scenario"])
        with st.expander(f"About {state['scenario']}"):
            st.caption(description)
        dims = _dataset().dims
        for title, group in _slider_groups(specs, dims):
            st.subheader(title)
            for spec in group:
                _slider(spec)
        st.subheader("Pipeline projects")
        # Streamlit keeps a keyed editor's edits while only its values change; rows named
        # after the scenario make it a new editor, without the edits, for each scenario.
        edited = st.data_editor(
            projects.rename_axis(f"rows of {state['scenario']}"),
            key="projects",
            column_order=logic.PROJECT_COLUMNS,
            disabled=["project id", "company", "stage", "probability"],
            hide_index=True,
            column_config={
                "project id": st.column_config.TextColumn("project id", pinned=True),
                "realised": st.column_config.SelectboxColumn(
                    "realised",
                    help=_PROJECT_HELP,
                    options=logic.REALISED,
                    required=True,
                    width="small",
                ),
                "delay [yr]": st.column_config.NumberColumn(
                    "delay [yr]", help=_DELAY_HELP, step=0.5, width="small"
                ),
                "probability": st.column_config.NumberColumn(
                    "probability",
                    format="percent",
                    help="Of being realised, in this scenario (what *scenario* keeps).",
                    width="small",
                ),
            },
        )
        st.caption(
            "*realised*: *scenario* keeps the scenario's probability, *yes* sets it to 1, "
            "*no* to 0. *delay* applies to projects not yet producing."
        )
        with st.expander("Other parameters"):
            st.text_area(
                "Other parameters (PATH = VALUE, one a line)",
                key="extra",
                placeholder=logic.extra_example(_dataset()),
                help=_EXTRA_HELP,
            )
        st.subheader("Run")
        st.number_input(
            "Ensemble members (0 = single run)",
            min_value=0,
            max_value=logic.MAX_SAMPLES,
            step=1,
            key="samples",
        )
        st.number_input("Seed", min_value=0, max_value=logic.MAX_SEED, step=1, key="seed")
        # no help= on these two: its button, named "Help for <label>", would be a second
        # match for the label (and for "Run") in a browser test
        st.caption(
            "An ensemble draws the scenario's uncertain assumptions and realises each "
            f"project with its odds (at most {logic.MAX_SAMPLES} members here); the same "
            "seed gives the same ensemble."
        )
        clicked = st.button("Run", key="run", type="primary")
    return specs, projects, edited, clicked


def _run(specs: Sequence[logic.SliderSpec], projects: pd.DataFrame, edited: pd.DataFrame) -> None:
    """Run the form's scenario; on bad input show the message and keep the previous runs."""
    state = st.session_state
    name = str(state["scenario"])
    data = _dataset()
    extra = str(state.get("extra") or "")
    fields = logic.form_fields(specs, projects, extra)
    try:
        overrides = logic.form_overrides(
            specs, {s.key: state[s.key] for s in specs}, projects, edited, extra
        )
        logic.check(
            name,
            overrides,
            data=data,
            samples=state["samples"],
            seed=state["seed"],
            fields=fields,
        )
    except InputError as exc:
        st.error(str(exc))
        return
    count = int(state["counts"].get(name, 0)) + 1
    label = logic.run_label(name, count, edited=bool(overrides))
    with st.status(f"Running {label} …", expanded=True) as status:
        bar = st.progress(0.0, text="starting")

        def progress(done: int, total: int, what: str) -> None:
            fraction = min(1.0, done / total) if total else 1.0
            bar.progress(fraction, text=f"{what}: {done} of {total}")

        try:
            new = logic.run(
                name,
                overrides,
                data=data,
                label=label,
                samples=state["samples"],
                seed=state["seed"],
                progress=progress,
                fields=fields,
            )
        except InputError as exc:
            status.update(label=f"{label} did not run", state="error", expanded=False)
            st.error(str(exc))
            return
        status.update(label=f"Ran {label} in {new.seconds:.1f} s", state="complete", expanded=False)
    state["counts"] = {**state["counts"], name: count}
    state["runs"] = logic.keep_runs(state["runs"], new)
    kept = [r.label for r in state["runs"]]
    # the scenario's colour (as in the report) and a dash per run of the scenario: the same
    # whichever runs are compared
    known = [s.name for s in _shipped()]
    colour, dash = logic.run_style(name, count, known)
    colours = {k: v for k, v in dict(state.get("colours") or {}).items() if k in kept}
    dashes = {k: v for k, v in dict(state.get("dashes") or {}).items() if k in kept}
    state["colours"] = {**colours, label: colour}
    state["dashes"] = {**dashes, label: dash}
    # the new run joins the comparison (runs beyond the last MAX_RUNS are gone)
    selected = [x for x in state.get("compare") or [] if x in kept]
    state["compare"] = logic.compare_after_run(selected, label)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _headlines(runs: Sequence[logic.Run]) -> None:
    latest = runs[-1]
    previous = runs[-2] if len(runs) > 1 else None
    before = {h.indicator: h for h in previous.headlines} if previous else {}
    against = f" against {previous.label}" if previous else ""
    st.caption(f"Latest run: **{latest.label}**{against}.")
    for column, head in zip(st.columns(len(latest.headlines)), latest.headlines, strict=True):
        text, colour = logic.delta(head, before.get(head.indicator))
        column.metric(
            head.label,
            logic.metric_text(head),
            delta=text,
            delta_color=colour,
            delta_arrow="off" if colour == "off" else "auto",
            help=f"{head.indicator} in {head.year} [{head.unit}], deterministic run of "
            f"{latest.label}{against}.",
        )
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        "Download IAMC CSV",
        latest.iamc_csv,
        file_name=f"{_slug(latest.label)}_iamc.csv",
        mime="text/csv",
        key="download_iamc",
        on_click="ignore",
    )
    if latest.quantiles_csv is not None:
        right.download_button(
            "Download quantiles CSV",
            latest.quantiles_csv,
            file_name=f"{_slug(latest.label)}_iamc_quantiles.csv",
            mime="text/csv",
            key="download_quantiles",
            on_click="ignore",
        )


def _figures(selected: Sequence[logic.Run]) -> dict[str, go.Figure]:
    """The charts of the selected runs, kept in the session while the selection stays."""
    labels = tuple(r.label for r in selected)  # unique in a session, and runs never change
    memo = st.session_state.get("_figures")
    if memo is not None and memo[0] == labels:
        return dict(memo[1])
    bands = logic.compare_bands(selected)
    years = logic.chart_years(selected[-1])
    base_year = selected[-1].base_year
    colours = dict(st.session_state.get("colours") or {})
    dashes = dict(st.session_state.get("dashes") or {})
    dims = _dataset().dims
    figs: dict[str, go.Figure] = {}
    for spec in figures.charts(dims):
        figs[f"chart-{spec.key}"] = figures.chart(
            bands,
            spec,
            scenarios=labels,
            years=years,
            base_year=base_year,
            colours=colours,
            dashes=dashes,
        )
    for stack in figures.stacks(dims):
        figs[f"stack-{stack.key}"] = figures.stacked_area(
            bands, stack, scenarios=labels, years=years, base_year=base_year
        )
    st.session_state["_figures"] = (labels, figs)
    return figs


def _charts(selected: Sequence[logic.Run]) -> None:
    figs = _figures(selected)
    dims = _dataset().dims
    shown = dims.classes.ids[0]
    if len(dims.classes) > 1:  # one class's charts at a time, and the charts of no class
        shown = st.radio(
            "Vehicle class",
            dims.classes.ids,
            format_func=dims.classes.label,
            horizontal=True,
            key="chart_class",
        )
    charts = [c for c in figures.charts(dims) if c.vehicle_class in (None, shown)]
    for i in range(0, len(charts), 2):
        for column, spec in zip(st.columns(2), charts[i : i + 2], strict=False):
            with column:
                key = f"chart-{spec.key}"
                st.plotly_chart(figs[key], key=key, config={"displaylogo": False})
                st.caption(spec.question)
    for stack in figures.stacks(dims):
        if stack.vehicle_class not in (None, shown):
            continue
        key = f"stack-{stack.key}"
        st.plotly_chart(figs[key], key=key, config={"displaylogo": False})


def _scorecard(selected: Sequence[logic.Run]) -> None:
    card = logic.display_scorecard(logic.compare_scorecard(selected))
    st.dataframe(
        card,
        hide_index=True,
        placeholder="",
        column_config={
            "value": st.column_config.NumberColumn("value", format="localized"),
            "target": st.column_config.NumberColumn("target", format="localized"),
            "probability": st.column_config.NumberColumn(
                "probability", format="percent", help="Share of members that meet the target."
            ),
            "p05": st.column_config.NumberColumn("p05", format="localized", help="5th percentile"),
            "p95": st.column_config.NumberColumn("p95", format="localized", help="95th percentile"),
        },
    )
    st.caption(
        "value: the deterministic run (every uncertain assumption at its central value); "
        "with an ensemble, p05-p95 is the range of the middle 90 % of members and "
        "probability the share of members that meet the target."
    )


def _pick(selected: Sequence[logic.Run], key: str) -> logic.Run:
    labels = [r.label for r in selected]
    if st.session_state.get(key) not in labels:
        st.session_state[key] = labels[-1]
    chosen = st.selectbox("Run shown", labels, key=key)
    return next(r for r in selected if r.label == chosen)


def _pipeline(selected: Sequence[logic.Run]) -> None:
    shown = _pick(selected, "pipeline_run")
    table = shown.pipeline
    year = table.attrs.get("year", "")
    columns = {
        "id": "project id",
        "company": "company",
        "kind": "kind",
        "site": "site",
        "stage": "stage",
        "capacity": "capacity",
        "capacity_unit": "unit",
        "start_year": "announced start",
        "start": "expected start",
        "delay": "delay [yr]",
        "probability": "probability",
        "expected_capacity": "expected capacity",
        "usable": f"usable {year}",
        "source": "sources",
    }
    st.dataframe(
        table[list(columns)].rename(columns=columns),
        hide_index=True,
        placeholder="",
        column_config={
            "capacity": st.column_config.NumberColumn(format="localized"),
            "expected capacity": st.column_config.NumberColumn(
                format="localized", help="Capacity times probability."
            ),
            f"usable {year}": st.column_config.NumberColumn(
                format="localized", help=f"Expected usable capacity in {year}, after the ramp."
            ),
            "probability": st.column_config.NumberColumn(format="percent"),
            "announced start": st.column_config.NumberColumn(format="%d"),
            "expected start": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    st.caption(
        f"The investment pipeline as {shown.label} saw it; changes: "
        f"{logic.describe_overrides(shown.overrides)}."
    )


def _sources(selected: Sequence[logic.Run]) -> None:
    shown = _pick(selected, "sources_run")
    st.dataframe(
        shown.sources,
        hide_index=True,
        placeholder="",
        column_config={"url": st.column_config.LinkColumn("url")},
    )
    st.caption(
        f"{len(shown.sources)} sources behind {shown.label}: data tables, "
        "scenario parameters and pipeline projects."
    )


def _runs_table(runs: Sequence[logic.Run]) -> None:
    with st.expander(f"Session history: {len(runs)} of at most {logic.MAX_RUNS} kept"):
        st.dataframe(
            pd.DataFrame(
                {
                    "run": [r.label for r in runs],
                    "scenario": [r.scenario for r in runs],
                    "members": [r.samples for r in runs],
                    "seed": [r.seed for r in runs],
                    "changes": [logic.describe_overrides(r.overrides) for r in runs],
                    "seconds": [round(r.seconds, 2) for r in runs],
                }
            ),
            hide_index=True,
        )


def main() -> None:
    """The page."""
    st.set_page_config(page_title=TITLE, layout="wide")
    data = _dataset()
    names = [s.name for s in _shipped()]
    _sync_form(names)
    try:
        specs, projects, edited, clicked = _sidebar(names)
    except ValueError as exc:  # a dataset without usable ranges (InputError is a ValueError)
        st.error(str(exc))
        return
    st.title(TITLE)
    if clicked:
        _run(specs, projects, edited)
    runs: list[logic.Run] = st.session_state["runs"]
    if not runs:
        st.info(
            f"Set the assumptions in the sidebar and press **Run**. The dataset is "
            f"{data.name} ({data.region}), observed to {data.base_year}, projected to "
            f"{data.last_year}."
        )
        return
    _headlines(runs)
    labels = [r.label for r in runs]
    if "compare" in st.session_state:  # runs beyond the last MAX_RUNS are gone
        st.session_state["compare"] = [x for x in st.session_state["compare"] if x in labels]
    else:
        st.session_state["compare"] = [labels[-1]]
    chosen = st.multiselect(
        f"Compare runs (up to {logic.MAX_COMPARE})",
        labels,
        key="compare",
        max_selections=logic.MAX_COMPARE,
    )
    _runs_table(runs)
    if not chosen:
        st.info("Select at least one run to compare.")
        return
    selected = [r for r in runs if r.label in chosen]
    charts, scorecard, pipeline, sources = st.tabs(["Charts", "Scorecard", "Pipeline", "Sources"])
    with charts:
        _charts(selected)
    with scorecard:
        _scorecard(selected)
    with pipeline:
        _pipeline(selected)
    with sources:
        _sources(selected)


if __name__ == "__main__":
    main()
