"""Table 1 by subgroup: counts, gtsummary's test choice, p-values vs R (1e-6), SMDs by hand."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_tool
from oncorwe.analysis.compare import (
    COLUMNS,
    OVERALL,
    baseline_by_group,
    smd_categorical,
    smd_continuous,
)
from oncorwe.analysis.describe import BASELINE_VARIABLES, Variable
from oncorwe.analysis.study import analyse_study
from oncorwe.errors import InputError
from oncorwe.io.sources import read_source
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

# gtsummary's add_p() defaults, then tableone's SMD written out with MASS::ginv (Yang & Dalton)
R_SCRIPT = r"""
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
meta <- read.csv(commandArgs(TRUE)[2], stringsAsFactors = FALSE)
g <- factor(d$group)
smd_cat <- function(x, g) {
  lv <- sort(unique(x[!is.na(x)]))
  p <- lapply(levels(g), function(k) { v <- x[g == k & !is.na(x)]
    sapply(lv, function(l) mean(v == l)) })
  a <- p[[1]][-1]; b <- p[[2]][-1]
  s <- (diag(a, length(a)) - a %o% a + diag(b, length(b)) - b %o% b) / 2
  sqrt(drop(t(a - b) %*% MASS::ginv(s) %*% (a - b)))
}
out <- c()
for (i in seq_len(nrow(meta))) {
  col <- meta$column[i]; x <- d[[col]]; ok <- !is.na(x) & !is.na(g)
  if (meta$kind[i] == "continuous") {
    out[paste0(col, "_test")] <- "wilcox"
    out[paste0(col, "_p")] <- suppressWarnings(wilcox.test(x[ok] ~ droplevels(g[ok])))$p.value
    a <- x[ok & g == levels(g)[1]]; b <- x[ok & g == levels(g)[2]]
    out[paste0(col, "_smd")] <- abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
  } else {
    tab <- table(x[ok], g[ok]); tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
    if (any(suppressWarnings(chisq.test(tab))$expected < 5)) {
      out[paste0(col, "_test")] <- "fisher"; out[paste0(col, "_p")] <- fisher.test(tab)$p.value
    } else {
      out[paste0(col, "_test")] <- "chisq"
      out[paste0(col, "_p")] <- chisq.test(tab, correct = FALSE)$p.value
    }
    out[paste0(col, "_smd")] <- smd_cat(x, g)
  }
}
cat("{", paste(sprintf('"%s": "%s"', names(out), out), collapse = ", "), "}")
"""
TEST_NAMES = {
    "wilcox": "Wilcoxon rank sum test",
    "fisher": "Fisher's exact test",
    "chisq": "Pearson's chi-squared test",
}


@pytest.fixture(scope="module")
def adsl():
    protocol = load_protocol("hcc-rt-ici")
    accepted = validate_tables(read_source(seed_twin_path())).accepted
    _, data, _ = analyse_study(accepted, protocol)
    return data.adsl


def test_shape_groups_and_counts(adsl):
    table = baseline_by_group(adsl)
    assert list(table.columns) == COLUMNS
    assert list(table["group"].unique()) == [OVERALL, "Concurrent", "Sequential"]
    n_concurrent = int((adsl["sequence"] == "concurrent").sum())
    sex = table[table["characteristic"] == "Sex"].set_index(["level", "group"])["n"]
    assert sex[("Male", "Concurrent")] + sex[("Female", "Concurrent")] == n_concurrent
    assert sex[("Male", OVERALL)] == sex[("Male", "Concurrent")] + sex[("Male", "Sequential")]
    # one test, p-value and SMD per characteristic, repeated on its rows
    per_var = table.groupby("characteristic")[["test", "p_value", "smd"]].nunique()
    assert (per_var <= 1).all().all()
    assert set(table.attrs["footnotes"]) <= set(TEST_NAMES.values())


def test_tests_and_smd_equal_r(adsl, tmp_path):
    rscript = require_tool("Rscript")
    table = baseline_by_group(adsl)
    labels = {"concurrent": "Concurrent", "rt_first": "Sequential", "ici_first": "Sequential"}
    frame = adsl[[v.column for v in BASELINE_VARIABLES]].copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.BooleanDtype):
            frame[column] = frame[column].astype("Int64")
    frame["group"] = adsl["sequence"].map(labels)
    frame.to_csv(tmp_path / "adsl.csv", index=False)
    meta = pd.DataFrame(
        [(v.column, v.kind) for v in BASELINE_VARIABLES], columns=["column", "kind"]
    )
    meta.to_csv(tmp_path / "meta.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), str(tmp_path / "adsl.csv"),
         str(tmp_path / "meta.csv")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    r = json.loads(run.stdout)
    stats = table.drop_duplicates("characteristic").set_index("characteristic")
    for var in BASELINE_VARIABLES:
        row = stats.loc[var.label]
        assert row["test"] == TEST_NAMES[r[f"{var.column}_test"]], var.column
        assert row["p_value"] == pytest.approx(float(r[f"{var.column}_p"]), rel=1e-6)
        assert row["smd"] == pytest.approx(float(r[f"{var.column}_smd"]), rel=1e-6)
    assert "Fisher's exact test" in set(stats["test"])  # the demo exercises both branches


def test_smd_by_hand():
    # continuous: means 2 and 4, variances 1 and 4 -> 2 / sqrt(2.5)
    assert smd_continuous(np.array([1.0, 2, 3]), np.array([2.0, 4, 6])) == pytest.approx(
        2 / np.sqrt(2.5), rel=1e-12
    )
    # binary: 0.2 / sqrt((0.24 + 0.24) / 2)
    assert smd_categorical([0.4, 0.6], [0.6, 0.4]) == pytest.approx(0.2 / np.sqrt(0.24))
    # three levels, first dropped: d = (0, -0.3); S = [[0.21, -0.105], [-0.105, 0.205]];
    # d' S^-1 d = 0.09 x 0.21 / (0.21 x 0.205 - 0.105^2) = 0.0189 / 0.032025
    assert smd_categorical([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]) == pytest.approx(
        np.sqrt(0.0189 / 0.032025), rel=1e-12
    )
    # identical distributions, and a level empty in both groups (singular S, pseudo-inverse)
    assert smd_categorical([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(0.0, abs=1e-12)
    assert smd_categorical([0.4, 0.6, 0.0], [0.6, 0.4, 0.0]) == pytest.approx(0.2 / np.sqrt(0.24))


def _toy():
    return pd.DataFrame(
        {
            "arm": ["a", "a", "a", "b", "b", "b", None],
            "age": [50.0, 60, 70, 55, 65, np.nan, 40],
            "sex": ["M", "F", "M", "M", "M", "F", "F"],
        }
    )


TOY_VARS = [
    Variable("age", "Age", "continuous"),
    Variable("sex", "Sex", "categorical", (("M", "Male"), ("F", "Female"))),
    Variable("not_there", "Skipped", "continuous"),
]


def test_missing_group_only_in_overall_and_missing_values_counted():
    table = baseline_by_group(_toy(), by="arm", variables=TOY_VARS)
    age = table[table["characteristic"] == "Age"].set_index("group")
    assert age.loc[OVERALL, "n"] == 6 and age.loc["b", "n"] == 2 and age.loc["b", "missing"] == 1
    assert age.loc["a", "median"] == 60
    assert age["test"].iloc[0] == "Wilcoxon rank sum test"
    # exact Wilcoxon of (50, 60, 70) vs (55, 65): W = 3 of 6, two-sided p = 1 (R wilcox.test)
    assert age["p_value"].iloc[0] == pytest.approx(1.0)
    sex = table[table["characteristic"] == "Sex"]
    assert sex["test"].iloc[0] == "Fisher's exact test"
    assert "Skipped" not in set(table["characteristic"])


def test_configurable_labels_and_single_group():
    toy = _toy()
    table = baseline_by_group(toy, by="arm", variables=TOY_VARS, group_labels={"a": "A"})
    assert list(table["group"].unique()) == [OVERALL, "A"]
    assert table["test"].isna().all() and table["smd"].isna().all()
    with pytest.raises(InputError, match="no column 'nope'"):
        baseline_by_group(toy, by="nope")
