"""Value maps and text dates applied to mapped columns."""

import numpy as np
import pandas as pd

from oncorwe.io.mapping.convert import guess_date_order, map_values, read_text_dates


def test_value_map_case_and_spaces_forgiven_unmapped_kept():
    values = pd.Series([" 男", "女", None, "未知", "MALE"], dtype="string")
    mapped, bad = map_values(values, {"男": "M", "女": "F", "male": "M"}, is_list=False)
    assert list(mapped[:2]) == ["M", "F"] and pd.isna(mapped[2])
    assert mapped[3] == "未知" and mapped[4] == "M"
    assert list(bad) == [False, False, False, True, False]


def test_list_items_mapped_one_by_one():
    values = pd.Series(["肺、淋巴结", "骨;肺", "肺、胰腺"], dtype="string")
    table = {"肺": "lung", "淋巴结": "lymph_node", "骨": "bone"}
    mapped, bad = map_values(values, table, is_list=True)
    assert list(mapped[:2]) == ["lung;lymph_node", "bone;lung"]
    assert mapped[2] == "肺、胰腺" and list(bad) == [False, False, True]


def test_empty_target_is_unmapped():
    _, bad = map_values(pd.Series(["头晕"], dtype="string"), {"头晕": ""}, is_list=False)
    assert list(bad) == [True]


def test_text_dates_in_stated_order():
    values = pd.Series(["03/04/2020", "2020-05-06", None], dtype="string")
    dmy, ambiguous = read_text_dates(values, "DMY")
    assert list(dmy[:2]) == ["2020-04-03", "2020-05-06"] and not ambiguous.any()
    mdy, _ = read_text_dates(values, "MDY")
    assert mdy[0] == "2020-03-04"
    kept, ambiguous = read_text_dates(values, None)
    assert kept[0] == "03/04/2020" and list(ambiguous) == [True, False, False]


def test_date_order_decided_only_by_the_values():
    assert guess_date_order(pd.Series(["25/12/2020", "01/02/2020"])) == "DMY"
    assert guess_date_order(pd.Series(["12/25/2020", "01/02/2020"])) == "MDY"
    assert guess_date_order(pd.Series(["01/02/2020", "03/04/2020"])) is None
    assert guess_date_order(pd.Series(["2020-01-02", np.nan])) is None


def test_grade_words_become_numbers_and_numbers_stay():
    from oncorwe.io.mapping.values import value_map
    from oncorwe.io.schema import TABLES

    grade = TABLES["adverse_events"].column("grade")
    assert value_map(grade, pd.Series(["1", "2", "3"])) is None
    words = value_map(grade, pd.Series(["Ⅲ级", "2级", "G4", "1"]))
    assert words == {"1": "1", "2级": "2", "G4": "4", "Ⅲ级": "3"}
