"""What the origin shares say about the origin nest's sensitivity (evhub.choiceorigin)."""

from __future__ import annotations

import numpy as np
import pytest

from evhub import choicefit, choiceorigin
from evhub.choicecost import generalised_costs
from evhub.dataset import load_dataset
from evhub.errors import InputError


def test_least_squares_through_the_origin_recovers_a_known_sensitivity() -> None:
    # log-odds moves made by beta_o = 2e-4 exactly: the estimate is 2e-4
    cost = np.array([3000.0, -1500.0, 500.0])
    assert choiceorigin.implied_sensitivity(-2e-4 * cost, cost) == pytest.approx(2e-4)
    # by hand: -(1000 x -0.1 + 2000 x -0.5) / (1000^2 + 2000^2) = 1100 / 5e6
    got = choiceorigin.implied_sensitivity(np.array([-0.1, -0.5]), np.array([1000.0, 2000.0]))
    assert got == pytest.approx(2.2e-4)
    assert np.isnan(choiceorigin.implied_sensitivity(np.array([0.3]), np.array([0.0])))


def test_the_combustion_cars_from_china_by_hand(dataset) -> None:
    pairs = choiceorigin.origin_evidence(dataset, "car").pairs
    row = pairs.loc[("ice", "china", 2025)]
    # origin_shares.csv: China 10.1 of 100 - 29.4 (domestic) in 2024, 5.2 of 100 - 38.4 in 2025
    assert row["share_before"] == pytest.approx(100 * 10.1 / 70.6)
    assert row["share_after"] == pytest.approx(100 * 5.2 / 61.6)
    sa, sb = 10.1 / 70.6, 5.2 / 61.6
    assert row["logit_change"] == pytest.approx(np.log(sb / (1 - sb)) - np.log(sa / (1 - sa)))
    # the additional duty of Jul 2024 for a full year made China's cars dearer against the rest
    assert row["cost_change"] > 0
    assert row["implied"] == pytest.approx(-row["logit_change"] / row["cost_change"])
    assert row["implied_low"] <= row["implied"] <= row["implied_high"]


def test_the_cost_change_is_the_group_costs_gap_by_hand(dataset) -> None:
    """Petrol, diesel and LPG weighted by the year's sales shares; China against EU and other."""
    total = generalised_costs(dataset, "car")["total"]
    shares = dataset.rows("sales", "sales_share", **{"class": "car"})
    imports = {
        2024: {"china": 10.1, "eu": 39.3, "other": 21.2},
        2025: {"china": 5.2, "eu": 36.7, "other": 19.7},
    }
    gaps = []
    for year in (2024, 2025):
        w = {
            p: float(
                shares[(shares["year"] == year) & (shares["powertrain"] == p)]["value"].iloc[0]
            )
            for p in ("petrol", "diesel", "lpg")
        }

        def group(origin: str, year: int = year, w: dict = w) -> float:
            return sum(w[p] * float(total.loc[(p, origin, year)]) for p in w) / sum(w.values())

        rest = imports[year]["eu"] * group("eu") + imports[year]["other"] * group("other")
        gaps.append(group("china") - rest / (imports[year]["eu"] + imports[year]["other"]))
    row = choiceorigin.origin_evidence(dataset, "car").pairs.loc[("ice", "china", 2025)]
    assert row["cost_change"] == pytest.approx(gaps[1] - gaps[0])


def test_assumed_rows_are_no_evidence(dataset) -> None:
    pairs = choiceorigin.origin_evidence(dataset, "car").pairs
    # China's hybrids and the other origins' combustion cars are assumptions in origin_shares.csv
    assert ("hev", "china", 2025) not in pairs.index
    assert ("ice", "other", 2025) not in pairs.index
    assert ("ice", "china", 2025) in pairs.index


def test_a_class_without_two_years_of_origin_shares_has_no_evidence(dataset) -> None:
    evidence = choiceorigin.origin_evidence(dataset, "lcv")
    assert evidence.pairs.empty
    assert np.isnan(evidence.beta_origin)


def test_the_shipped_origin_sensitivity_follows_the_evidence(dataset) -> None:
    """The shipped lambda is no higher than the evidence allows (at least the bound of 1).

    At the posterior median cost sensitivity the origin shares imply
    beta_o / beta; above 1 the shipped value may be that, below it the
    nested logit's consistency bound 1. The range's top is no higher than
    the evidence's largest beta_o over the posterior's 5th percentile.
    """
    evidence = choiceorigin.origin_evidence(dataset, "car")
    fit = dataset.tables["choice_fit"]
    beta = fit[(fit["class"] == "car") & (fit["variable"] == "cost_sensitivity")].iloc[0]
    shipped = dataset.assumptions[
        dataset.assumptions["parameter"] == "car.choice.origin_sensitivity"
    ].iloc[0]
    central = max(1.0, evidence.origin_sensitivity(float(beta["value"])))
    highest = max(1.0, float(evidence.pairs["implied_high"].max()) / float(beta["low"]))
    assert float(shipped["value"]) <= central
    assert float(shipped["high"]) <= highest


def test_a_year_of_origin_shares_without_sales_shares_names_the_file_and_year(data_dir) -> None:
    origins = data_dir / "origin_shares.csv"
    text = origins.read_text(encoding="utf-8")
    rows = [x for x in text.splitlines() if x.startswith("origin_share,car,ice,") and ",2024," in x]
    earlier = [x.replace(",2024,", ",2019,", 1) for x in rows]
    origins.write_text(text.rstrip("\n") + "\n" + "\n".join(earlier) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sales\.csv: no sales_share of 'petrol' \(car\) in 2019"):
        choiceorigin.origin_evidence(load_dataset(data_dir), "car")


def test_the_fit_of_the_origin_shares_without_lambda_names_the_row(data_dir) -> None:
    assumptions = data_dir / "assumptions.csv"
    lines = assumptions.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("car.choice.origin_sensitivity,")]
    assert len(kept) == len(lines) - 1
    assumptions.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"assumptions\.csv: no row 'car\.choice\.origin_sensitivity' \(the fit of the "
        r"origin shares needs the origin nest's sensitivity\)",
    ):
        choicefit.fit_choice(load_dataset(data_dir), "car", 2025)
