"""One-sample tests (exact binomial, reference curve, one-sample log-rank, landmark) vs R."""

import json
import subprocess

import numpy as np
import pytest

from conftest import require_tool
from oncorwe.errors import StatsInputError
from oncorwe.stats import (
    binomial_test,
    landmark_test,
    one_sample_logrank,
    reference_curve,
)

TIME = np.array([1.2, 3.5, 5.0, 7.7, 12.1, 15.0, 18.0, 22.0, 30.0, 36.0, 40.5, 5.0, 12.0])
EVENT = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1])
CURVES = {  # published points (time, survival)
    "median_only": ([13.6], [0.5]),
    "checkmate459": ([16.4, 12, 24, 33], [0.5, 0.60, 0.37, 0.29]),
    "cares310": ([23.8, 12, 24, 36], [0.5, 0.77, 0.49, 0.38]),
}
BINOMIAL = [(81, 108, 0.544), (81, 108, 0.75), (3, 20, 0.5), (0, 10, 0.2), (10, 10, 0.9)]

R_SCRIPT = r"""
library(survival)
args <- commandArgs(TRUE)
t <- eval(parse(text = args[1])); e <- eval(parse(text = args[2]))
curves <- eval(parse(text = args[3])); binom <- eval(parse(text = args[4]))
# piecewise exponential written independently: cumulative hazard linear between knots in -log S
H0 <- function(x, kt, ks) {
  o <- order(kt); kt <- c(0, kt[o]); ks <- c(1, ks[o]); h <- -log(ks); m <- length(kt)
  last <- (h[m] - h[m - 1]) / (kt[m] - kt[m - 1])
  ifelse(x > kt[m], h[m] + last * (x - kt[m]), approx(kt, h, xout = pmin(x, kt[m]))$y)
}
out <- c()
for (name in names(curves)) {
  cv <- curves[[name]]
  s <- survdiff(Surv(t, e) ~ offset(exp(-H0(t, cv[[1]], cv[[2]]))))
  out[paste0(name, "_expected")] <- s$exp
  out[paste0(name, "_chisq")] <- s$chisq
  out[paste0(name, "_p")] <- pchisq(s$chisq, 1, lower.tail = FALSE)
}
for (i in seq_along(binom)) {
  b <- binom[[i]]; out[paste0("binom_", i)] <- binom.test(b[1], b[2], b[3])$p.value
}
fit <- survfit(Surv(t, e) ~ 1)
sm <- summary(fit, times = 12)
z <- (log(-log(sm$surv)) - log(-log(0.6))) * abs(log(sm$surv)) / (sm$std.err / sm$surv)
out["landmark_surv"] <- sm$surv
out["landmark_p"] <- 2 * pnorm(-abs(z))
cat("{", paste(sprintf('"%s": %.17g', names(out), out), collapse = ", "), "}")
"""


def _r_vector(values):
    return "c(" + ",".join(repr(float(v)) for v in values) + ")"


def test_one_sample_tests_equal_r(tmp_path):
    rscript = require_tool("Rscript")
    curves = "list(" + ", ".join(
        f"{k} = list({_r_vector(t)}, {_r_vector(s)})" for k, (t, s) in CURVES.items()
    ) + ")"  # fmt: skip
    binom = "list(" + ", ".join(_r_vector(b) for b in BINOMIAL) + ")"
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), _r_vector(TIME), _r_vector(EVENT), curves, binom],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    r = json.loads(run.stdout)
    for name, (times, surv) in CURVES.items():
        result = one_sample_logrank(TIME, EVENT, reference_curve(times, surv))
        assert result.observed == EVENT.sum()
        assert result.expected == pytest.approx(r[f"{name}_expected"], rel=1e-6)
        assert result.chisq == pytest.approx(r[f"{name}_chisq"], rel=1e-6)
        assert result.p_value == pytest.approx(r[f"{name}_p"], rel=1e-6)
    for i, (k, n, p0) in enumerate(BINOMIAL, start=1):
        assert binomial_test(k, n, p0).p_value == pytest.approx(r[f"binom_{i}"], rel=1e-6)
    # landmark: R's summary()$std.err is the SE of S; oncorwe takes that of the cum. hazard
    from oncorwe.stats import kaplan_meier

    km = kaplan_meier(TIME, EVENT)
    row = km.table[km.table["time"] <= 12].iloc[-1]
    assert row["surv"] == pytest.approx(r["landmark_surv"], rel=1e-9)
    result = landmark_test(row["surv"], row["std_err"], 0.6)
    assert result.p_value == pytest.approx(r["landmark_p"], rel=1e-6)


def test_reference_curve_by_hand():
    # median alone: exponential with hazard log 2 / m
    curve = reference_curve([10.0], [0.5])
    assert curve.hazards.tolist() == pytest.approx([np.log(2) / 10])
    assert curve.survival([20.0]).tolist() == pytest.approx([0.25])
    # (0, 1), (12, 0.6), (16.4, 0.5): survival at 6 is sqrt(0.6); beyond 16.4, the last hazard
    curve = reference_curve([16.4, 12.0], [0.5, 0.6])
    assert curve.times.tolist() == [0.0, 12.0, 16.4]
    assert curve.survival([6.0]).tolist() == pytest.approx([np.sqrt(0.6)])
    last = np.log(0.6 / 0.5) / 4.4
    assert curve.survival([20.8]).tolist() == pytest.approx([0.5 * np.exp(-last * 4.4)])
    assert curve.survival([0.0, 12.0, 16.4]).tolist() == pytest.approx([1.0, 0.6, 0.5])


def test_reference_curve_rejects_inconsistent_points():
    with pytest.raises(StatsInputError, match="increase with time"):
        reference_curve([12.0, 24.0], [0.4, 0.5])  # 24-month rate above the 12-month rate
    with pytest.raises(StatsInputError, match="strictly between 0 and 1"):
        reference_curve([12.0], [1.0])
    with pytest.raises(StatsInputError, match="distinct and > 0"):
        reference_curve([12.0, 12.0], [0.6, 0.5])


def test_one_sample_logrank_by_hand():
    # exponential reference with hazard 0.1: E = 0.1 x total time = 0.1 x 30 = 3; O = 2
    curve = reference_curve([np.log(2) / 0.1], [0.5])
    result = one_sample_logrank([5.0, 10.0, 15.0], [1, 0, 1], curve)
    assert result.expected == pytest.approx(3.0)
    assert result.chisq == pytest.approx(1 / 3)
    assert result.ratio == pytest.approx(2 / 3)


def test_binomial_test_checks_input():
    assert binomial_test(5, 10, 0.5).p_value == pytest.approx(1.0)
    with pytest.raises(StatsInputError):
        binomial_test(11, 10, 0.5)
    with pytest.raises(StatsInputError):
        binomial_test(5, 10, 1.5)
