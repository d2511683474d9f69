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
