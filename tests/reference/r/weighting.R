# Propensity scores and inverse-probability-of-treatment weights: glm(binomial) coefficients and
# SEs, fitted propensities, ATE / ATT weights (plain and stabilised) and standardized mean
# differences (Austin 2009; weighted: Austin & Stuart 2015) before and after weighting.
# Sourced by ../make_reference.R (provides outdir and write_fixture()).
suppressPackageStartupMessages(library(survival))

lung_w <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "wt.loss", "meal.cal")])
lung_w <- data.frame(treated = as.integer(lung_w$ph.ecog >= 1), age = lung_w$age,
                     sex = ifelse(lung_w$sex == 1, "M", "F"), wt.loss = lung_w$wt.loss,
                     meal.cal = lung_w$meal.cal)
vet_w <- data.frame(treated = as.integer(veteran$trt == 2), karno = veteran$karno,
                    age = veteran$age, prior = as.integer(veteran$prior == 10),
                    celltype = as.character(veteran$celltype))
weight_cases <- list(
  lung = list(data = lung_w, covariates = c("age", "sex", "wt.loss", "meal.cal")),
  veteran = list(data = vet_w, covariates = c("karno", "age", "prior", "celltype"))
)

wmean <- function(x, w) sum(w * x) / sum(w)
wvar <- function(x, w) {  # Austin & Stuart 2015; equals var() when w = 1
  sum(w) / (sum(w)^2 - sum(w^2)) * sum(w * (x - wmean(x, w))^2)
}
smd_rows <- function(d, covariates, w, label) {
  t1 <- d$treated == 1
  rows <- list()
  add <- function(variable, type, x) {
    m1 <- wmean(x[t1], w[t1]); m0 <- wmean(x[!t1], w[!t1])
    denom <- if (type == "continuous") sqrt((wvar(x[t1], w[t1]) + wvar(x[!t1], w[!t1])) / 2) else
      sqrt((m1 * (1 - m1) + m0 * (1 - m0)) / 2)
    rows[[length(rows) + 1]] <<- data.frame(weights = label, variable = variable, type = type,
                                            mean_treated = m1, mean_control = m0,
                                            smd = (m1 - m0) / denom)
  }
  for (v in covariates) {
    x <- d[[v]]
    if (is.character(x)) {
      for (level in sort(unique(x))) add(paste0(v, level), "categorical", as.numeric(x == level))
    } else if (all(x %in% c(0, 1))) add(v, "binary", x) else add(v, "continuous", x)
  }
  do.call(rbind, rows)
}

coefs <- list(); weights <- list(); smds <- list()
for (case in names(weight_cases)) {
  spec <- weight_cases[[case]]
  d <- spec$data
  write_fixture(d, paste0("data_weighting_", case, ".csv"))
  f <- reformulate(spec$covariates, "treated")
  fit <- glm(f, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(fit)$coefficients
  coefs[[length(coefs) + 1]] <- data.frame(case = case, term = rownames(s), coef = s[, 1],
                                           se = s[, 2], z = s[, 3], p = s[, 4])
  e <- fitted(fit); t <- d$treated; p1 <- mean(t)
  ate <- t / e + (1 - t) / (1 - e)
  ate_s <- t * p1 / e + (1 - t) * (1 - p1) / (1 - e)
  att <- t + (1 - t) * e / (1 - e)
  att_s <- t + (1 - t) * e / (1 - e) * (1 - p1) / p1
  weights[[length(weights) + 1]] <- data.frame(case = case, row = seq_along(e), propensity = e,
                                               ate = ate, ate_stabilized = ate_s, att = att,
                                               att_stabilized = att_s)
  smds[[length(smds) + 1]] <- cbind(case = case, rbind(
    smd_rows(d, spec$covariates, rep(1, nrow(d)), "none"),
    smd_rows(d, spec$covariates, ate_s, "ate_stabilized"),
    smd_rows(d, spec$covariates, att, "att")))
}
write_fixture(do.call(rbind, coefs), "weighting_coefficients.csv")
write_fixture(do.call(rbind, weights), "weighting_weights.csv")
write_fixture(do.call(rbind, smds), "weighting_smd.csv")
