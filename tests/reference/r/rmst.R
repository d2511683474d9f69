# Restricted mean survival time: rmean and se(rmean) of summary(survfit, rmean = tau)$table per
# group, and survRM2's two-group difference (normal CI) and ratio (log scale, delta method)
# computed from them. Sourced by ../make_reference.R (provides outdir and write_fixture()).
suppressPackageStartupMessages(library(survival))

rmst_cases <- list(
  lung = list(data = data.frame(time = lung$time, event = lung$status - 1,
                                group = ifelse(lung$sex == 1, "M", "F")), tau = c(365, 730)),
  veteran = list(data = data.frame(time = veteran$time, event = veteran$status,
                                   group = paste0("trt", veteran$trt)), tau = c(90, 180)),
  aml = list(data = data.frame(time = aml$time, event = aml$status, group = as.character(aml$x)),
             tau = c(30, 45)),
  ovarian = list(data = data.frame(time = ovarian$futime, event = ovarian$fustat,
                                   group = paste0("rx", ovarian$rx)), tau = c(500, 1000)),
  # tau on an event time, and tau after the last time of one group (curve carried forward)
  tied = list(data = data.frame(time = c(1, 1, 2, 2, 3, 4, 4, 5, 1, 2, 3, 3, 3, 6, 7, 7),
                                event = c(1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1),
                                group = rep(c("a", "b"), each = 8)), tau = c(4, 6))
)
z <- qnorm(0.975)
groups <- list(); comparisons <- list()
for (case in names(rmst_cases)) {
  spec <- rmst_cases[[case]]
  write_fixture(spec$data, paste0("data_rmst_", case, ".csv"))
  for (tau in spec$tau) {
    overall <- summary(survfit(Surv(time, event) ~ 1, data = spec$data), rmean = tau)$table
    fit <- survfit(Surv(time, event) ~ group, data = spec$data)
    tab <- summary(fit, rmean = tau)$table
    est <- c(overall[["rmean"]], tab[, "rmean"])
    se <- c(overall[["se(rmean)"]], tab[, "se(rmean)"])
    groups[[length(groups) + 1]] <- data.frame(
      case = case, tau = tau, group = c("", sub("^group=", "", rownames(tab))),
      estimate = est, se = se, lower = est - z * se, upper = est + z * se)
    # survRM2 rmst2: arm 1 minus arm 0 (here: second level minus first level)
    d <- est[3] - est[2]; d_se <- sqrt(se[3]^2 + se[2]^2)
    lr <- log(est[3]) - log(est[2]); lr_se <- sqrt(se[3]^2 / est[3]^2 + se[2]^2 / est[2]^2)
    comparisons[[length(comparisons) + 1]] <- data.frame(
      case = case, tau = tau, measure = c("difference", "ratio"),
      estimate = c(d, exp(lr)), se = c(d_se, lr_se),
      lower = c(d - z * d_se, exp(lr - z * lr_se)), upper = c(d + z * d_se, exp(lr + z * lr_se)),
      p = 2 * pnorm(-abs(c(d / d_se, lr / lr_se))))
  }
}
write_fixture(do.call(rbind, groups), "rmst_groups.csv")
write_fixture(do.call(rbind, comparisons), "rmst_comparisons.csv")
