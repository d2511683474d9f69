"""PFS censored at a new anticancer therapy (protocol option), worked by hand on the small study."""

from dataclasses import replace

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis.study import analyse_study
from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive.new_therapy import derive_new_therapy
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol

T = contract_tables({"cohort": COHORT_SCHEMA})


def _tables_with_second_line():
    tables = accepted_tables()
    extra = pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "agent": ["sorafenib", "regorafenib"],
            "drug_class": ["tki", "tki"],
            # P1: first ICI 2019-02-01, sorafenib 89 days later; P2: ICI 2019-05-01, +106 days
            "start_date": pd.to_datetime(["2019-05-01", "2019-08-15"]),
            "end_date": pd.to_datetime([None, None]),
            "cycles": pd.array([None, None], dtype="Int64"),
        }
    )
    tables["systemic_therapy"] = pd.concat([tables["systemic_therapy"], extra], ignore_index=True)
    return tables


def _pfs(censor: bool):
    base = load_protocol("hcc-rt-ici")
    protocol = replace(base, survival=replace(base.survival, censor_pfs_at_new_therapy=censor))
    data = analyse_study(_tables_with_second_line(), protocol)[1]
    return data.adtte[data.adtte["paramcd"] == "PFS"].set_index("patient_id")


def test_default_ignores_new_therapy():
    pfs = _pfs(False)
    assert (pfs.loc["P1", "aval"], pfs.loc["P1", "cnsr"]) == (151, 0)
    assert (pfs.loc["P2", "aval"], pfs.loc["P2", "cnsr"]) == (153, 2)


def test_censored_at_last_assessment_before_new_therapy():
    pfs = _pfs(True)
    # P1: progression 2019-06-10 is after sorafenib (2019-05-01): censored at the PR scan of
    # 2019-03-15, 64 days after day 0 (2019-01-10)
    assert (pfs.loc["P1", "aval"], pfs.loc["P1", "cnsr"]) == (64, 2)
    assert pfs.loc["P1", "evntdesc"] == "Last tumour assessment before new anticancer therapy"
    # P2: regorafenib from 2019-08-15; last scan before it 2019-07-01, 61 days after 2019-05-01
    assert (pfs.loc["P2", "aval"], pfs.loc["P2", "cnsr"]) == (61, 2)
    # P6: no new therapy, no scan: censored at day 0 as before
    assert pfs.loc["P6", "aval"] == 0


@pytest.mark.parametrize("grace, expected", [(30, {"P1", "P2"}), (100, {"P2"}), (200, set())])
def test_grace_days_decide_what_is_new(grace, expected):
    base = load_protocol("hcc-rt-ici")
    protocol = replace(base, survival=replace(base.survival, new_therapy_grace_days=grace))
    tables = _tables_with_second_line()
    new = cohort_engine(tables, protocol)[0].query(derive_new_therapy(T, protocol))
    # lenvatinib of P2 starts with the ICI: part of the combined course, never new
    assert set(new["patient_id"]) == expected
    agents = {"P1": ("2019-05-01", "sorafenib"), "P2": ("2019-08-15", "regorafenib")}
    assert {r.patient_id: (str(r.nact_date.date()), r.nact_agent) for r in new.itertuples()} == {
        p: agents[p] for p in expected
    }
