"""Cohort filters: what they select (by hand) and how they refuse what is not a filter."""

import numpy as np
import pandas as pd
import pytest

from oncorwe.api.where import FilterError, apply_where, filter_mask


@pytest.fixture()
def cohort():
    return pd.DataFrame(
        {
            "age": pd.array([50, 61, None, 70], dtype="Float64"),
            "sex": pd.array(["M", "F", None, "F"], dtype="string"),
            "pvtt_present": pd.array([True, False, None, True], dtype="boolean"),
            "sequence": ["concurrent", "rt_first", "ici_first", "concurrent"],
        }
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("age >= 60", [False, True, False, True]),
        ("60 <= age", [False, True, False, True]),
        ("60 <= age < 70", [False, True, False, False]),
        ("age == 50.0", [True, False, False, False]),
        ("age > -1", [True, True, False, True]),
        ("not age < 60", [False, True, False, True]),  # missing age stays out (SQL NOT)
        ("sex == 'F' or age < 55", [True, True, False, True]),
        ("sex == 'F' and (age > 65 or pvtt_present == False)", [False, True, False, True]),
        ("sequence in ['concurrent', 'ici_first']", [True, False, True, True]),
        ("sequence not in ('concurrent',)", [False, True, True, False]),
        ("pvtt_present == True", [True, False, False, True]),
        ("pvtt_present != True", [False, True, False, False]),
        ("age is None", [False, False, True, False]),
        ("sex is not None", [True, True, False, True]),
    ],
)
def test_filter_selects(cohort, text, expected):
    assert filter_mask(cohort, text).tolist() == expected


def test_apply_where_keeps_index_and_none_means_all(cohort):
    assert apply_where(cohort, "sex == 'F'").index.tolist() == [1, 3]
    assert apply_where(cohort, None) is cohort
    assert apply_where(cohort, "  ") is cohort


@pytest.mark.parametrize(
    "text, words",
    [
        ("child_pugh_class == 'B'", ["'child_pugh_class'"]),
        ("age >= 'old'", ["'age'", "'old'", "number"]),
        ("sex == 1", ["'sex'", "text in quotes"]),
        ("sex == F", ["'sex'", "quotes"]),
        ("pvtt_present == 'yes'", ["'pvtt_present'", "True or False"]),
        ("__import__('os').system('true')", ["not a comparison"]),
        ("age.real > 1", ["'age.real'"]),
        ("age + 1 > 2", ["'age + 1'"]),
        ("age >", ["cannot read"]),
        ("age == None", ["'age'", "is None"]),
        ("sex is 'F'", ["'sex'", "None"]),
        ("sequence in 'abc'", ["'sequence'"]),
        ("", ["empty"]),
        ("age", ["not a comparison"]),
    ],
)
def test_filter_errors_name_the_column(cohort, text, words):
    with pytest.raises(FilterError) as info:
        filter_mask(cohort, text)
    for word in words:
        assert word in str(info.value)


def test_filter_never_runs_code(cohort, tmp_path):
    marker = tmp_path / "ran"
    for text in (
        f"open({str(marker)!r}, 'w')",
        f"age > len(open({str(marker)!r}, 'w').name)",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "lambda: 1",
    ):
        with pytest.raises(FilterError):
            filter_mask(cohort, text)
    assert not marker.exists()


def test_vectorised_on_many_rows():
    n = 20_000
    frame = pd.DataFrame(
        {"age": np.arange(n, dtype=float), "g": np.where(np.arange(n) % 2, "a", "b")}
    )
    mask = filter_mask(frame, "age < 100 and g == 'a'")
    assert mask.sum() == 50
