"""The analysis datasets: ADSL in Python, the per-event datasets on the engine, read back whole,
in batches and as counts that agree with each other and with the hand-worked six-patient study."""

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis.datasets import EVENT_DATASETS
from oncorwe.analysis.study import analyse_study
from oncorwe.engine.study_store import open_engine
from oncorwe.intake import take_in
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path


@pytest.fixture(scope="module")
def data():
    return analyse_study(accepted_tables(), load_protocol("hcc-rt-ici"))[1]


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The seed twin analysed on its study store, as ``oncorwe run`` does."""
    store = tmp_path_factory.mktemp("twin") / "study.duckdb"
    take_in(seed_twin_path(), store_path=store)
    with open_engine(store) as engine:
        yield analyse_study(engine, load_protocol("hcc-rt-ici"), synthetic=True)[1]


def test_event_datasets_are_read_from_the_engine(data):
    # P1, P2 and P6 are the cohort: 4 endpoints each, 2 criteria x (unconfirmed, confirmed)
    assert len(data.adtte) == 12 and len(data.adrs) == 12
    assert data.adtte["patient_id"].tolist()[:3] == ["P1", "P2", "P6"]
    assert data.adtte["paramcd"].drop_duplicates().tolist() == ["OS", "PFS", "LC", "TTF"]
    assert str(data.adtte["adt"].dtype) == "datetime64[us]"
    assert str(data.adrs["bor_date"].dtype) == "datetime64[ns]"
    assert data.adrs["confirmed"].dtype == bool


def test_batches_join_to_the_whole_dataset(twin):
    for name in EVENT_DATASETS:
        whole = twin.frame(name)
        joined = pd.concat(list(twin.batches(name, 1)), ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole)


def test_adsl_endpoint_columns_equal_adtte(twin):
    adtte = twin.adtte.set_index(["paramcd", "patient_id"])
    adsl = twin.adsl.set_index("patient_id")
    for key in ("os", "pfs", "lc", "ttf"):
        rows = adtte.loc[key.upper()].reindex(adsl.index)
        assert adsl[f"{key}_months"].tolist() == rows["aval_months"].tolist()
        assert adsl[f"{key}_event"].tolist() == (rows["cnsr"] == 0).astype(int).tolist()
        assert adsl[f"{key}_event"].dtype == "int64"


def test_response_counts_count_adrs(twin):
    adrs = twin.adrs
    expected = adrs.groupby(["criteria", "confirmed", "bor"], sort=False).size()
    counts = twin.response_counts().groupby(["criteria", "confirmed", "bor"], sort=False)["n"].sum()
    assert counts.to_dict() == expected.to_dict()
    assert counts.index.tolist() == sorted(expected.index.tolist(), key=counts.index.tolist().index)
    assert twin.response_counts()["n"].sum() == len(adrs)


def test_worst_grade_and_primary_response_in_adsl(twin):
    adae = twin.treatment_emergent_adae()
    worst = adae.groupby("patient_id")["worst_grade"].max()
    adsl = twin.adsl.set_index("patient_id")
    assert adsl["worst_ae_grade"].dropna().astype(int).to_dict() == worst.astype(int).to_dict()
    protocol = load_protocol("hcc-rt-ici")
    adrs = twin.adrs
    primary = adrs[(adrs["criteria"] == protocol.response.criteria)
                   & (adrs["confirmed"] == protocol.response.confirmation)]  # fmt: skip
    assert adsl["bor"].to_dict() == primary.set_index("patient_id")["bor"].to_dict()
