"""Variable definitions: expanded from the dimensions, units, descriptions, aggregates."""

import re

import pandas as pd
import pyam
import pytest
import yaml

from evhub import units
from evhub.definitions import (
    DEFINITIONS_DIR,
    load_definitions,
    tag_labels,
    write_nomenclature,
    write_tag_files,
)
from evhub.errors import InputError
from evhub.variables import (
    iamc_names,
    iamc_variables,
    memo_variables,
)


@pytest.fixture(scope="module")
def definitions(dataset):
    return load_definitions(dataset.dims)


def test_definitions_name_every_written_variable_with_its_unit(definitions, dataset):
    # the code's templates and the definitions' expand to the same variables:
    # neither can gain or lose one, or rename one, without the other
    written = iamc_variables(dataset.dims)
    assert sorted(written) == sorted(definitions)
    assert len(written) == len(definitions)
    assert {name: unit for name, (unit, _) in written.items()} == {
        name: d.unit for name, d in definitions.items()
    }


def test_every_unit_is_in_the_units_table(definitions):
    known = set(units.table())
    assert {name: d.unit for name, d in definitions.items() if d.unit not in known} == {}


def test_every_variable_has_a_description(definitions):
    assert [name for name, d in definitions.items() if not d.description.strip()] == []
    # tags are filled in descriptions too
    assert all("{" not in d.description for d in definitions.values())


def test_memo_variables_are_marked_and_are_no_components(definitions, dataset):
    memo = memo_variables(dataset.dims)
    assert {name for name, d in definitions.items() if d.memo} == memo
    used = {c for d in definitions.values() for c in d.components or ()}
    assert used.isdisjoint(memo)


def test_every_parent_has_its_children_as_components(definitions, dataset):
    # independent of the definitions' own rule: a parent is any variable with a
    # direct child that is not memo
    names = list(definitions)
    memo = memo_variables(dataset.dims)
    for parent in names:
        children = [n for n in names if n.rpartition("|")[0] == parent and n not in memo]
        assert list(definitions[parent].components or ()) == children, parent


def test_pyam_check_aggregate_passes_for_every_parent(shipped, definitions, tmp_path):
    path = tmp_path / "iamc.csv"
    shipped.to_iamc().to_csv(path, index=False)
    df = pyam.IamDataFrame(str(path))
    assert set(df.scenario) == {
        "announced",
        "baseline",
        "hub",
        "net-zero",
        "otv-reform",
        "tariff-cut",
    }
    parents = {name: d.components for name, d in definitions.items() if d.components}
    assert len(parents) >= 10
    for parent, components in parents.items():
        # pyam's own check: None means every scenario and year agrees within its rtol of 1e-5
        assert df.check_aggregate(parent, components=list(components)) is None, parent


def test_tag_files_list_the_members_labels(dataset, tmp_path):
    written = write_tag_files(dataset.dims, tmp_path)
    result = {}
    for path in written:
        ((tag, codes),) = yaml.safe_load(path.read_text(encoding="utf-8"))[0].items()
        result[tag] = tuple(next(iter(code)) for code in codes)
    assert result == tag_labels(dataset.dims)
    assert result["Origin"] == tuple(
        dataset.dims.origins.label(o) for o in dataset.dims.origins.where(home=False)
    )


def test_nomenclature_copy_writes_components_with_the_parents_tags(dataset, tmp_path):
    folder = write_nomenclature(dataset.dims, tmp_path / "definitions")
    codes = {}
    for path in (folder / "variable").glob("*.yaml"):
        if not path.name.startswith("tag_"):
            for item in yaml.safe_load(path.read_text(encoding="utf-8")):
                codes.update(item)
    sales = codes["Sales|{Vehicle Class}"]
    labels = tag_labels(dataset.dims)
    assert sales["components"] == [f"Sales|{{Vehicle Class}}|{p}" for p in labels["Powertrain"]]
    assert codes["Sales|{Vehicle Class}|Domestic Production"]["memo"] is True


# --------------------------------------------------------------------------
# Bad definition files: the message names the file and the entry
# --------------------------------------------------------------------------


def _folder(tmp_path, text):
    (tmp_path / "variable").mkdir()
    path = tmp_path / "variable" / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_class_totals_add_up_their_classes(definitions, dataset):
    totals = {name: d.class_parts for name, d in definitions.items() if d.class_parts}
    assert totals["Sales|Light-Duty Vehicles"] == (
        "Sales|Passenger Cars",
        "Sales|Light Commercial Vehicles",
    )
    assert len(totals) == 8  # sales, stock, retirements, energy, CO2, production, trade
    assert all(definitions[p].unit == definitions[t].unit for t, ps in totals.items() for p in ps)


def test_every_class_total_is_the_sum_of_its_classes(shipped, definitions):
    wide = shipped.to_iamc().set_index(["Scenario", "Variable"])
    years = [c for c in wide.columns if str(c).isdigit()]
    totals = {name: d.class_parts for name, d in definitions.items() if d.class_parts}
    for total, parts in totals.items():
        for scenario in ("baseline", "hub"):
            value = wide.loc[(scenario, total), years].astype(float)
            summed = sum(wide.loc[(scenario, p), years].astype(float) for p in parts)
            # a year a class has no value (production before its data starts) has no total
            pd.testing.assert_series_equal(value, summed, check_names=False, rtol=1e-12)
    built = wide.loc[("hub", "Production|Light-Duty Vehicles"), 2030]
    assert built > wide.loc[("hub", "Production|Passenger Cars"), 2030] > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- Sales|All:\n    description: cars\n    unit: veh/yr\n    class-total: true\n",
            "entry 1 ('Sales|All'): class-total: true needs the tag {Class Total}",
        ),
        (
            "- Sales|{Class Total}:\n    description: cars\n    unit: veh/yr\n"
            "    class-total: true\n",
            "'Sales|Light-Duty Vehicles' adds up 'Sales|Passenger Cars', which is not defined",
        ),
        (
            "- Sales|{Class Total}:\n    description: cars\n    unit: veh/yr\n"
            "    class-total: true\n"
            "- Sales|{Vehicle Class}:\n    description: cars\n    unit: veh\n",
            "'Sales|Light-Duty Vehicles' is in veh/yr but its part 'Sales|Passenger Cars' in veh",
        ),
    ],
)
def test_broken_class_total_is_refused(dataset, tmp_path, text, expected):
    path = _folder(tmp_path, text)
    with pytest.raises(InputError, match=re.escape(expected)) as err:
        load_definitions(dataset.dims, tmp_path)
    assert str(path) in str(err.value)


def test_unknown_tag_names_file_and_entry(dataset, tmp_path):
    path = _folder(
        tmp_path,
        "- Sales|{Vehicle Klass}:\n    description: cars sold\n    unit: veh/yr\n",
    )
    with pytest.raises(InputError) as err:
        load_definitions(dataset.dims, tmp_path)
    message = str(err.value)
    assert f"{path}: entry 1 ('Sales|{{Vehicle Klass}}')" in message
    assert "unknown tag {Vehicle Klass}" in message
    assert "{Vehicle Class}" in message  # the known tags are listed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Sales|All:\n    description: cars sold\n", "unit is missing"),
        ("- Sales|All:\n    description: cars sold\n    unit: cars\n", "unit = 'cars' is not"),
        ("- Sales|All:\n    description: ''\n    unit: veh/yr\n", "description = ''"),
        (
            "- Sales|All:\n    description: cars\n    unit: veh/yr\n    memo: yes please\n",
            "memo = 'yes please': expected true or false",
        ),
        (
            "- Sales|All:\n    description: cars\n    unit: veh/yr\n    componets: []\n",
            "unknown attribute 'componets'",
        ),
        ("- Sales|All:\n    description: 'cars: new'\n    unit: veh/yr\n", "refuses"),
    ],
)
def test_broken_entry_names_file_and_entry(dataset, tmp_path, text, expected):
    path = _folder(tmp_path, text)
    with pytest.raises(InputError, match=re.escape(expected)) as err:
        load_definitions(dataset.dims, tmp_path)
    assert f"{path}: entry 1 ('Sales|All')" in str(err.value)


def test_entry_that_is_not_a_mapping_names_file_and_entry(dataset, tmp_path):
    path = _folder(tmp_path, "- Sales|All\n- Stock|All: {description: cars, unit: veh}\n")
    with pytest.raises(InputError, match=re.escape(f"{path}: entry 1: expected")):
        load_definitions(dataset.dims, tmp_path)


def test_undeclared_sum_and_orphan_memo_are_refused(dataset, tmp_path):
    path = _folder(
        tmp_path,
        "- Sales:\n    description: all cars\n    unit: veh/yr\n"
        "- Sales|{Powertrain}:\n    description: cars of one powertrain\n    unit: veh/yr\n"
        "- Stock|EV:\n    description: cars with a plug\n    unit: veh\n    memo: true\n",
    )
    with pytest.raises(InputError) as err:
        load_definitions(dataset.dims, tmp_path)
    message = str(err.value)
    assert f"{path}: entry 1 ('Sales'): 'Sales' has children that are not memo" in message
    assert f"{path}: entry 3 ('Stock|EV'): 'Stock|EV' is memo: true but 'Stock'" in message


def test_shipped_folder_is_the_default(dataset, definitions):
    assert load_definitions(dataset.dims, DEFINITIONS_DIR) == definitions


#: nomenclature-iamc's own environment (it pins pandas < 3; evhub uses pandas 3).


def test_nomenclature_validates_the_definitions_and_the_results_offline(shipped, nomenclature):
    """nomenclature-iamc itself reads the definitions, validates iamc.csv and its sums."""
    done = nomenclature(shipped)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        f"validate: ok ({len(iamc_names(shipped.dataset.dims))} variables defined)",
        "check_aggregate: ok",
    ]
