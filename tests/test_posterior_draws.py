"""Ensembles draw the choice model's fitted parameters jointly from its posterior.

``{dist: posterior}`` (baseline's choice parameters) makes one column per class,
``<class>.choice.posterior``, whose value is the index of a draw of
``choice_posterior.csv``: every parameter of a member comes from the same draw,
so their correlations in the posterior are kept; a deterministic run uses the
posterior median of ``choice_fit.csv``; a dataset without draws is refused with
one message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evhub
from evhub.choiceposterior import draws_by_path
from evhub.ensemble.design import design
from evhub.ensemble.execute import make_task
from evhub.errors import InputError

JOINT = "car.choice.posterior"


def test_one_column_draws_every_fitted_parameter_of_the_class(dataset) -> None:
    resolved = evhub.resolve("baseline", dataset)
    task = make_task(resolved, dataset)
    names = task.design.names
    assert JOINT in names
    assert "car.choice.cost_sensitivity" not in names  # drawn within the joint column
    j = names.index(JOINT)
    u = np.full((5, len(names)), 0.5)
    u[:, j] = [0.01, 0.2, 0.4, 0.6, 0.99]
    values = task.design.values(u, task.base, task.layout, task.inputs.projects)
    params = task.design.parameters(values, task.base)
    draws = draws_by_path(dataset)
    index = values[:, j].astype(int)
    assert len(set(index)) == 5
    for path, samples in draws.items():
        np.testing.assert_array_equal(params[path], samples[index])
    # the draws are the table's, in its order: draw 0 of the cost sensitivity
    table = pd.read_csv(dataset.path / "choice_posterior.csv")
    first = table.query("parameter == 'car.cost_sensitivity' and draw == 0")["value"]
    assert draws["car.choice.cost_sensitivity"][0] == pytest.approx(float(first.iloc[0]))


def test_the_deterministic_run_uses_the_posterior_median(dataset) -> None:
    resolved = evhub.resolve("baseline", dataset)
    fit = dataset.rows("choice_fit", "cost_sensitivity", **{"class": "car"})
    assert resolved.values["car.choice.cost_sensitivity"] == pytest.approx(
        float(fit["value"].iloc[0])
    )
    assert resolved.distributions["car.choice.cost_sensitivity"].kind == "posterior"


def test_a_posterior_without_draws_is_refused(dataset) -> None:
    resolved = evhub.resolve("baseline", dataset)
    task = make_task(resolved, dataset)
    with pytest.raises(InputError) as info:
        design(resolved, task.inputs.projects, posterior={})
    assert "car.choice." in str(info.value)
    assert "= {dist: posterior}, but the dataset has no posterior draws of it" in str(info.value)
