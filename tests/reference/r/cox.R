# Cox model reference values: coxph coefficients, SEs, log-likelihoods, tests, concordance.
# Sourced by ../make_reference.R, which provides `outdir` and `write_fixture()`.
suppressPackageStartupMessages(library(survival))

lung_cc <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "wt.loss", "inst")])
lung_cc$event <- lung_cc$status - 1
lung_cc$sex <- ifelse(lung_cc$sex == 1, "M", "F")
vet <- veteran
vet$celltype <- as.character(vet$celltype)  # levels in sorted order, as oncorwe
vet$entry <- ifelse(seq_len(nrow(vet)) %% 3 == 0, floor(vet$time / 2), 0)
ova <- ovarian
ova$weight <- 1 + (seq_len(nrow(ova)) %% 3) * 0.5
mg <- na.omit(mgus2[, c("futime", "death", "age", "sex", "hgb")])
mg$sex <- as.character(mg$sex)
aml2 <- aml
aml2$x <- as.character(aml2$x)
cgd2 <- cgd[, c("id", "tstart", "tstop", "status", "treat", "age", "inherit")]
cgd2$treat <- as.character(cgd2$treat)
# levels in code-point order as oncorwe sorts them (not locale order): "X-linked" < "autosomal"
cgd2$inherit <- factor(as.character(cgd2$inherit), levels = c("X-linked", "autosomal"))
tied <- data.frame(time = c(1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7, 8),
                   event = c(1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1),
                   x = c(0.5, 1.2, -0.3, 0.8, 0, 1.1, -1, 0.2, 0.3, 1.5, -0.5, 0.9, 0, 0.4,
                         -0.2, 1))

cox_cases <- list(
  lung = list(data = lung_cc, formula = Surv(time, event) ~ age + sex + ph.ecog),
  lung_strata = list(data = lung_cc, formula = Surv(time, event) ~ age + sex + strata(inst)),
  lung_robust = list(data = lung_cc, formula = Surv(time, event) ~ age + sex + wt.loss,
                     robust = TRUE),
  veteran = list(data = vet, formula = Surv(time, status) ~ trt + celltype + karno),
  veteran_entry = list(data = vet, formula = Surv(entry, time, status) ~ trt + karno),
  ovarian_weighted = list(data = ova, formula = Surv(futime, fustat) ~ age + rx,
                          weights = TRUE),
  mgus2 = list(data = mg, formula = Surv(futime, death) ~ age + sex + hgb),
  aml = list(data = aml2, formula = Surv(time, status) ~ x),
  cgd_cluster = list(data = cgd2, formula = Surv(tstart, tstop, status) ~ treat + age + inherit,
                     cluster = TRUE),
  tied = list(data = tied, formula = Surv(time, event) ~ x)
)

coefs <- list(); fits <- list()
for (case in names(cox_cases)) {
  spec <- cox_cases[[case]]
  write_fixture(spec$data, paste0("data_cox_", case, ".csv"))
  for (ties in c("efron", "breslow")) {
    args <- list(formula = spec$formula, data = spec$data, ties = ties)
    if (isTRUE(spec$weights)) args$weights <- spec$data$weight
    if (isTRUE(spec$robust)) args$robust <- TRUE
    if (isTRUE(spec$cluster)) args$cluster <- spec$data$id
    fit <- do.call(coxph, args)
    s <- summary(fit)$coefficients
    se <- if ("robust se" %in% colnames(s)) s[, "robust se"] else s[, "se(coef)"]
    coefs[[length(coefs) + 1]] <- data.frame(
      case = case, ties = ties, term = rownames(s), coef = s[, "coef"], se = se,
      naive_se = s[, "se(coef)"], z = s[, "z"], p = s[, "Pr(>|z|)"])
    fits[[length(fits) + 1]] <- data.frame(
      case = case, ties = ties, n = fit$n, n_events = fit$nevent,
      loglik_null = fit$loglik[1], loglik = fit$loglik[2],
      lr = 2 * diff(fit$loglik), wald = fit$wald.test, score = fit$score,
      robust_score = if (is.null(fit$rscore)) NA else fit$rscore,
      concordance = unname(fit$concordance["concordance"]),
      concordance_se = unname(fit$concordance["std"]), iterations = fit$iter)
  }
}
write_fixture(do.call(rbind, coefs), "cox_coefficients.csv")
write_fixture(do.call(rbind, fits), "cox_fits.csv")

# Survival curves: survfit.coxph at fit$means (R's default: weighted means, columns with values
# in {-1, 0, 1} not centred) and for new covariate rows, with R's default log confidence limits.
surv_cases <- c("lung", "lung_strata", "veteran", "veteran_entry", "ovarian_weighted", "aml",
                "tied")
new_rows <- c(2, 5, 9)  # covariate rows (1-based) used as new data
tidy_curve <- function(sf, case, ties, profile, stratum = NULL) {
  # R names a newdata curve by the row name; the fixture names it by its stratum instead
  strata <- if (is.null(sf$strata)) rep("", length(sf$time)) else if (!is.null(stratum))
    rep(as.character(stratum), length(sf$time)) else
    rep(sub("^inst=", "", names(sf$strata)), sf$strata)
  data.frame(case = case, ties = ties, profile = profile, stratum = strata, time = sf$time,
             n_risk = sf$n.risk, n_event = sf$n.event, n_censor = sf$n.censor,
             surv = sf$surv, cumhaz = sf$cumhaz, std_err = sf$std.err,
             lower = sf$lower, upper = sf$upper)
}
curves <- list()
for (case in surv_cases) {
  spec <- cox_cases[[case]]
  for (ties in c("efron", "breslow")) {
    args <- list(formula = spec$formula, data = spec$data, ties = ties)
    if (isTRUE(spec$weights)) args$weights <- spec$data$weight
    fit <- do.call(coxph, args)
    curves[[length(curves) + 1]] <- tidy_curve(survfit(fit), case, ties, 0L)
    for (k in seq_along(new_rows)) {
      row <- spec$data[new_rows[k], , drop = FALSE]
      sf <- survfit(fit, newdata = row)
      curves[[length(curves) + 1]] <- tidy_curve(sf, case, ties, k, row$inst)
    }
  }
}
write_fixture(do.call(rbind, curves), "cox_survival.csv")

# Proportional-hazards test: cox.zph(fit, transform, terms = FALSE): chisq, df, p per coefficient
# and GLOBAL, and the scaled Schoenfeld residuals (y) with their transformed times (x).
zph_cases <- c("lung", "lung_strata", "veteran", "veteran_entry", "ovarian_weighted", "tied")
zph_tests <- list(); zph_resid <- list()
for (case in zph_cases) {
  spec <- cox_cases[[case]]
  for (ties in c("efron", "breslow")) {
    args <- list(formula = spec$formula, data = spec$data, ties = ties)
    if (isTRUE(spec$weights)) args$weights <- spec$data$weight
    fit <- do.call(coxph, args)
    for (transform in c("km", "rank", "identity")) {
      z <- cox.zph(fit, transform = transform, terms = FALSE)
      zph_tests[[length(zph_tests) + 1]] <- data.frame(
        case = case, ties = ties, transform = transform, term = rownames(z$table),
        chisq = z$table[, "chisq"], df = z$table[, "df"], p = z$table[, "p"])
      if (transform != "km") next  # residuals do not depend on the transform; x is checked by km
      zph_resid[[length(zph_resid) + 1]] <- data.frame(
        case = case, ties = ties, transform = transform,
        term = rep(colnames(z$y), each = nrow(z$y)), event = rep(seq_len(nrow(z$y)), ncol(z$y)),
        time = rep(z$time, ncol(z$y)), x = rep(z$x, ncol(z$y)), residual = c(z$y))
    }
  }
}
write_fixture(do.call(rbind, zph_tests), "cox_zph_tests.csv")
write_fixture(do.call(rbind, zph_resid), "cox_zph_residuals.csv")
