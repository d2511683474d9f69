"""The seed twin: shipped files equal the generator's output, pass validation, and reproduce the
reference study's published numbers under the protocol's rules (written out here, independently of
``oncorwe.derive``, as a private checker)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_lesions import agreement

from oncorwe.stats import follow_up, kaplan_meier
from oncorwe.synth import SEED, build_seed_twin, seed_twin_path
from oncorwe.synth.hardening import leave_one_out_breaks
from oncorwe.synth.seed_twin import TABLE_ORDER, write_table
from oncorwe.synth.survival import km_median

DAYS_PER_MONTH = 30.4375
WINDOW = (pd.Timestamp("2018-01-01"), pd.Timestamp("2021-12-31"))
ICI = ("pd1", "pdl1", "ctla4")
ORDER = {"CR": 6, "PR": 5, "SD": 4, "NON-CR/NON-PD": 3, "PD": 2, "NE": 1}


@pytest.fixture(scope="module")
def twin():
    return build_seed_twin(SEED)


@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    folder = seed_twin_path()
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in TABLE_ORDER
    }


@pytest.fixture(scope="module")
def measured(shipped) -> dict:
    return measure(shipped)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    frame = frame.copy()
    for col in columns:
        frame[col] = pd.to_datetime(frame[col].replace("", None))
    return frame


def cohort(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Eligibility of the hcc-rt-ici protocol; one row per eligible patient with its index date."""
    p = _dates(t["patients"], "last_contact_date", "death_date")
    rt = _dates(t["radiotherapy"], "start_date", "end_date")
    st = _dates(t["systemic_therapy"], "start_date")
    first_rt = rt.groupby("patient_id")["start_date"].min()
    first_ici = st[st["drug_class"].isin(ICI)].groupby("patient_id")["start_date"].min()
    p["index_date"] = p["patient_id"].map(pd.concat([first_rt, first_ici], axis=1).min(axis=1))
    keep = (
        p["disease_setting"].isin(["de_novo_metastatic", "recurrent"])
        & p["patient_id"].isin(first_rt.index)
        & p["patient_id"].isin(first_ici.index)
        & p["index_date"].between(*WINDOW)
    )
    return p[keep].reset_index(drop=True)


def survival(t: dict[str, pd.DataFrame], c: pd.DataFrame) -> pd.DataFrame:
    """OS and PFS in days from the index date, by the protocol's rules."""
    dead = c["vital_status"] == "dead"
    os_end = c["death_date"].where(dead, c["last_contact_date"])
    index = c.set_index("patient_id")["index_date"]
    pe = _dates(t["progression_events"], "progression_date")
    ta = _dates(t["tumor_assessments"], "assessment_date")
    pd_dates = pd.concat(
        [
            pe.rename(columns={"progression_date": "date"})[["patient_id", "date"]],
            ta.loc[ta["overall_response"] == "PD", ["patient_id", "assessment_date"]].rename(
                columns={"assessment_date": "date"}
            ),
        ]
    )
    pd_dates = pd_dates[pd_dates["date"] > pd_dates["patient_id"].map(index)]
    first_pd = c["patient_id"].map(pd_dates.groupby("patient_id")["date"].min())
    scans = ta[ta["assessment_date"] > ta["patient_id"].map(index)]
    last_scan = c["patient_id"].map(scans.groupby("patient_id")["assessment_date"].max())
    event_date = pd.concat([first_pd, c["death_date"].where(dead)], axis=1).min(axis=1)
    pfs_end = event_date.fillna(last_scan).fillna(c["index_date"])
    return pd.DataFrame(
        {
            "os_days": (os_end - c["index_date"]).dt.days,
            "dead": dead,
            "pfs_days": (pfs_end - c["index_date"]).dt.days,
            "pfs_event": event_date.notna(),
        }
    )


def _best(days: np.ndarray, responses: list[str], confirmed: bool) -> str:
    """Best time-point response of one patient, scans after the index date in date order."""
    if "PD" in responses:
        cut = responses.index("PD") + 1
        days, responses = days[:cut], responses[:cut]
    pairs = list(zip(days, responses, strict=True))
    best = []
    for j, (day, r) in enumerate(pairs):
        if r in ("SD", "NON-CR/NON-PD") and day < 42:
            r = "NE"
        later = [q for d2, q in pairs[j + 1 :] if d2 - day >= 28]
        if confirmed and r in ("CR", "PR") and not any(q in ("CR", "PR") for q in later):
            r = "SD"
        best.append(r)
    return max(best, key=ORDER.get)


def best_response(
    t: dict[str, pd.DataFrame], c: pd.DataFrame, confirmed: bool = False
) -> pd.Series:
    """mRECIST best overall response (unconfirmed, or confirmed by a CR/PR >= 28 days later)."""
    ta = _dates(t["tumor_assessments"], "assessment_date")
    ta = ta[ta["criteria"] == "mRECIST"].merge(c[["patient_id", "index_date"]], on="patient_id")
    ta = ta[ta["assessment_date"] > ta["index_date"]].sort_values(["patient_id", "assessment_date"])
    out = {}
    for pid, g in ta.groupby("patient_id"):
        days = (g["assessment_date"] - g["index_date"]).dt.days.to_numpy()
        out[pid] = _best(days, list(g["overall_response"]), confirmed)
    return c["patient_id"].map(out).fillna("MISSING")


def adverse_counts(t: dict[str, pd.DataFrame], c: pd.DataFrame) -> tuple[pd.Series, pd.Series, int]:
    ae = _dates(t["adverse_events"], "onset_date").merge(c[["patient_id", "index_date"]])
    ae = ae[ae["onset_date"] >= ae["index_date"]]
    ae["grade"] = ae["grade"].astype(int)
    worst = ae.groupby(["patient_id", "term"])["grade"].max().reset_index()
    any_grade = worst.groupby("term").size().sort_values(ascending=False)
    grade3 = worst[worst["grade"] >= 3].groupby("term").size().sort_values(ascending=False)
    n_grade3 = worst.loc[worst["grade"] >= 3, "patient_id"].nunique()
    return any_grade, grade3, n_grade3


def measure(t: dict[str, pd.DataFrame]) -> dict:
    """Every published number, computed from the tables by the protocol's rules."""
    c = cohort(t)
    s = survival(t, c)
    rt = t["radiotherapy"].merge(c[["patient_id"]])
    dose = rt.assign(d=rt["total_dose_gy"].astype(float)).groupby("patient_id")["d"].sum()
    bor = best_response(t, c)
    pe = t["progression_events"].merge(c[["patient_id"]])
    any_grade, grade3, n_grade3 = adverse_counts(t, c)
    os_km = kaplan_meier(s["os_days"], s["dead"])
    return {
        "n": len(c),
        "extrahepatic": int((c["extrahepatic_metastasis"] == "true").sum()),
        "pvtt": int((~c["pvtt"].isin(["", "none"])).sum()),
        "median_dose": float(np.median(dose)),
        "dose_54_55": tuple(np.sort(dose.to_numpy())[53:55]),
        "responders": int(bor.isin(["CR", "PR"]).sum()),
        "confirmed_responders": int(best_response(t, c, True).isin(["CR", "PR"]).sum()),
        "os_days": os_km.median.estimate,
        "pfs_days": kaplan_meier(s["pfs_days"], s["pfs_event"]).median.estimate,
        "follow_up_days": follow_up(s["os_days"], s["dead"]).median.estimate,
        "os_plain": km_median(s["os_days"], s["dead"]),
        "pfs_plain": km_median(s["pfs_days"], s["pfs_event"]),
        "follow_up_plain": km_median(s["os_days"], ~s["dead"]),
        "in_field": pe.loc[pe["site"] == "in_field", "patient_id"].nunique(),
        "grade3plus": n_grade3,
        "any_grade": any_grade,
        "grade3": grade3,
        "survival": s,
    }


def test_shipped_files_equal_regenerated(twin, tmp_path):
    for name, table in twin.tables.items():
        write_table(table, tmp_path / f"{name}.csv")
    for name in TABLE_ORDER:
        assert (tmp_path / f"{name}.csv").read_bytes() == (
            seed_twin_path() / f"{name}.csv"
        ).read_bytes(), name
    assert sorted(p.name for p in seed_twin_path().glob("*.csv")) == sorted(
        f"{n}.csv" for n in TABLE_ORDER
    )


def test_generated_tables_are_text_and_match_shipped(twin, shipped):
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(twin.tables[name], shipped[name], check_dtype=False)


def test_published_numbers_reproduced(measured):
    m = measured
    assert m["n"] == 108
    assert (m["extrahepatic"], round(100 * m["extrahepatic"] / 108, 1)) == (58, 53.7)
    assert (m["pvtt"], round(100 * m["pvtt"] / 108, 1)) == (69, 63.9)
    assert m["dose_54_55"] == (55.0, 55.0)
    assert (m["responders"], round(100 * m["responders"] / 108, 1)) == (81, 75.0)
    assert round(m["os_days"] / DAYS_PER_MONTH, 1) == 17.0
    assert round(m["pfs_days"] / DAYS_PER_MONTH, 1) == 12.6
    assert round(m["follow_up_days"] / DAYS_PER_MONTH, 1) == 18.8
    assert m["in_field"] == 1
    assert (m["grade3plus"], round(100 * m["grade3plus"] / 108, 1)) == (33, 30.6)
    assert m["any_grade"].index[0] == "Dermatitis radiation"
    assert m["any_grade"].iloc[0] - m["any_grade"].iloc[1] >= 5
    assert m["grade3"].index[0] == "Platelet count decreased"
    assert (m["grade3"].iloc[0], round(100 * m["grade3"].iloc[0] / 108, 1)) == (19, 17.6)
    assert m["grade3"].iloc[0] - m["grade3"].iloc[1] >= 5


def test_medians_robust(measured):
    """Medians at the centre of their rounding band, on no exact S = 0.5, agreeing with the
    plain KM of the generator and with oncorwe.stats."""
    m = measured
    assert m["os_days"] == m["os_plain"][0] == 517
    assert m["follow_up_days"] == m["follow_up_plain"][0] == 572
    assert m["pfs_days"] == m["pfs_plain"][0]
    assert 383 <= m["pfs_days"] <= 384
    for key in ("os_plain", "pfs_plain", "follow_up_plain"):
        assert abs(m[key][1] - 0.5) > 1e-6


def test_medians_survive_one_patient_more_or_less(measured):
    """Removing any one eligible patient leaves every published median unchanged."""
    s = measured["survival"]
    os_t, dead = s["os_days"].to_numpy(float), s["dead"].to_numpy(bool)
    pfs_t, pfs_e = s["pfs_days"].to_numpy(float), s["pfs_event"].to_numpy(bool)
    assert leave_one_out_breaks(os_t, dead, (516, 518)) == 0
    assert leave_one_out_breaks(os_t, ~dead, (571, 573)) == 0
    assert leave_one_out_breaks(pfs_t, pfs_e, (382, 385)) == 0


def test_survival_consistent(measured):
    s = measured["survival"]
    assert (s["pfs_days"] <= s["os_days"]).all()
    assert (s["pfs_days"] >= 0).all()
    assert s["dead"].sum() > 40 and s["pfs_event"].sum() > s["dead"].sum()


def test_confirmed_responses_plausible(measured):
    m = measured
    assert 0.75 * m["responders"] <= m["confirmed_responders"] < m["responders"]


def test_recist_fewer_responses_than_mrecist(shipped):
    ta = shipped["tumor_assessments"]
    responders = ta[ta["overall_response"].isin(["CR", "PR"])].groupby("criteria")["patient_id"]
    counts = responders.nunique()
    assert counts["RECIST1.1"] < counts["mRECIST"]
    m = ta[ta["criteria"] == "mRECIST"].drop(columns="criteria")
    r = ta[ta["criteria"] == "RECIST1.1"].drop(columns="criteria")
    pairs = m.merge(r, on=["patient_id", "assessment_date"], how="outer", suffixes=("_m", "_r"))
    assert pairs.notna().all().all() and len(pairs) == len(m) == len(r)  # both on every date
    assert ((pairs["overall_response_m"] == "PD") == (pairs["overall_response_r"] == "PD")).all()


def test_attrition_records(shipped):
    p = shipped["patients"]
    c = cohort(shipped)
    assert len(p) == 122
    assert (p["disease_setting"] == "locally_advanced").sum() == 5
    st = shipped["systemic_therapy"]
    with_ici = set(st.loc[st["drug_class"].isin(ICI), "patient_id"])
    assert len(set(p["patient_id"]) - with_ici) == 4
    assert len(p) - len(c) == 14


def test_validation_accepts_everything(shipped):
    validate = pytest.importorskip("oncorwe.validate")
    result = validate.validate_tables({k: v.copy() for k, v in shipped.items()})
    errors = result.findings[result.findings["severity"] == "error"]
    assert errors.empty, errors.head(10).to_string()
    assert all(len(q) == 0 for q in result.quarantined.values())


def test_nothing_after_data_cutoff(twin):
    cutoff = str(np.datetime64(twin.parameters.cutoff_day, "D"))
    assert (twin.tables["patients"]["last_contact_date"] <= cutoff).all()


def test_dates_ordered(shipped):
    p = _dates(shipped["patients"], "diagnosis_date", "last_contact_date", "death_date")
    last = p.set_index("patient_id")["last_contact_date"]
    dead = p[p["vital_status"] == "dead"]
    assert (dead["death_date"] == dead["last_contact_date"]).all()
    for name, cols in {
        "radiotherapy": ("start_date", "end_date"),
        "systemic_therapy": ("start_date", "end_date"),
        "tumor_assessments": ("assessment_date",),
        "progression_events": ("progression_date",),
        "adverse_events": ("onset_date",),
        "labs": ("lab_date",),
    }.items():
        t = _dates(shipped[name], *cols)
        for col in cols:
            ok = t[col].isna() | (t[col] <= t["patient_id"].map(last))
            assert ok.all(), (name, col, t[~ok].head())
    rt = _dates(shipped["radiotherapy"], "start_date", "end_date")
    assert (rt["end_date"] >= rt["start_date"]).all()
    ta = _dates(shipped["tumor_assessments"], "assessment_date")
    diagnosis = p.set_index("patient_id")["diagnosis_date"]
    assert (ta["assessment_date"] > ta["patient_id"].map(diagnosis)).all()


# seed 2 runs in `make test`; the shipped seed's neighbour, whose calibration search takes
# longest (about 13 s of CPU), in `make check-slow`
@pytest.mark.parametrize("seed", [pytest.param(SEED + 1, marks=pytest.mark.slow), 2])
def test_other_seeds_are_calibrated_too(seed):
    """Another seed gives another cohort with the same published numbers (the calibration is a
    search, not a hand-picked seed), and lesions that explain its recorded mRECIST responses
    (as ``test_lesions`` checks for the shipped twin)."""
    tables = build_seed_twin(seed).tables
    both = agreement(tables["lesions"].replace("", None), tables["tumor_assessments"])
    assert (both["overall_response_recorded"] == both["overall_response_derived"]).all()
    m = measure(tables)
    assert (m["n"], m["extrahepatic"], m["pvtt"], m["dose_54_55"]) == (108, 58, 69, (55.0, 55.0))
    assert (m["responders"], m["grade3plus"], m["in_field"]) == (81, 33, 1)
    assert m["grade3"].iloc[0] == 19 and m["any_grade"].index[0] == "Dermatitis radiation"
    assert round(m["os_days"] / DAYS_PER_MONTH, 1) == 17.0
    assert round(m["pfs_days"] / DAYS_PER_MONTH, 1) == 12.6
    assert round(m["follow_up_days"] / DAYS_PER_MONTH, 1) == 18.8
