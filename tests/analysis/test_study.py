"""The analysis of the six-patient study: results.json numbers against hand-worked values."""

import dataclasses

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from engine_twin import seed_twin_engine
from oncorwe.analysis.lesion_response import SCOPE_ORDER, best_target_change, field_response_counts
from oncorwe.analysis.study import analyse_study, study_tables, usable_lesions_once
from oncorwe.derive.recist import USABLE_LESIONS
from oncorwe.protocol import load_protocol


@pytest.fixture(scope="module")
def analysed():
    return analyse_study(accepted_tables(), load_protocol("hcc-rt-ici"), synthetic=True)


def test_headline_numbers(analysed):
    outputs, data, cohort = analysed
    r = outputs.results
    assert r["cohort"]["n"] == 3
    assert r["cohort"]["extrahepatic_metastasis"] == {"n": 2, "pct": pytest.approx(200 / 3)}
    # PVTT: P1 Vp3 yes, P2 none, P6 not recorded -> counted as not present in the headline
    assert r["cohort"]["pvtt"]["n"] == 1
    assert r["treatment"]["rt_total_dose_gy"]["median"] == 50.0
    assert r["treatment"]["sequence"]["concurrent"]["n"] == 2
    # BOR: P1 PR (then PD), P2 SD at day 61 (>= 42), P6 no assessment
    assert r["response"]["orr"]["n"] == 1
    assert r["response"]["dcr"]["n"] == 2
    # exact CI of 1/3: R binom.test(1, 3)$conf.int = 0.008403759 0.905700676
    assert r["response"]["orr"]["ci_lower"] == pytest.approx(0.8403759, rel=1e-6)
    assert r["response"]["orr"]["ci_upper"] == pytest.approx(90.5700676, rel=1e-6)
    assert r["local_control"]["in_field_recurrence"]["n"] == 1
    assert r["safety"]["grade3plus_any"]["n"] == 1
    assert r["safety"]["most_common_any_grade"]["term"] == "Dermatitis radiation"
    assert r["safety"]["most_common_grade3plus"]["term"] == "Platelet count decreased"
    assert r["meta"]["synthetic"] is True


def test_survival_medians_follow_r_flat_rule(analysed):
    r = analysed[0].results["survival"]
    # OS: event at 365 d (n at risk 2, S = 0.5 exactly), curve flat to the last time 366 d;
    # R's quantile.survfit takes the midpoint of the flat stretch: (365 + 366) / 2 days.
    assert r["os"]["median_months"] == pytest.approx(365.5 / 30.4375, rel=1e-12)
    assert r["os"]["events"] == 1
    assert r["pfs"]["median_months"] == pytest.approx(152 / 30.4375, rel=1e-12)


def test_adam_datasets(analysed):
    _, data, _ = analysed
    assert set(data.adtte["paramcd"]) == {"OS", "PFS", "LC", "TTF"}
    assert len(data.adsl) == 3
    assert set(data.adrs["criteria"]) == {"mRECIST", "RECIST1.1"}
    assert data.adsl.set_index("patient_id").loc["P1", "bor"] == "PR"


def test_swimmer_numbers_patients_and_hides_ids(analysed):
    swimmer = analysed[0].tables["swimmer"]
    assert "patient_id" not in swimmer.columns
    # subjects by decreasing OS: P2 (366 d) = 1, P1 (365 d) = 2, P6 (152 d) = 3
    p1 = swimmer[swimmer["subject"] == 2]
    assert p1.loc[p1["kind"] == "death", "start_months"].iloc[0] == pytest.approx(365 / 30.4375)
    assert p1.loc[p1["kind"] == "progression", "label"].iloc[0] == "in_field"
    ici = swimmer[(swimmer["subject"] == 3) & (swimmer["kind"] == "ici")]
    # P6's ICI is ongoing: it ends at the last contact, 152 days after day 0
    assert ici["end_months"].iloc[0] == pytest.approx(152 / 30.4375)


def test_failure_patterns_and_eqd2(analysed):
    outputs = analysed[0]
    failure = outputs.tables["failure_patterns"].set_index("pattern")["n"]
    # P1 progressed in field; P2 and P6 are censored without failure
    assert failure.to_dict() == {
        "in_field": 1,
        "intrahepatic_out_of_field": 0,
        "extrahepatic": 0,
        "death": 0,
        "none": 2,
    }
    eqd2 = outputs.tables["eqd2"].set_index("group")
    # EQD2 (alpha/beta 10): P1 50 Gy/25 -> 50; P2 40 Gy/5 -> 60; P6 60 Gy/30 -> 60
    assert eqd2.loc["All patients", "eqd2_median"] == pytest.approx(60.0)
    assert eqd2.loc["SBRT (>= 5 Gy per fraction)", "n"] == 1
    # liver RT (P1 liver, P6 PVTT) without labs: assessed, nothing flagged
    liver = outputs.tables["liver_toxicity"].set_index("measure")
    assert liver.loc["Classic RILD", "denominator"] == 2
    assert liver.loc["Classic RILD", "n"] == 0


def test_failure_cumulative_incidence_complements_pfs(analysed):
    cif = analysed[0].tables["failure_cif"]
    # one failure type (P1 in field, 151 d; P2 censored at 153 d, P6 at 0): CIF = 1 - KM(PFS)
    assert set(cif["pattern"]) == {"in_field"}
    assert cif["estimate"].iloc[-1] == pytest.approx(0.5)
    assert cif.loc[cif["time"] < 151 / 30.4375, "estimate"].max() == 0.0


def test_local_control_and_time_to_treatment_failure(analysed):
    _, data, _ = analysed
    tte = data.adtte.set_index(["paramcd", "patient_id"])
    # LC: P1's in-field progression on day 151 is the event; P2 censored at the last scan
    assert (tte.loc[("LC", "P1"), "aval"], tte.loc[("LC", "P1"), "cnsr"]) == (151, 0)
    assert tte.loc[("LC", "P2"), "cnsr"] == 2
    # TTF: P1 fails at progression (day 151, before death); P2 stopped ICI with no reason
    # recorded, so it is censored at the last contact (day 366)
    assert tte.loc[("TTF", "P1"), "aval"] == 151
    assert (tte.loc[("TTF", "P2"), "aval"], tte.loc[("TTF", "P2"), "cnsr"]) == (366, 1)


def test_irecist_rows_in_the_response_table_when_the_protocol_lists_it():
    tables = accepted_tables()
    extra = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P2", "P2"],
            "assessment_date": pd.to_datetime(
                ["2019-03-15", "2019-06-10", "2019-07-20", "2019-07-01", "2019-10-01"]
            ),
            "criteria": ["iRECIST"] * 5,
            "overall_response": ["PR", "PD", "PD", "SD", "SD"],
        }
    )
    tables["tumor_assessments"] = pd.concat([tables["tumor_assessments"], extra], ignore_index=True)
    base = load_protocol("hcc-rt-ici")
    protocol = dataclasses.replace(
        base,
        response=dataclasses.replace(base.response, secondary_criteria=("RECIST1.1", "iRECIST")),
    )
    outputs, data, _ = analyse_study(tables, protocol)
    rows = outputs.tables["response"]
    irecist = rows[(rows["criteria"] == "iRECIST") & ~rows["confirmed"]].set_index("category")
    # iBOR: P1 iPR (then iUPD, iCPD 40 days later), P2 iSD, P6 no assessment
    assert irecist.loc[["iPR", "iSD", "MISSING"], "n"].tolist() == [1, 1, 1]
    assert (irecist.loc["ORR", "n"], irecist.loc["DCR", "n"]) == (1, 2)
    bor = data.adrs[(data.adrs["criteria"] == "iRECIST") & ~data.adrs["confirmed"]]
    assert bor.set_index("patient_id")["bor"].to_dict() == {
        "P1": "iPR", "P2": "iSD", "P6": "MISSING"}  # fmt: skip
    # the primary (mRECIST) numbers do not move
    assert outputs.results["response"]["orr"]["n"] == 1
    assert "iRECIST" not in set(outputs.tables["duration_of_response"]["criteria"])


def test_usable_lesions_made_once_give_the_same_lesion_tables(tmp_path):
    protocol = load_protocol("hcc-rt-ici")
    _, _, engine = seed_twin_engine(tmp_path, protocol)
    t = study_tables()

    def lesion_tables(tables):
        counts = [
            engine.query(field_response_counts(tables, "mRECIST", s, 42)) for s in SCOPE_ORDER
        ]
        return [*counts, engine.query(best_target_change(tables, "mRECIST"))]

    with engine:
        checked_each_time = lesion_tables(t)
        with usable_lesions_once(engine, t) as once:
            assert USABLE_LESIONS in engine.tables()
            sql = engine.sql(best_target_change(once, "mRECIST"))
            assert f'FROM "{USABLE_LESIONS}"' in sql and '"lesions"' not in sql
            made_once = lesion_tables(once)
        assert USABLE_LESIONS not in engine.tables()  # dropped on leaving
    assert sum(len(f) for f in made_once) > 10  # the twin has responses in every scope
    for mine, theirs in zip(made_once, checked_each_time, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
