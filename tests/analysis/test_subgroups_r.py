"""Subgroup and Cox tables on the demo cohort, checked live against R's survival (1e-6)."""

import json
import subprocess

import pytest

from conftest import require_tool
from oncorwe.analysis.study import analyse_study
from oncorwe.analysis.subgroups import cox_tables, subgroup_survival
from oncorwe.io.sources import read_source
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

R_SCRIPT = r"""
library(survival)
args <- commandArgs(TRUE)
d <- read.csv(args[1])
d$sequence <- factor(d$sequence, levels = c("concurrent", "rt_first", "ici_first"))
out <- list()
for (ep in c("os", "pfs")) {
  f <- as.formula(sprintf("Surv(%s_months, %s_event) ~ pvtt_present + extrahepatic_metastasis +
                          afp_over_400 + sequence", ep, ep))
  fit <- coxph(f, data = d, ties = "efron")
  s <- summary(fit)
  out[[paste0(ep, "_hr")]] <- unname(s$conf.int[, 1])
  out[[paste0(ep, "_lower")]] <- unname(s$conf.int[, 3])
  out[[paste0(ep, "_p")]] <- unname(s$coefficients[, 5])
  sd <- survdiff(as.formula(sprintf("Surv(%s_months, %s_event) ~ sequence", ep, ep)), data = d)
  out[[paste0(ep, "_logrank_p")]] <- pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)
}
cat(paste0("{", paste(sprintf('"%s": [%s]', names(out),
    sapply(out, function(v) paste(sprintf("%.15g", v), collapse = ","))), collapse = ","), "}"))
"""


@pytest.fixture(scope="module")
def demo():
    protocol = load_protocol("hcc-rt-ici")
    accepted = validate_tables(read_source(seed_twin_path())).accepted
    _, data, _ = analyse_study(accepted, protocol)
    return data.adsl, protocol


def test_multivariable_cox_and_logrank_equal_r(demo, tmp_path):
    rscript = require_tool("Rscript")
    adsl, protocol = demo
    cols = ["os_months", "os_event", "pfs_months", "pfs_event", "pvtt_present",
            "extrahepatic_metastasis", "afp_over_400", "sequence"]  # fmt: skip
    frame = adsl[cols].copy()
    for c in ("pvtt_present", "extrahepatic_metastasis", "afp_over_400"):
        frame[c] = frame[c].astype("Int64")
    frame.to_csv(tmp_path / "adsl.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(
        [rscript, str(tmp_path / "check.R"), str(tmp_path / "adsl.csv")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    r = json.loads(run.stdout)
    cox = cox_tables(adsl, protocol, list(protocol.subgroups.cox_covariates))
    groups = subgroup_survival(adsl, protocol)
    order = ["pvtt_present", "extrahepatic_metastasis", "afp_over_400", "sequencert_first",
             "sequenceici_first"]  # fmt: skip
    for ep in ("OS", "PFS"):
        multi = cox[(cox["model"] == "multivariable") & (cox["endpoint"] == ep)]
        multi = multi.set_index("term").loc[order]
        key = ep.lower()
        assert multi["hr"].tolist() == pytest.approx(r[f"{key}_hr"], rel=1e-6)
        assert multi["hr_lower"].tolist() == pytest.approx(r[f"{key}_lower"], rel=1e-6)
        assert multi["p"].tolist() == pytest.approx(r[f"{key}_p"], rel=1e-6)
        seq = groups[(groups["endpoint"] == ep) & (groups["variable"] == "sequence")]
        assert seq["p_logrank"].iloc[0] == pytest.approx(r[f"{key}_logrank_p"][0], rel=1e-6)


def test_subgroup_counts_add_up(demo):
    adsl, protocol = demo
    groups = subgroup_survival(adsl, protocol)
    for (_, variable), rows in groups.groupby(["endpoint", "variable"]):
        assert rows["n"].sum() == adsl[variable].notna().sum()
        assert rows["hr"].iloc[0] == 1.0  # the reference level
