"""Group-comparison tests: chi-square, Fisher (2 x 2 and r x c), Wilcoxon, Kruskal-Wallis vs R."""

import json
import subprocess

import numpy as np
import pytest

from conftest import require_tool
from oncorwe.errors import StatsInputError
from oncorwe.stats.group_tests import (
    chisq_test,
    expected_counts,
    fisher_exact_test,
    kruskal_wallis,
    wilcoxon_rank_sum,
)

TABLES = {
    "t2x3": [[3, 1, 4], [2, 7, 1]],
    "t2x4": [[10, 5, 3, 2], [8, 12, 1, 4]],
    "t3x3": [[2, 3, 1], [4, 1, 2], [0, 3, 5]],
    "t2x2": [[1, 2], [3, 4]],
    "t2x5": [[30, 20, 10, 4, 2], [25, 10, 5, 1, 1]],
    "t4x2": [[5, 1], [2, 6], [3, 3], [0, 4]],
}
SAMPLES = {
    "exact": ([1.5, 2.3, 3.1, 4.8, 5.0, 6.2], [0.5, 1.1, 2.2, 7.7, 8.1]),
    "ties": ([1, 2, 2, 3, 4], [2, 3, 5, 6, 7, 7]),
    "large": (list(np.linspace(0, 10, 55) ** 1.3), list(np.linspace(1, 12, 60) ** 1.2)),
}

R_SCRIPT = r"""
args <- commandArgs(TRUE)
input <- jsonlite_free <- NULL
tabs <- eval(parse(text = args[1]))
samples <- eval(parse(text = args[2]))
out <- c()
for (name in names(tabs)) {
  t <- tabs[[name]]
  out[paste0(name, "_fisher")] <- fisher.test(t)$p.value
  out[paste0(name, "_chisq")] <- suppressWarnings(chisq.test(t, correct = FALSE))$p.value
}
for (name in names(samples)) {
  s <- samples[[name]]
  out[paste0(name, "_wilcox")] <- suppressWarnings(wilcox.test(s[[1]], s[[2]]))$p.value
  out[paste0(name, "_kruskal")] <- kruskal.test(s)$p.value
}
cat("{", paste(sprintf('"%s": %.17g', names(out), out), collapse = ", "), "}")
"""


def _r_matrix(t):
    t = np.asarray(t)
    cells = ",".join(str(v) for v in t.ravel())
    return f"matrix(c({cells}), {t.shape[0]}, byrow = TRUE)"


def _r_vector(v):
    return "c(" + ",".join(repr(float(x)) for x in v) + ")"


def test_group_tests_equal_r(tmp_path):
    rscript = require_tool("Rscript")
    tabs = "list(" + ", ".join(f"{k} = {_r_matrix(t)}" for k, t in TABLES.items()) + ")"
    samples = "list(" + ", ".join(
        f"{k} = list({_r_vector(x)}, {_r_vector(y)})" for k, (x, y) in SAMPLES.items()
    ) + ")"  # fmt: skip
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), tabs, samples],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    r = json.loads(run.stdout)
    for name, table in TABLES.items():
        assert fisher_exact_test(table).p_value == pytest.approx(r[f"{name}_fisher"], rel=1e-6)
        assert chisq_test(table).p_value == pytest.approx(r[f"{name}_chisq"], rel=1e-6)
    for name, (x, y) in SAMPLES.items():
        assert wilcoxon_rank_sum(x, y).p_value == pytest.approx(r[f"{name}_wilcox"], rel=1e-6)
        assert kruskal_wallis(x, y).p_value == pytest.approx(r[f"{name}_kruskal"], rel=1e-6)


def test_fisher_2x2_by_hand():
    # margins rows 3/7, columns 4/6; P(a) = C(4, a) C(6, 3 - a) / C(10, 3) for a = 0..3 is
    # 20, 60, 36, 4 (/120); observed a = 3 is the least likely table, so p = 4/120
    table = [[3, 0], [1, 6]]
    assert fisher_exact_test(table).p_value == pytest.approx(4 / 120, rel=1e-12)


def test_fisher_rxc_enumeration_equals_2x2_formula():
    table = [[3, 0], [1, 6]]
    from oncorwe.stats.group_tests import _fisher_rxc

    assert _fisher_rxc(np.array(table)) == pytest.approx(4 / 120, rel=1e-12)


def test_fisher_is_invariant_to_transposing_and_reordering():
    t = np.array(TABLES["t3x3"])
    p = fisher_exact_test(t).p_value
    assert fisher_exact_test(t.T).p_value == pytest.approx(p, rel=1e-12)
    assert fisher_exact_test(t[::-1, ::-1]).p_value == pytest.approx(p, rel=1e-12)


def test_empty_rows_are_dropped_and_expected_counts():
    # margins 4/8 x 4/8, n = 12: 4 x 4 / 12, 4 x 8 / 12, ...
    expected = expected_counts([[2, 2], [0, 0], [2, 6]])
    assert expected.ravel().tolist() == pytest.approx([4 / 3, 8 / 3, 8 / 3, 16 / 3])
    with pytest.raises(StatsInputError, match="2 non-empty"):
        chisq_test([[5, 0], [3, 0]])
    with pytest.raises(StatsInputError, match="whole numbers"):
        fisher_exact_test([[1.5, 2], [3, 4]])


def test_wilcoxon_uses_exact_only_without_ties_below_50():
    x, y = SAMPLES["exact"]
    assert wilcoxon_rank_sum(x, y).detail == "exact"
    assert wilcoxon_rank_sum(*SAMPLES["ties"]).detail.startswith("normal")
    assert wilcoxon_rank_sum(*SAMPLES["large"]).detail.startswith("normal")
    # exact, by hand: W = 17 of 6 x 5; P(W >= 17) doubled = 0.792207792... (R wilcox.test)
    assert wilcoxon_rank_sum(x, y).statistic == 17
    assert wilcoxon_rank_sum(x, y).p_value == pytest.approx(0.792207792207792, rel=1e-12)
