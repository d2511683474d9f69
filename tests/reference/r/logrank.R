# Log-rank / G-rho reference values: survdiff with k groups, strata and rho.
# Sourced by ../make_reference.R, which provides `outdir` and `write_fixture()`.
suppressPackageStartupMessages(library(survival))

lung_ecog <- lung[!is.na(lung$ph.ecog), ]
cgd_first <- cgd[cgd$enum == 1, ]
logrank_cases <- list(
  lung_sex = data.frame(time = lung$time, event = lung$status - 1, group = lung$sex),
  lung_sex_by_ecog = data.frame(time = lung_ecog$time, event = lung_ecog$status - 1,
                                group = lung_ecog$sex, stratum = lung_ecog$ph.ecog),
  veteran_celltype = data.frame(time = veteran$time, event = veteran$status,
                                group = as.character(veteran$celltype)),
  veteran_celltype_by_trt = data.frame(time = veteran$time, event = veteran$status,
                                       group = as.character(veteran$celltype),
                                       stratum = veteran$trt),
  aml_x = data.frame(time = aml$time, event = aml$status, group = as.character(aml$x)),
  ovarian_rx_by_resid = data.frame(time = ovarian$futime, event = ovarian$fustat,
                                   group = ovarian$rx, stratum = ovarian$resid.ds),
  mgus2_sex = data.frame(time = mgus2$futime, event = mgus2$death,
                         group = as.character(mgus2$sex)),
  cgd_treat_by_inherit = data.frame(time = cgd_first$tstop, event = cgd_first$status,
                                    group = as.character(cgd_first$treat),
                                    stratum = as.character(cgd_first$inherit)),
  # hand-made: three groups, ties within and across groups at every step
  tied3 = data.frame(time = c(1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7),
                     event = c(1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0),
                     group = c("a", "b", "c", "a", "c", "b", "b", "a", "a", "b", "c", "c",
                               "a", "c", "b"))
)

stats <- list(); groups <- list()
for (case in names(logrank_cases)) {
  d <- logrank_cases[[case]]
  write_fixture(d, paste0("data_lr_", case, ".csv"))
  for (rho in c(0, 0.5, 1)) {
    fit <- if (is.null(d$stratum)) {
      survdiff(Surv(time, event) ~ group, data = d, rho = rho)
    } else {
      survdiff(Surv(time, event) ~ group + strata(stratum), data = d, rho = rho)
    }
    obs <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
    exp <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
    stats[[length(stats) + 1]] <- data.frame(
      case = case, rho = rho, chisq = fit$chisq, df = sum(exp > 0) - 1, p_value = fit$pvalue)
    groups[[length(groups) + 1]] <- data.frame(
      case = case, rho = rho, group = sub("^group=", "", names(fit$n)),
      n = as.vector(fit$n), observed = obs, expected = exp, variance = diag(fit$var))
  }
}
write_fixture(do.call(rbind, stats), "logrank_tests.csv")
write_fixture(do.call(rbind, groups), "logrank_groups.csv")
