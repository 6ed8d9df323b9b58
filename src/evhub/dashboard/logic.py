"""The dashboard's logic, without Streamlit: the names the app and the tests use, in one place.

The Streamlit script (:mod:`evhub.dashboard.app`) only lays out widgets and
calls these functions, so everything the dashboard decides can be tested
without a browser. They live in modules by job:

- :mod:`evhub.dashboard.controls`: :func:`slider_specs` and :func:`project_frame`
  give the inputs of a scenario (their ranges come from the parameter's
  allowed range and the dataset's sourced range, never from numbers typed here);
- :mod:`evhub.dashboard.form`: :func:`form_overrides` turns the values in the
  form into overrides by dotted path, keeping only what differs from the
  scenario, and :func:`name_fields` names the form's fields in messages;
- :mod:`evhub.dashboard.runs`: :func:`run` validates them through
  :func:`evhub.resolve` (bad values raise :class:`~evhub.errors.InputError`
  with the scenario loader's message) and runs the scenario, keeping what the
  page shows in a :class:`Run`; :func:`compare_bands` and
  :func:`compare_scorecard` build the comparison of up to :data:`MAX_COMPARE`
  runs (:func:`compare_after_run` adds each new run to it; :func:`run_style`
  gives each run its scenario's colour, as in the report, and a dash);
- :mod:`evhub.dashboard.headlines`: the headline numbers of a run, their text
  and their :func:`delta` against the previous run;
- :mod:`evhub.dashboard.tables`: the scorecard as the page shows it and the
  sources a run used;
- :mod:`evhub.dashboard.values`: what counts as a number in the form.
"""

from evhub.dashboard.controls import (
    CONTROLS_TABLE,
    GRID,
    PROJECT_COLUMNS,
    REALISED,
    Control,
    SliderSpec,
    controls,
    project_frame,
    slider_specs,
)
from evhub.dashboard.form import (
    describe_overrides,
    extra_example,
    form_fields,
    form_overrides,
    name_fields,
    parse_extra,
    pending_inputs,
    project_overrides,
    stale_inputs,
)
from evhub.dashboard.headlines import (
    HEADLINES,
    Headline,
    HeadlineSpec,
    delta,
    format_value,
    metric_text,
)
from evhub.dashboard.runs import (
    HISTORY_SHOWN,
    MAX_COMPARE,
    MAX_RUNS,
    MAX_SAMPLES,
    MAX_SEED,
    Run,
    chart_years,
    check,
    compare_after_run,
    compare_bands,
    compare_scorecard,
    keep_runs,
    run,
    run_label,
    run_style,
)
from evhub.dashboard.tables import display_scorecard, sources_table

__all__ = [
    "CONTROLS_TABLE",
    "GRID",
    "HEADLINES",
    "HISTORY_SHOWN",
    "MAX_COMPARE",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "MAX_SEED",
    "PROJECT_COLUMNS",
    "REALISED",
    "Control",
    "Headline",
    "HeadlineSpec",
    "Run",
    "SliderSpec",
    "chart_years",
    "check",
    "compare_after_run",
    "compare_bands",
    "compare_scorecard",
    "controls",
    "delta",
    "describe_overrides",
    "display_scorecard",
    "extra_example",
    "form_fields",
    "form_overrides",
    "format_value",
    "keep_runs",
    "metric_text",
    "name_fields",
    "parse_extra",
    "pending_inputs",
    "project_frame",
    "project_overrides",
    "run",
    "run_label",
    "run_style",
    "slider_specs",
    "sources_table",
    "stale_inputs",
]
