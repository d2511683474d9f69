# Competing-risks reference values: Aalen-Johansen cumulative incidence (survfit multi-state:
# pstate, std.err, CI; summary(times = )), cmprsk::cuminc estimates and variances, Gray's test,
# and Fine-Gray regression (cmprsk::crr).
# Sourced by ../make_reference.R, which provides `outdir` and `write_fixture()`.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

# mgus2: time to plasma-cell malignancy (1) with death (2) as the competing event
mg <- mgus2
mg$etime <- ifelse(mg$pstat == 0, mg$futime, mg$ptime)
mg$status <- ifelse(mg$pstat == 0, 2 * mg$death, 1)
mg$sex <- as.character(mg$sex)
mg$agegroup <- cut(mg$age, c(0, 65, 75, 200), labels = c("a<65", "b65-75", "c>75"))
mg$agegroup <- as.character(mg$agegroup)

cr_cases <- list(
  mgus2_sex = data.frame(time = mg$etime, status = mg$status, group = mg$sex),
  mgus2_age = data.frame(time = mg$etime, status = mg$status, group = mg$agegroup),
  # hand-made: three event types and censoring tied at every time; group "c" ends with
  # everyone failing at its last time (n = d)
  tied = data.frame(time = c(1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8),
                    status = c(1, 2, 0, 1, 1, 3, 0, 2, 1, 1, 2, 0, 1, 3, 0, 2, 1, 0, 1, 2, 1, 3),
                    group = c("a", "b", "c", "a", "c", "b", "b", "a", "c", "a", "b", "c",
                              "a", "a", "b", "c", "b", "a", "c", "a", "b", "c"))
)

landmarks <- function(time) {
  sort(unique(c(0, round(quantile(time, c(0.1, 0.33, 0.5, 0.75), names = FALSE)) + 0.5,
                max(time), 2 * max(time))))
}

tables <- list(); at <- list(); at_times <- list(); cinc <- list(); gray <- list()
for (case in names(cr_cases)) {
  d <- cr_cases[[case]]
  write_fixture(d, paste0("data_cr_", case, ".csv"))
  times <- landmarks(d$time)
  at_times[[case]] <- data.frame(case = case, time = times)
  causes <- sort(unique(d$status[d$status != 0]))
  subsets <- c(list("(all)" = d), split(d, d$group))
  for (g in names(subsets)) {
    dg <- subsets[[g]]
    for (conf_type in c("log-log", "log", "plain")) {
      fit <- survfit(Surv(time, factor(status)) ~ 1, data = dg, conf.type = conf_type)
      s <- summary(fit, times = times, extend = TRUE)
      for (cause in causes) {
        j <- match(as.character(cause), fit$states)
        if (is.na(j)) next  # no event of this type in the group
        tables[[length(tables) + 1]] <- data.frame(
          case = case, group = g, cause = cause, conf_type = conf_type, time = fit$time,
          n_risk = fit$n.risk[, 1], n_event = fit$n.event[, j], estimate = fit$pstate[, j],
          std_err = fit$std.err[, j], lower = fit$lower[, j], upper = fit$upper[, j])
        at[[length(at) + 1]] <- data.frame(
          case = case, group = g, cause = cause, conf_type = conf_type, time = s$time,
          estimate = s$pstate[, j], std_err = s$std.err[, j], lower = s$lower[, j],
          upper = s$upper[, j], n_risk = s$n.risk[, 1])
      }
    }
    # cmprsk::cuminc: values at the jumps (x, f, v hold every corner of the step function)
    ci <- cuminc(dg$time, dg$status, cencode = 0)
    for (cause in causes) {
      key <- paste(1, cause)
      if (is.null(ci[[key]])) next
      z <- ci[[key]]
      jumps <- seq(3, length(z$time) - 1, by = 2)
      cinc[[length(cinc) + 1]] <- data.frame(
        case = case, group = g, cause = cause, time = z$time[jumps], estimate = z$est[jumps],
        var = z$var[jumps])
    }
  }
  for (rho in c(0, 1)) {
    ci <- cuminc(d$time, d$status, group = d$group, cencode = 0, rho = rho)
    tests <- ci$Tests
    gray[[length(gray) + 1]] <- data.frame(
      case = case, rho = rho, cause = as.numeric(rownames(tests)), chisq = tests[, "stat"],
      df = tests[, "df"], p_value = tests[, "pv"])
  }
}
# Gray's test stratified (cmprsk sums scores and variances over strata)
by_age <- data.frame(time = mg$etime, status = mg$status, group = mg$sex, stratum = mg$agegroup)
write_fixture(by_age, "data_cr_mgus2_sex_by_age.csv")
for (rho in c(0, 1)) {
  tests <- cuminc(by_age$time, by_age$status, group = by_age$group, strata = by_age$stratum,
                  cencode = 0, rho = rho)$Tests
  gray[[length(gray) + 1]] <- data.frame(
    case = "mgus2_sex_by_age", rho = rho, cause = as.numeric(rownames(tests)),
    chisq = tests[, "stat"], df = tests[, "df"], p_value = tests[, "pv"])
}
write_fixture(do.call(rbind, tables), "cr_tables.csv")
write_fixture(do.call(rbind, at), "cr_at.csv")
write_fixture(do.call(rbind, at_times), "cr_at_times.csv")
write_fixture(do.call(rbind, cinc), "cr_cuminc.csv")
write_fixture(do.call(rbind, gray), "cr_gray.csv")

# Fine-Gray regression, cmprsk::crr (failcode = cause, every other non-zero code competing)
mg_fg <- na.omit(mg[, c("etime", "status", "age", "sex", "hgb")])
fg_tied <- data.frame(
  time = c(1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 8, 8, 9, 9, 10, 10),
  status = c(1, 2, 0, 1, 1, 0, 2, 1, 0, 2, 1, 1, 0, 1, 2, 2, 1, 0, 1, 1, 0, 2, 1, 0),
  x = c(0.5, 1.2, -0.3, 0.8, 0, 1.1, -1, 0.2, 0.3, 1.5, -0.5, 0.9, 0, 0.4, -0.2, 1, 0.7,
        -0.8, 0.1, 1.3, -0.4, 0.6, 0.25, -1.1),
  arm = c("b", "a", "c", "b", "a", "c", "a", "b", "c", "a", "c", "b", "a", "b", "c", "a",
          "b", "c", "b", "a", "c", "b", "a", "c"))
fg_cases <- list(
  mgus2_pcm = list(data = mg_fg, time = "etime", cause = 1, formula = ~ age + sex + hgb),
  mgus2_death = list(data = mg_fg, time = "etime", cause = 2, formula = ~ age + sex + hgb),
  tied = list(data = fg_tied, time = "time", cause = 1, formula = ~ x + arm)
)
coefs <- list(); fits <- list()
for (case in names(fg_cases)) {
  spec <- fg_cases[[case]]
  dd <- spec$data
  write_fixture(dd, paste0("data_fg_", case, ".csv"))
  x <- model.matrix(spec$formula, dd)[, -1, drop = FALSE]
  fit <- crr(dd[[spec$time]], dd$status, x, failcode = spec$cause, cencode = 0)
  # from the fit itself: summary.crr rounds its p-values
  se <- sqrt(diag(fit$var))
  z <- fit$coef / se
  coefs[[length(coefs) + 1]] <- data.frame(
    case = case, term = names(fit$coef), coef = fit$coef, se = se, hr = exp(fit$coef),
    hr_lower = exp(fit$coef - qnorm(0.975) * se), hr_upper = exp(fit$coef + qnorm(0.975) * se),
    z = z, p = 2 * pnorm(-abs(z)))
  fits[[length(fits) + 1]] <- data.frame(
    case = case, cause = spec$cause, n = fit$n, loglik_null = fit$loglik.null,
    loglik = fit$loglik, converged = fit$converged)
}
write_fixture(do.call(rbind, coefs), "fg_coefficients.csv")
write_fixture(do.call(rbind, fits), "fg_fits.csv")
