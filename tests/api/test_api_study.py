"""The notebook API on the seed twin: the published numbers through ``Study`` alone, subsets
equal to ``oncorwe.stats`` on the same rows, and shareable output suppressed."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import oncorwe
from oncorwe.api import FilterError, Study
from oncorwe.errors import AnalysisError, InputError
from oncorwe.protocol.model import Privacy
from oncorwe.stats import cox_ph, kaplan_meier, logrank
from oncorwe.synth import seed_twin_path

# published values (Zhai et al., Front Immunol 2025), as tests/cli/test_demo.py checks them
PUBLISHED = {
    "n": 108,
    "extrahepatic": 58,
    "pvtt": 69,
    "rt_dose_median": 55,
    "orr_n": 81,
    "orr_pct": 75.0,
    "os_median": 17.0,
    "pfs_median": 12.6,
    "follow_up_median": 18.8,
    "in_field_recurrence": 1,
    "grade3plus_n": 33,
    "top_grade3plus_n": 19,
}


@pytest.fixture(scope="module")
def study():
    return oncorwe.Study.load(seed_twin_path())


def test_published_numbers_through_the_api(study):
    cohort = study.cohort
    assert len(cohort) == PUBLISHED["n"]
    assert int(cohort["extrahepatic_metastasis"].sum()) == PUBLISHED["extrahepatic"]
    assert int(cohort["pvtt_present"].fillna(False).sum()) == PUBLISHED["pvtt"]
    assert round(cohort["rt_total_dose_gy"].median(), 1) == PUBLISHED["rt_dose_median"]
    assert int(cohort["in_field_recurrence"].fillna(False).sum()) == 1
    orr = study.response().to_frame().set_index("category").loc["ORR"]
    assert (orr["n"], round(orr["pct"], 1)) == (PUBLISHED["orr_n"], PUBLISHED["orr_pct"])
    assert round(study.km("os").summary["median_months"].iloc[0], 1) == PUBLISHED["os_median"]
    assert round(study.km("PFS").summary["median_months"].iloc[0], 1) == PUBLISHED["pfs_median"]
    follow_up = study.results["survival"]["follow_up"]["median_months"]
    assert round(follow_up, 1) == PUBLISHED["follow_up_median"]
    ae = study.adverse_events(min_grade=3).to_frame()
    top = ae.sort_values(["grade3plus_n", "term"], ascending=[False, True]).iloc[0]
    assert (top["term"], top["grade3plus_n"]) == ("Platelet count decreased", 19)
    assert int((cohort["worst_ae_grade"] >= 3).sum()) == PUBLISHED["grade3plus_n"]


def test_api_numbers_equal_the_reports_results(study):
    """The API re-runs statistics; on the whole cohort they are the report's numbers."""
    for endpoint in ("os", "pfs", "lc", "ttf"):
        expected = study.results["survival"][endpoint]
        summary = study.km(endpoint).summary.iloc[0]
        assert summary["n"] == expected["n"] and summary["events"] == expected["events"]
        median = np.nan if expected["median_months"] is None else expected["median_months"]
        assert summary["median_months"] == pytest.approx(median, rel=1e-12, nan_ok=True)
        landmarks = study.km(endpoint).landmarks
        surv = [np.nan if lm["surv"] is None else lm["surv"] for lm in expected["landmarks"]]
        assert landmarks["surv"].tolist() == pytest.approx(surv, rel=1e-12, nan_ok=True)
    subgroups = study.outputs.tables["subgroups"]
    report = subgroups[(subgroups["endpoint"] == "OS") & (subgroups["variable"] == "sequence")]
    mine = study.km("os", by="sequence").summary
    assert mine["group"].tolist() == report["level"].tolist()
    assert mine["hr"].to_numpy() == pytest.approx(report["hr"].to_numpy(), rel=1e-9, nan_ok=True)
    assert study.km("os", by="sequence").logrank_p == pytest.approx(report["p_logrank"].iloc[0])
    cox = study.cox("os").to_frame()
    report_cox = study.outputs.tables["cox"]
    report_cox = report_cox[report_cox["endpoint"] == "OS"].reset_index(drop=True)
    assert cox["hr"].to_numpy() == pytest.approx(report_cox["hr"].to_numpy(), rel=1e-12)


def test_subset_equals_stats_on_the_same_rows(study):
    cohort = study.cohort
    rows = cohort[cohort["child_pugh_score"] >= 7]  # Child-Pugh B, selected without the parser
    result = study.km("pfs", by="pvtt_present", where="child_pugh_class == 'B'")
    assert result.summary["n"].sum() == len(rows.dropna(subset=["pvtt_present"]))
    for label, value in (("No", False), ("Yes", True)):
        part = rows[rows["pvtt_present"] == value]
        km = kaplan_meier(part["pfs_months"], part["pfs_event"], conf_type="log-log")
        got = result.summary.set_index("group").loc[label]
        assert got["median_months"] == pytest.approx(km.median.estimate, nan_ok=True)
        assert got["n"] == len(part)
    both = rows.dropna(subset=["pvtt_present"])
    p = logrank(both["pfs_months"], both["pfs_event"], both["pvtt_present"].astype(int)).p_value
    assert result.logrank_p == pytest.approx(p, rel=1e-12)
    fit = cox_ph(
        pd.DataFrame({"t": both["pfs_months"], "e": both["pfs_event"],
                      "g": both["pvtt_present"].astype(float)}), "t", "e", ["g"],
    )  # fmt: skip
    assert result.summary["hr"].iloc[1] == pytest.approx(fit.summary["hr"].iloc[0], rel=1e-9)


def test_table1_response_and_adverse_events_on_a_subset(study):
    cohort = study.cohort
    b = cohort[cohort["child_pugh_score"] >= 7]
    table = study.table1(where="child_pugh_class == 'B'").to_frame()
    sex = table[(table["characteristic"] == "Sex") & (table["level"] == "Male")].iloc[0]
    assert sex["n"] == int((b["sex"] == "M").sum())
    response = study.response(where="child_pugh_class == 'B'").to_frame().set_index("category")
    assert response.loc["ORR", "n"] == int(b["bor"].isin(["CR", "PR"]).sum())
    assert response.loc["ORR", "pct"] == pytest.approx(100 * response.loc["ORR", "n"] / len(b))
    ae = study.adverse_events(min_grade=3, where="child_pugh_class == 'B'").to_frame()
    assert (ae["grade3plus_n"] > 0).all() and len(ae) > 0
    full = study.adverse_events().to_frame()
    assert len(full) > len(ae)
    by = study.table1(by="sequence").to_frame()
    assert set(by["group"]) == {"Overall", "Concurrent", "Sequential"}


def test_plot_has_an_aligned_at_risk_table(study):
    result = study.km("os", by="sequence")
    drawn = result.figure()
    texts = [t for ax in drawn.figure.axes for t in ax.texts if t.get_gid() == "at-risk-count"]
    assert len(texts) == len(drawn.ticks) * 3
    assert sorted({t.get_position()[0] for t in texts}) == pytest.approx(list(drawn.ticks))
    curve_ticks = drawn.figure.axes[0].get_xticks()
    assert list(curve_ticks) == pytest.approx(list(drawn.ticks))
    first = drawn.at_risk[drawn.at_risk["time"] == 0]
    assert first["n_risk"].tolist() == result.summary["n"].tolist()
    assert "<table" in result._repr_html_() and "Log-rank" in result._repr_html_()


def test_shareable_output_hides_small_counts(study):
    shareable = replace(study.protocol, privacy=Privacy(shareable=True, min_cell=5))
    private = replace(study, protocol=shareable)
    result = private.km("os", by="sequence", where="child_pugh_class == 'B'")
    summary = result.summary
    small = study.km("os", by="sequence", where="child_pugh_class == 'B'").summary
    assert (small["events"] < 5).any() or (small["n"] < 5).any()
    shown = pd.to_numeric(summary["n"], errors="coerce")
    assert not ((shown > 0) & (shown < 5)).any()
    assert "n_suppressed" in summary.columns or "events_suppressed" in summary.columns
    texts = [t.get_text() for ax in result.plot().axes for t in ax.texts]
    assert "<5" in texts
    ae = private.adverse_events(min_grade=3).to_frame()
    counts = pd.to_numeric(ae["grade3plus_n"], errors="coerce").dropna()
    assert not ((counts > 0) & (counts < 5)).any()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda s: s.km("os", where="child_pugh == 'B'"), ["'child_pugh'"]),
        (lambda s: s.km("dfs"), ["'dfs'"]),
        (lambda s: s.km("os", by="age"), ["'age'", "distinct values"]),
        (lambda s: s.km("os", by="nope"), ["'nope'"]),
        (lambda s: s.cox("os", covariates=["nope"]), ["nope"]),
        (lambda s: s.response(criteria="WHO"), ["'WHO'"]),
        (lambda s: s.adverse_events(min_grade=7), ["7"]),
    ],
)
def test_errors_name_what_is_wrong(study, call, words):
    with pytest.raises(FilterError) as info:
        call(study)
    for word in words:
        assert word in str(info.value)


def test_empty_subset_and_missing_path(study, tmp_path):
    with pytest.raises(AnalysisError, match="age > 200"):
        study.km("os", where="age > 200")
    with pytest.raises(InputError, match="does not exist"):
        Study.load(tmp_path / "nothing")


def test_load_a_runs_store_gives_the_same_numbers(study, tmp_path):
    from oncorwe.intake import take_in

    # a run's folder: its store and the meta of its results.json
    take_in(seed_twin_path(), store_path=tmp_path / "study.duckdb", drop_identifiers=True)
    meta = '{"meta": {"protocol": "hcc-rt-ici", "synthetic": true}}'
    (tmp_path / "results.json").write_text(meta, encoding="utf-8")
    again = Study.load(tmp_path / "study.duckdb")
    assert again.synthetic and again.protocol.study.name == "hcc-rt-ici"
    np.testing.assert_allclose(
        again.km("os", by="sequence").summary[["n", "events", "median_months"]].to_numpy(float),
        study.km("os", by="sequence").summary[["n", "events", "median_months"]].to_numpy(float),
    )
    report = again.report(tmp_path / "again")
    assert report.is_file() and (tmp_path / "again" / "results.json").is_file()
