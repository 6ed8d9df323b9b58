"""Bad input: one test per kind of mistake, each asserting the message.

Every mistake in a dataset folder or a scenario file raises
:class:`evhub.InputError` whose message names the file, the field (or row and
column) and the value. The dataset tests break one thing in a copy of the
shipped Türkiye dataset; the scenario tests write small scenario files that
extend the shipped ``baseline``. The last tests check that a failed write
leaves no output folder behind.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

import evhub
from evhub import InputError
from evhub.layout import write_atomically
from evhub.pipeline import load_pipeline

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    """Replace text that occurs exactly once (so a changed dataset fails loudly here)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _drop_column(path: Path, column: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    i = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r[:i] + r[i + 1 :] for r in rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _scenario(tmp_path: Path, overrides: str, *, name: str = "mine", extra: str = "") -> Path:
    """A scenario file ``NAME.yaml`` that extends baseline with the given overrides block."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\ndescription: A test scenario.\nextends: baseline\n{extra}"
        f"overrides:\n{overrides}",
        encoding="utf-8",
    )
    return path


def _at(path: Path) -> str:
    """Regex for a message that starts by naming ``path``."""
    return "^" + re.escape(str(path)) + ": "


# --------------------------------------------------------------------------
# Scenario files
# --------------------------------------------------------------------------


def test_malformed_yaml_scenario(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  market: {bev_share: [70,\n")
    with pytest.raises(InputError, match=_at(path) + r"malformed YAML \(line \d+, column \d+\)"):
        evhub.resolve(path)


def test_scenario_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- baseline\n- hub\n", encoding="utf-8")
    with pytest.raises(InputError, match=_at(path) + "a scenario is a mapping with name"):
        evhub.resolve(path)


@pytest.mark.parametrize(
    "overrides",
    [
        "  market.bev_shar.ceiling: 80\n",  # dotted key
        "  market:\n    bev_shar: {ceiling: 80}\n",  # nested keys
    ],
    ids=["dotted", "nested"],
)
def test_unknown_key_in_overrides(tmp_path: Path, overrides: str) -> None:
    path = _scenario(tmp_path, overrides)
    expected = (
        _at(path) + r"unknown key 'market\.bev_shar\.ceiling'; "
        r"did you mean 'car\.market\.bev_share\.ceiling'\?"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        "name: typo\ndescription: d\nextends: baseline\n"
        "overides:\n  car.market.bev_share.ceiling: 80\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=_at(path) + "unknown key 'overides'"):
        evhub.resolve(path)


def test_value_for_a_group_of_parameters(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  car.market.bev_share: 80\n")
    expected = (
        _at(path)
        + r"car\.market\.bev_share = 80: 'car\.market\.bev_share' is a group of parameters, "
        r"not one; set one of \['car\.market\.bev_share\.ceiling'"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_wrong_type(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '  car.market.bev_share.ceiling: "lots"\n')
    expected = (
        _at(path) + r"car\.market\.bev_share\.ceiling = 'lots': Input should be a valid number"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_yes_is_not_a_number(tmp_path: Path) -> None:
    # YAML reads `yes` as True, which pydantic alone would accept as 1 %
    path = _scenario(tmp_path, "  car.market.bev_share.ceiling: yes\n")
    with pytest.raises(
        InputError, match=_at(path) + r"car\.market\.bev_share\.ceiling = True is not a number"
    ):
        evhub.resolve(path)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            "  car.market.bev_share.ceiling: -5\n",
            r"car\.market\.bev_share\.ceiling = -5: Input should be greater than or equal to 0",
        ),
        (
            "  car:\n    market:\n      phev_share: {ceiling: 120}\n",
            r"car\.market\.phev_share\.ceiling = 120: Input should be less than or equal to 100",
        ),
        (
            "  grid.renewable_share.2035: 101\n",
            r"grid\.renewable_share\.2035 = 101: Input should be less than or equal to 100",
        ),
    ],
    ids=["negative-ceiling", "share-over-100", "renewable-over-100"],
)
def test_out_of_range_value(tmp_path: Path, overrides: str, expected: str) -> None:
    path = _scenario(tmp_path, overrides)
    with pytest.raises(InputError, match=_at(path) + expected):
        evhub.resolve(path)


def test_target_year_outside_the_model_years(tmp_path: Path) -> None:
    # accepted by the schema (up to 2100), but the scorecard could never show it
    path = _scenario(tmp_path, "  targets.cell_capacity: {year: 2070, value: 20}\n")
    expected = (
        _at(path)
        + r"targets\.cell_capacity\.year = 2070 is outside \[2000, 2060\] yr "
        + r"\(the scorecard shows only the model years\)$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_year_keyed_parameter_with_a_key_that_is_not_a_year(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  grid.renewable_share.soon: 60\n")
    expected = (
        _at(path) + r"'grid\.renewable_share\.soon': grid\.renewable_share is keyed by year; "
        r"'soon' is not a year"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


@pytest.mark.parametrize("key", ["\u00b9", "\u00b2\u2070\u00b3\u2070"])  # superscript digits
def test_a_superscript_digit_is_not_a_year(key: str) -> None:
    # str.isdigit() accepts superscripts, int() refuses them: the make bench fuzz found
    # {'policy.purchase_tax_brackets.car.ice': {'¹': None}} raising a ValueError
    with pytest.raises(InputError, match=rf"is keyed by year; '{key}' is not a year"):
        evhub.resolve("baseline", overrides={f"grid.renewable_share.{key}": 60})
    with pytest.raises(InputError, match=rf"is keyed by year; '{key}' is not a year"):
        evhub.resolve("baseline", overrides={"policy.purchase_tax_brackets.car.ice": {key: None}})


def test_inconsistent_values_name_the_scenario_file(tmp_path: Path) -> None:
    # a check across fields (chemistry shares sum to 100) names the file that broke it
    path = _scenario(tmp_path, "  battery.chemistry_share.lfp: 90\n")
    expected = (
        _at(path) + r"battery\.chemistry_share: chemistry shares .* sum to \d+ %, expected 100"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_missing_companion_parameter_names_the_scenario_file(tmp_path: Path) -> None:
    # a normal lifetime needs mean and sd; the message names the file that set
    # the distribution, not the source ids of the dataset's Weibull defaults
    path = _scenario(tmp_path, "  car.fleet.lifetime.distribution: normal\n")
    expected = _at(path) + r"car\.fleet\.lifetime: distribution 'normal' needs mean, sd"
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_out_of_range_override_from_python() -> None:
    with pytest.raises(
        InputError, match=r"^overrides: car\.market\.bev_share\.ceiling = 180: .*less than or equal"
    ):
        evhub.resolve("baseline", overrides={"car.market.bev_share.ceiling": 180})


def test_unknown_scenario_name() -> None:
    expected = (
        r"scenarios/nosuch\.yaml: unknown scenario 'nosuch' \(no such file\); "
        r"shipped scenarios are \['announced', 'baseline', 'hub', 'net-zero', 'otv-reform', "
        r"'tariff-cut'\]"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("nosuch")


def test_scenario_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "nosuch.yaml"
    with pytest.raises(InputError, match=_at(path) + "scenario file not found"):
        evhub.resolve(path)


def test_unknown_parent(tmp_path: Path) -> None:
    path = tmp_path / "orphan.yaml"
    path.write_text("name: orphan\ndescription: d\nextends: baseline2\n", encoding="utf-8")
    expected = (
        _at(path)
        + r"extends = 'baseline2': unknown scenario \(no file .*scenarios/baseline2\.yaml\)"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_parent_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text("name: child\ndescription: d\nextends: parent.yaml\n", encoding="utf-8")
    expected = (
        _at(path)
        + r"extends = 'parent\.yaml': scenario file "
        + re.escape(str(tmp_path / "parent.yaml"))
        + " not found"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path)


def test_extends_cycle(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("name: a\ndescription: d\nextends: b.yaml\n", encoding="utf-8")
    second.write_text("name: b\ndescription: d\nextends: a.yaml\n", encoding="utf-8")
    expected = _at(second) + r"extends = 'a\.yaml' makes a cycle: a -> b -> a"
    with pytest.raises(InputError, match=expected):
        evhub.resolve(first)


def test_extends_itself(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("name: loop\ndescription: d\nextends: loop.yaml\n", encoding="utf-8")
    with pytest.raises(InputError, match=_at(path) + r"extends = 'loop\.yaml' makes a cycle"):
        evhub.resolve(path)


def test_cycle_among_shipped_scenarios(data_dir: Path) -> None:
    baseline = data_dir / "scenarios" / "baseline.yaml"
    _replace(baseline, "\noverrides:\n", "\nextends: hub\noverrides:\n")
    expected = (
        _at(baseline) + "extends = 'hub' makes a cycle: net-zero -> hub -> announced -> baseline"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("net-zero", dataset=data_dir)


def test_relative_extends_is_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # not a mistake: the counterpart of the tests above, so they fail for the right reason
    folder = tmp_path / "mine"
    folder.mkdir()
    _scenario(folder, "  car.market.bev_share.ceiling: 75\n", name="parent")
    child = folder / "child.yaml"
    child.write_text(
        "name: child\ndescription: d\nextends: parent.yaml\noverrides:\n"
        "  car.market.bev_share.midpoint_year: 2035\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # elsewhere than the scenario files
    resolved = evhub.resolve(child)
    assert resolved.chain == ("baseline", "parent", "child")
    assert resolved.values["car.market.bev_share.ceiling"] == 75
    assert resolved.values["car.market.bev_share.midpoint_year"] == 2035


# --------------------------------------------------------------------------
# Dataset folders
# --------------------------------------------------------------------------


def test_negative_value_in_a_table(data_dir: Path) -> None:
    # stock.csv line 25 is the 2025 car stock
    _replace(data_dir / "stock.csv", "stock,car,,2025,17373581,", "stock,car,,2025,-17373581,")
    expected = (
        _at(data_dir / "stock.csv")
        + r"row 25: column 'value' = -17,373,581 for 'stock' is outside the plausible "
        r"range \[1, 1,000,000,000\] veh"  # every digit, no exponent (was -1.73736e+07)
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_value_that_is_not_a_number(data_dir: Path) -> None:
    _replace(data_dir / "stock.csv", "stock,car,,2025,17373581,", "stock,car,,2025,17.4 million,")
    expected = (
        _at(data_dir / "stock.csv") + r"row 25: column 'value' = '17\.4 million' is not a number"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_wrong_unit_in_a_table_row(data_dir: Path) -> None:
    _replace(
        data_dir / "stock.csv", "stock,car,,2025,17373581,veh,", "stock,car,,2025,17373581,cars,"
    )
    expected = (
        _at(data_dir / "stock.csv") + r"row 25: column 'unit' = 'cars' for 'stock'; expected 'veh'"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_key_not_allowed_for_a_variable(data_dir: Path) -> None:
    # stock.csv line 4 is the 2004 car stock
    _replace(data_dir / "stock.csv", "stock,car,,2004,5400440,", "stock,car,petrol,2004,5400440,")
    expected = (
        _at(data_dir / "stock.csv") + r"row 4: column 'powertrain' = 'petrol' is not one of \[''\]"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_unknown_variable(data_dir: Path) -> None:
    _replace(data_dir / "stock.csv", "stock,car,,2004,5400440,", "stok,car,,2004,5400440,")
    expected = _at(data_dir / "stock.csv") + r"row 4: column 'variable' = 'stok' is not one of \["
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_missing_column(data_dir: Path) -> None:
    _drop_column(data_dir / "stock.csv", "unit")
    expected = _at(data_dir / "stock.csv") + r"missing column\(s\) \['unit'\]; expected columns"
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_missing_column_in_assumptions(data_dir: Path) -> None:
    _drop_column(data_dir / "assumptions.csv", "high")
    expected = _at(data_dir / "assumptions.csv") + r"missing column\(s\) \['high'\]"
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_missing_table(data_dir: Path) -> None:
    (data_dir / "grid.csv").unlink()
    with pytest.raises(InputError, match=_at(data_dir / "grid.csv") + "file not found"):
        evhub.load_dataset(data_dir)


def test_dataset_folder_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=_at(tmp_path / "nowhere") + "dataset folder not found"):
        evhub.load_dataset(tmp_path / "nowhere")


def test_unknown_source_id_in_a_table_row(data_dir: Path) -> None:
    # grid.csv line 2 is the first renewable_share row (source ember-owid)
    _replace(
        data_dir / "grid.csv",
        "renewable_share,2010,26.39,%,observed,,,ember-owid,",
        "renewable_share,2010,26.39,%,observed,,,ember-owdi,",
    )
    expected = (
        _at(data_dir / "grid.csv")
        + r"row 2: column 'source' = 'ember-owdi' is not an id in sources\.yaml"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_unknown_source_id_in_assumptions(data_dir: Path) -> None:
    # assumptions.csv line 6 is car.market.growth_rate
    _replace(
        data_dir / "assumptions.csv",
        "car.market.growth_rate,2.0,%/yr,assumption,0.0,4.0,evhub-assumption,",
        "car.market.growth_rate,2.0,%/yr,assumption,0.0,4.0,evhub-asumption,",
    )
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"row 6: column 'source' = 'evhub-asumption' is not an id in sources\.yaml"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_assumption_without_low_and_high(data_dir: Path) -> None:
    _replace(
        data_dir / "assumptions.csv",
        "car.market.growth_rate,2.0,%/yr,assumption,0.0,4.0,",
        "car.market.growth_rate,2.0,%/yr,assumption,,,",
    )
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"row 6: 'car\.market\.growth_rate' has status 'assumption' but no range; "
        r"columns 'low' and 'high' must both be given"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_assumption_outside_its_own_range(data_dir: Path) -> None:
    _replace(
        data_dir / "assumptions.csv",
        "car.market.growth_rate,2.0,%/yr,assumption,0.0,4.0,",
        "car.market.growth_rate,5.0,%/yr,assumption,0.0,4.0,",
    )
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"row 6: column 'value' = 5 is outside its range low=0 high=4"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_unknown_parameter_in_assumptions(data_dir: Path) -> None:
    _replace(data_dir / "assumptions.csv", "car.market.growth_rate,", "market.growth_rat,")
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"parameter 'market\.growth_rat' is not a known parameter"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset=data_dir)


def test_wrong_unit_in_assumptions(data_dir: Path) -> None:
    _replace(
        data_dir / "assumptions.csv",
        "car.market.growth_rate,2.0,%/yr,",
        "car.market.growth_rate,2.0,%,",
    )
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"parameter 'car\.market\.growth_rate' has unit '%', expected '%/yr'"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset=data_dir)


def test_assumption_outside_the_parameters_range(data_dir: Path) -> None:
    # within its own low-high, but a share cannot exceed 100 %
    _replace(
        data_dir / "assumptions.csv",
        "lcv.market.bev_share.ceiling,60,%,assumption,20,100,",
        "lcv.market.bev_share.ceiling,170,%,assumption,20,200,",
    )
    # baseline samples the (van) ceiling over the dataset's range: the message names both files
    csv = re.escape(str(data_dir / "assumptions.csv"))
    expected = (
        _at(data_dir / "scenarios" / "baseline.yaml")
        + r"lcv\.market\.bev_share\.ceiling = \{dist: triangular, low: 20, mode: 170, high: 200\}: "
        r"values from 20 to 200 do not fit the parameter's allowed range \[0, 100\] "
        rf"\(mode 170 from {csv}; low and high from {csv}\)"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset=data_dir)
    # a scenario that keeps the dataset's number names the dataset file
    plain = data_dir / "plain.yaml"
    plain.write_text("name: plain\ndescription: defaults only\n", encoding="utf-8")
    expected = (
        _at(data_dir / "assumptions.csv")
        + r"lcv\.market\.bev_share\.ceiling = 170\.0: Input should be less than or equal to 100"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(plain, dataset=data_dir)


def test_sales_shares_not_summing_to_100(data_dir: Path) -> None:
    _replace(
        data_dir / "sales.csv",
        "sales_share,car,bev,2025,17.507,",
        "sales_share,car,bev,2025,27.507,",
    )
    expected = (
        _at(data_dir / "sales.csv")
        + r"sales_share class='car' in year 2025 sums to 110\.00 %, expected 100"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_malformed_sources_yaml(data_dir: Path) -> None:
    _replace(
        data_dir / "sources.yaml",
        'ember-owid:\n  publisher: "Ember',
        'ember-owid:\n  publisher: ["Ember',
    )
    expected = _at(data_dir / "sources.yaml") + r"malformed YAML \(line \d+, column \d+\)"
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


_EMBER_URL = '  url: "https://github.com/owid/energy-data"\n'
_IPCC_REASON = re.compile(r"  no_url_reason: .*\n")


def test_source_entry_without_url(data_dir: Path) -> None:
    _replace(data_dir / "sources.yaml", _EMBER_URL, "")
    expected = re.escape(str(data_dir / "sources.yaml")) + (
        r": source 'ember-owid': field 'url' is empty and no 'no_url_reason' says why"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (
            '  url: "github.com/owid/energy-data"\n',
            r"field 'url' = 'github\.com/owid/energy-data' is not a web address; "
            r"expected one starting with http:// or https://",
        ),
        (
            _EMBER_URL + '  no_url_reason: "recalled"\n',
            r"field 'no_url_reason' = 'recalled' is given with a 'url'; keep the reason only "
            r"for a source without an address",
        ),
        (
            _EMBER_URL + '  publisher_url: "https://ember-energy.org/data/"\n',
            r"field 'publisher_url' = 'https://ember-energy\.org/data/' has no "
            r"'publisher_quote'; quote the sentence or figure the release gives",
        ),
        (
            _EMBER_URL + '  publisher_quote: "the quoted sentence"\n',
            r"field 'publisher_quote' = 'the quoted sentence' has no 'publisher_url'; "
            r"give the address of the release it quotes",
        ),
        (
            _EMBER_URL
            + '  publisher_url: "ember-energy.org/data/"\n'
            + '  publisher_quote: "the quoted sentence"\n',
            r"field 'publisher_url' = 'ember-energy\.org/data/' is not a web address",
        ),
        (
            _EMBER_URL
            + '  publisher_url: "https://github.com/owid/energy-data"\n'
            + '  publisher_quote: "the quoted sentence"\n',
            r"field 'publisher_url' = 'https://github\.com/owid/energy-data' repeats 'url'; "
            r"leave it out when 'url' is the publisher's own release",
        ),
        (
            _EMBER_URL + '  publisher_qoute: "the quoted sentence"\n',
            r"unknown field\(s\) \['publisher_qoute'\]; expected some of \['publisher', "
            r"'title', 'date', 'url', 'note', 'no_url_reason', 'publisher_url', "
            r"'publisher_quote'\]",
        ),
    ],
    ids=[
        "url-not-web",
        "reason-with-url",
        "release-without-quote",
        "quote-without-release",
        "release-not-web",
        "release-repeats-url",
        "unknown-field",
    ],
)
def test_bad_source_links(data_dir: Path, new: str, expected: str) -> None:
    """One mistake in the url, the reason for none, or the publisher release of a source."""
    path = data_dir / "sources.yaml"
    _replace(path, _EMBER_URL, new)
    with pytest.raises(InputError, match=re.escape(f"{path}: source 'ember-owid': ") + expected):
        evhub.load_dataset(data_dir)


def test_source_without_url_needs_a_reason(data_dir: Path) -> None:
    path = data_dir / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nipcc-2006-v2:\n")
    reason = _IPCC_REASON.search(text, start)
    assert reason is not None
    path.write_text(text[: reason.start()] + text[reason.end() :], encoding="utf-8")
    expected = re.escape(f"{path}: source 'ipcc-2006-v2': ") + (
        r"field 'url' is empty and no 'no_url_reason' says why; give the address where the "
        r"source can be read, or the reason there is none"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_a_publisher_release_is_read_with_its_quote(data_dir: Path) -> None:
    release = "https://ember-energy.org/data/yearly-electricity-data/"
    _replace(
        data_dir / "sources.yaml",
        _EMBER_URL,
        _EMBER_URL + f'  publisher_url: "{release}"\n  publisher_quote: " the quoted sentence "\n',
    )
    source = evhub.load_dataset(data_dir).sources["ember-owid"]
    assert (source.url, source.publisher_url, source.publisher_quote, source.no_url_reason) == (
        "https://github.com/owid/energy-data",
        release,
        "the quoted sentence",
        "",
    )


def test_every_problem_is_reported(data_dir: Path) -> None:
    _replace(
        data_dir / "stock.csv", "stock,car,,2025,17373581,veh,", "stock,car,,2025,-17373581,cars,"
    )
    _replace(
        data_dir / "sales.csv",
        "sales_share,car,bev,2025,17.507,",
        "sales_share,car,bev,2025,27.507,",
    )
    with pytest.raises(InputError) as info:
        evhub.load_dataset(data_dir)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{data_dir}: 3 problem(s) in the dataset:"
    assert [line.split(": ")[0] for line in lines[1:]] == [
        str(data_dir / "stock.csv"),
        str(data_dir / "stock.csv"),
        str(data_dir / "sales.csv"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "base_year: 2025",
            "base_year: 2070",
            r"field 'base_year' = 2070 is not between first_year = 2000 and last_year = 2060",
        ),
        ("base_year: 2025", "base_year: '2025'", r"field 'base_year' = '2025' is not of type int"),
        ("base_year: 2025", "base_year: yes", r"field 'base_year' = True is not of type int"),
        ("last_year: 2060", "last_year: 1999", r"field 'last_year' = 1999 is not after first_year"),
        (
            "last_year: 2060",
            "last_year: 2060\nlast_yaer: 2070",
            r"unknown key\(s\) \['last_yaer'\]",
        ),
        (
            "region: Türkiye",
            "region: [Türkiye]",
            r"field 'region' = \['Türkiye'\] is not of type str",
        ),
        ("scenarios: [", "scenarios: baseline #", r"field 'scenarios' = 'baseline' is not a list"),
        ("first_year: 2000", "first_year: [2000", r"malformed YAML"),
    ],
    ids=[
        "base-year-outside",
        "base-year-text",
        "base-year-yes",
        "last-before-first",
        "unknown-key",
        "region-list",
        "scenarios-not-list",
        "malformed",
    ],
)
def test_bad_dataset_yaml(data_dir: Path, old: str, new: str, expected: str) -> None:
    _replace(data_dir / "dataset.yaml", old, new)
    with pytest.raises(InputError, match=_at(data_dir / "dataset.yaml") + expected):
        evhub.load_dataset(data_dir)


def test_base_year_without_observations(data_dir: Path) -> None:
    # inside the model years and not in the future, but the tables stop at 2025: the run
    # would start from nothing
    _replace(data_dir / "dataset.yaml", "base_year: 2025", "base_year: 2026")
    expected = re.escape(str(data_dir / "stock.csv")) + (
        r": variable 'stock' class='car' has no row for the base year 2026 \(dataset\.yaml\)"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_the_eu_duty_needed_is_that_of_the_origin_it_is_levied_on(data_dir: Path) -> None:
    # schema.yaml needs the EU duty of the origin with eu_cvd: true (dimensions.yaml), not
    # of an origin named by its id: move the duty from China to Other, and Other's row is
    # the one missing; give it, and the dataset loads without a row for China
    dims = data_dir / "dimensions.yaml"
    _replace(
        dims,
        "(whatever the brand)\n    home: false\n    blocs: []\n    eu_cvd: true",
        "(whatever the brand)\n    home: false\n    blocs: []\n    eu_cvd: false",
    )
    _replace(
        dims,
        "the UK, ...)\n    home: false\n    blocs: []\n    eu_cvd: false",
        "the UK, ...)\n    home: false\n    blocs: []\n    eu_cvd: true",
    )
    trade = data_dir / "trade.csv"
    with pytest.raises(InputError) as info:
        evhub.load_dataset(data_dir)
    for vehicle_class in ("car", "lcv"):  # each class's own row
        assert (
            f"{trade}: variable 'eu_cvd' class='{vehicle_class}' origin='other' has no rows"
            in str(info.value)
        )
    lines = [x for x in trade.read_text(encoding="utf-8").splitlines() if x.startswith("eu_cvd,")]
    assert len(lines) == len(evhub.load_dataset().dims.classes)
    for line in lines:
        _replace(trade, line, line.replace(",china,", ",other,"))
    loaded = evhub.load_dataset(data_dir)
    assert loaded.value("trade", "eu_cvd", origin="other", **{"class": "car"}) == 20.7


def _drop_conversion_share(folder: Path) -> None:
    path = folder / "assumptions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("car.fleet.lpg_conversion_share,")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def test_a_converted_powertrain_needs_the_conversion_share(data_dir: Path) -> None:
    _drop_conversion_share(data_dir)
    expected = _at(data_dir / "assumptions.csv") + (
        r"car\.fleet\.lpg_conversion_share has no value; powertrain\(s\) lpg of "
        r"dimensions\.yaml gain new vehicles converted from another \(converted_from\)"
    )
    with pytest.raises(InputError, match=expected):
        evhub.validate(data_dir)


def test_without_a_converted_powertrain_the_conversion_share_may_be_left_out(
    data_dir: Path,
) -> None:
    # the share is the catalogue's only for datasets where new cars are converted
    _drop_conversion_share(data_dir)
    _replace(data_dir / "dimensions.yaml", "converted_from: petrol", "converted_from: null")
    assert evhub.validate(data_dir)["projects"] > 0


def test_bad_default_in_dataset_yaml(data_dir: Path) -> None:
    _replace(
        data_dir / "dataset.yaml",
        "car.market.sales_mode: ownership",
        "car.market.sales_mode: owner",
    )
    expected = (
        _at(data_dir / "dataset.yaml")
        + r"car\.market\.sales_mode = 'owner': Input should be 'ownership' or 'growth'"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset=data_dir)


def test_unknown_default_in_dataset_yaml(data_dir: Path) -> None:
    _replace(
        data_dir / "dataset.yaml", "car.market.sales_mode: ownership", "market.sales_mod: ownership"
    )
    expected = (
        _at(data_dir / "dataset.yaml") + r"parameter 'market\.sales_mod' is not a known parameter; "
        r"did you mean '(car|lcv)\.market\.sales_mode'\?"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset=data_dir)


# --------------------------------------------------------------------------
# A failed write leaves nothing behind
# --------------------------------------------------------------------------


class _WriterFailedError(RuntimeError):
    pass


def _half_writer(folder: Path) -> None:
    (folder / "iamc.csv").write_text("half of the results\n", encoding="utf-8")
    msg = "disk full"
    raise _WriterFailedError(msg)


def test_failed_write_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "results"
    with pytest.raises(_WriterFailedError):
        write_atomically(out, _half_writer)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no stray temporary folder either


def test_failed_write_leaves_an_existing_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "iamc.csv").write_text("earlier results\n", encoding="utf-8")
    with pytest.raises(_WriterFailedError):
        write_atomically(out, _half_writer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert [p.name for p in out.iterdir()] == ["iamc.csv"]
    assert (out / "iamc.csv").read_text(encoding="utf-8") == "earlier results\n"


def test_write_creates_the_folder_with_everything(tmp_path: Path) -> None:
    # the counterpart: a writer that succeeds leaves exactly its files and no temporary folder
    def writer(folder: Path) -> None:
        (folder / "a.csv").write_text("a\n", encoding="utf-8")
        (folder / "b.csv").write_text("b\n", encoding="utf-8")

    out = tmp_path / "deep" / "results"
    assert write_atomically(out, writer) == out
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv"]
    assert [p.name for p in out.parent.iterdir()] == ["results"]


def test_second_life_and_recycling_above_all_retired_capacity(dataset, tmp_path):
    path = _scenario(tmp_path, "  battery.second_life_share: 40\n  battery.recycling_share: 70\n")
    with pytest.raises(
        InputError,
        match=_at(path) + r"battery: second_life_share \+ recycling_share = 110 % is more than",
    ):
        evhub.resolve(path, dataset)


def test_report_years_before_the_base_year(data_dir: Path) -> None:
    _replace(data_dir / "dataset.yaml", "report_years: [2030, 2035]", "report_years: [2020]")
    expected = re.escape(str(data_dir / "dataset.yaml")) + (
        r": field 'report_years' = \[2020\] is not a list of years after the base year 2025"
    )
    with pytest.raises(InputError, match=expected):
        evhub.load_dataset(data_dir)


def test_calibration_start_after_the_base_year(tmp_path: Path) -> None:
    shipped = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
    folder = tmp_path / "turkiye"
    shutil.copytree(shipped, folder)
    meta = folder / "dataset.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(
            "calibration_start: 2015", "calibration_start: 2030"
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        evhub.api.validate(folder)
    assert str(info.value) == (
        f"{meta}: field 'calibration_start' = 2030 is not a year from first_year 2000 to "
        "before the base year 2025"
    )


def test_overrides_of_projects_not_keyed_by_id_show_a_project_of_the_registry() -> None:
    with pytest.raises(InputError) as info:
        evhub.resolve("baseline", None, {"pipeline": {"overrides": 5}})
    first = load_pipeline(evhub.load_dataset())[0].id  # the registry's first row
    assert str(info.value) == (
        "overrides: pipeline.overrides = 5: overrides are keyed by project id, e.g. "
        f"pipeline.overrides: {{{first}: {{delay: 2}}}}"
    )
