"""Published-results library and the comparison table (tests checked live against R)."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_tool
from oncorwe.analysis.published import (
    COLUMNS,
    LIBRARY_COLUMNS,
    check_reference_results,
    published_comparison,
    reference_os_curve,
    reference_results,
)
from oncorwe.analysis.study import analyse_study
from oncorwe.analysis.summarize import survival_curves
from oncorwe.errors import InputError
from oncorwe.io.sources import read_source
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

R_SCRIPT = r"""
library(survival)
d <- read.csv(commandArgs(TRUE)[1])
H0 <- function(x, kt, ks) {
  o <- order(kt); kt <- c(0, kt[o]); ks <- c(1, ks[o]); h <- -log(ks); m <- length(kt)
  last <- (h[m] - h[m - 1]) / (kt[m] - kt[m - 1])
  ifelse(x > kt[m], h[m] + last * (x - kt[m]), approx(kt, h, xout = pmin(x, kt[m]))$y)
}
k <- sum(d$bor %in% c("CR", "PR")); n <- nrow(d)
out <- c(
  orr_seed = binom.test(k, n, 0.75)$p.value,
  orr_cui = binom.test(k, n, 0.544)$p.value,
  os_cm459 = survdiff(Surv(os_months, os_event) ~
    offset(exp(-H0(os_months, c(16.4, 12, 24, 33), c(0.5, 0.6, 0.37, 0.29)))), data = d)$chisq,
  os_seed = survdiff(Surv(os_months, os_event) ~
    offset(exp(-H0(os_months, 17, 0.5))), data = d)$chisq,
  pfs_kim = survdiff(Surv(pfs_months, pfs_event) ~
    offset(exp(-H0(pfs_months, 5.6, 0.5))), data = d)$chisq
)
cat("{", paste(sprintf('"%s": %.17g', names(out), out), collapse = ", "), "}")
"""


@pytest.fixture(scope="module")
def demo():
    protocol = load_protocol("hcc-rt-ici")
    accepted = validate_tables(read_source(seed_twin_path())).accepted
    outputs, data, _ = analyse_study(accepted, protocol)
    return data.adsl, survival_curves(data.adsl, protocol), outputs


def test_library_is_cited_verified_and_holds_key_values():
    library = reference_results()
    assert list(library.columns) == LIBRARY_COLUMNS
    assert (library["verified"].str.lower() == "true").all()
    assert library["source"].str.len().gt(10).all()
    key = library.set_index(["study", "arm", "quantity", "landmark_months"])["value"]
    # the seed study's abstract and published values read in their sources
    assert key[("Zhai 2025 (seed study)", "RT + ICI", "orr", np.nan)] == 75.0
    assert key[("Zhai 2025 (seed study)", "RT + ICI", "median_os", np.nan)] == 17.0
    assert key[("Zhai 2025 (seed study)", "RT + ICI", "median_pfs", np.nan)] == 12.6
    assert key[("HIMALAYA", "tremelimumab + durvalumab (STRIDE)", "median_os", np.nan)] == 16.43
    assert key[("CheckMate 459", "nivolumab", "os_rate", 24.0)] == 37.0
    assert key[("Cui 2025 meta-analysis", "RT + ICI (pooled, 16 studies)", "orr", np.nan)] == 54.4
    # values not read in their publication are not shipped (e.g. IMbrave150 median OS 19.2 [S],
    # SHARP 1-year OS 44% [U], ORIENT-32 [S])
    assert not ((library["study"] == "IMbrave150") & (library["quantity"] == "median_os")).any()
    assert not ((library["study"] == "SHARP") & (library["quantity"] == "os_rate")).any()
    assert "ORIENT-32" not in set(library["study"])


def test_every_arm_rebuilds_a_valid_reference_curve():
    library = reference_results()
    for (_, _), rows in library.groupby(["study", "arm"]):
        for quantity in ("median_os", "median_pfs"):
            if (rows["quantity"] == quantity).any():
                curve = reference_os_curve(rows, quantity)
                assert curve.survival([0.0])[0] == 1.0
                median = rows.loc[rows["quantity"] == quantity, "value"].iloc[0]
                assert curve.survival([median])[0] == pytest.approx(0.5)


def test_unverified_or_malformed_rows_are_refused():
    library = reference_results()
    with pytest.raises(InputError, match="verified.true"):
        check_reference_results(library.assign(verified="false"))
    bad = library.copy()
    bad.loc[0, "quantity"] = "hr"
    with pytest.raises(InputError, match="quantity.known"):
        check_reference_results(bad)
    with pytest.raises(InputError, match="missing column"):
        check_reference_results(library.drop(columns="source"))


def test_comparison_shape_and_values(demo):
    adsl, curves, outputs = demo
    table = published_comparison(adsl, curves)
    assert list(table.columns) == COLUMNS
    assert list(outputs.tables["published_comparison"].columns) == COLUMNS
    orr = table[table["quantity"] == "ORR, %"]
    seed = orr[orr["reference_study"] == "Zhai 2025 (seed study)"].iloc[0]
    assert seed["cohort_value"] == pytest.approx(75.0)  # demo reproduces the seed's 81 / 108
    assert seed["p_value"] == pytest.approx(1.0)
    assert seed["cohort_ci_lower"] < 75 < seed["cohort_ci_upper"]
    landmarks = table[table["quantity"].str.startswith("OS at")]
    last = curves["os"].table["time"].max()
    assert all(float(q.split()[2]) <= last for q in landmarks["quantity"])
    assert table["p_value"].between(0, 1).all()


def test_comparison_tests_equal_r(demo, tmp_path):
    rscript = require_tool("Rscript")
    adsl, curves, _ = demo
    adsl[["bor", "os_months", "os_event", "pfs_months", "pfs_event"]].to_csv(
        tmp_path / "adsl.csv", index=False
    )
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), str(tmp_path / "adsl.csv")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    r = json.loads(run.stdout)
    from scipy.stats import chi2

    table = published_comparison(adsl, curves)

    def p_of(quantity, study, arm=None):
        rows = table[(table["quantity"] == quantity) & (table["reference_study"] == study)]
        if arm is not None:
            rows = rows[rows["reference_arm"] == arm]
        assert len(rows) == 1
        return rows["p_value"].iloc[0]

    assert p_of("ORR, %", "Zhai 2025 (seed study)") == pytest.approx(r["orr_seed"], rel=1e-6)
    assert p_of("ORR, %", "Cui 2025 meta-analysis") == pytest.approx(r["orr_cui"], rel=1e-6)
    nivo = p_of("Median OS, months", "CheckMate 459", "nivolumab")
    assert nivo == pytest.approx(chi2.sf(r["os_cm459"], 1), rel=1e-6)
    seed_os = p_of("Median OS, months", "Zhai 2025 (seed study)")
    assert seed_os == pytest.approx(chi2.sf(r["os_seed"], 1), rel=1e-6)
    kim = p_of("Median PFS, months", "Kim 2024 phase II")
    assert kim == pytest.approx(chi2.sf(r["pfs_kim"], 1), rel=1e-6)


def test_custom_library():
    library = pd.DataFrame(
        [["X", "a", 100, "orr", 50.0, "%", np.nan, "ref X", "true", ""]], columns=LIBRARY_COLUMNS
    )
    adsl = pd.DataFrame(
        {
            "bor": ["CR", "PR", "SD", "PD"],
            "os_months": [1.0, 2, 3, 4],
            "os_event": [1, 0, 1, 0],
            "pfs_months": [1.0, 2, 3, 4],
            "pfs_event": [1, 1, 1, 0],
        }
    )
    from oncorwe.stats import kaplan_meier

    curves = {e: kaplan_meier(adsl[f"{e}_months"], adsl[f"{e}_event"]) for e in ("os", "pfs")}
    table = published_comparison(adsl, curves, library)
    assert len(table) == 1
    assert table["cohort_value"].iloc[0] == 50.0 and table["p_value"].iloc[0] == 1.0
