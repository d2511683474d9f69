# Kaplan-Meier reference values: survfit tables, quantile.survfit, summary(times = ),
# reverse Kaplan-Meier follow-up, binom.test / prop.test intervals.
# Sourced by ../make_reference.R, which provides `outdir` and `write_fixture()`.
suppressPackageStartupMessages(library(survival))

n_vet <- nrow(veteran)
km_cases <- list(
  lung = data.frame(time = lung$time, event = as.integer(lung$status == 2)),
  veteran = data.frame(time = veteran$time, event = veteran$status),
  aml = data.frame(time = aml$time, event = aml$status),
  ovarian = data.frame(time = ovarian$futime, event = ovarian$fustat),
  # hand-made: ties of events and censorings at several times
  tied = data.frame(time = c(1, 1, 1, 2, 2, 3, 3, 3, 3, 5, 5, 8, 8, 8),
                    event = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1)),
  all_censored = data.frame(time = c(2, 4, 4, 7, 9), event = 0),
  # survival is exactly 0.5 on [2, 3): median is the midpoint 2.5
  flat_half = data.frame(time = c(1, 2, 3, 4), event = 1),
  # the curve ends flat at 0.5: R's last-point rule
  ends_at_half = data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  with_zero = data.frame(time = c(0, 0, 1, 2, 3, 3, 5), event = c(1, 0, 1, 1, 0, 1, 0)),
  # delayed entry: every third patient enters at half of their follow-up
  veteran_entry = data.frame(
    entry = ifelse(seq_len(n_vet) %% 3 == 0, floor(veteran$time / 2), 0),
    time = veteran$time, event = veteran$status),
  # case weights (non-integer; Greenwood variance, i.e. robust = FALSE)
  ovarian_weighted = data.frame(time = ovarian$futime, event = ovarian$fustat,
                                weight = 1 + (seq_len(nrow(ovarian)) %% 3) * 0.5)
)

km_fit <- function(d, conf_type, reverse = FALSE) {
  status <- if (reverse) 1 - d$event else d$event
  w <- if (is.null(d$weight)) NULL else d$weight
  if (is.null(d$entry)) {
    survfit(Surv(d$time, status) ~ 1, conf.type = conf_type, weights = w, robust = FALSE)
  } else {
    survfit(Surv(d$entry, d$time, status) ~ 1, conf.type = conf_type, weights = w,
            robust = FALSE)
  }
}

landmarks <- function(time) {
  sort(unique(c(0, round(quantile(time, c(0.1, 0.33, 0.5, 0.75), names = FALSE)) + 0.5,
                max(time), 2 * max(time))))
}

tables <- list(); quants <- list(); at <- list(); follow <- list(); at_times <- list()
probs <- c(0.25, 0.5, 0.75)
for (case in names(km_cases)) {
  d <- km_cases[[case]]
  write_fixture(d, paste0("data_", case, ".csv"))
  times <- landmarks(d$time)
  at_times[[case]] <- data.frame(case = case, time = times)
  for (conf_type in c("log-log", "log", "plain")) {
    fit <- km_fit(d, conf_type)
    tables[[length(tables) + 1]] <- data.frame(
      case = case, conf_type = conf_type, time = fit$time, n_risk = fit$n.risk,
      n_event = fit$n.event, n_censor = fit$n.censor, surv = fit$surv,
      std_err = fit$std.err, lower = fit$lower, upper = fit$upper)
    q <- quantile(fit, probs)
    quants[[length(quants) + 1]] <- data.frame(
      case = case, conf_type = conf_type, p = probs, estimate = unname(q$quantile),
      lower = unname(q$lower), upper = unname(q$upper))
    for (extend in c(FALSE, TRUE)) {
      s <- summary(fit, times = times, extend = extend)
      at[[length(at) + 1]] <- data.frame(
        case = case, conf_type = conf_type, extend = extend, time = s$time, surv = s$surv,
        lower = s$lower, upper = s$upper, n_risk = s$n.risk)
    }
    rev <- km_fit(d, conf_type, reverse = TRUE)
    q <- quantile(rev, probs)
    follow[[length(follow) + 1]] <- data.frame(
      case = case, conf_type = conf_type, p = probs, estimate = unname(q$quantile),
      lower = unname(q$lower), upper = unname(q$upper))
  }
}
write_fixture(do.call(rbind, tables), "km_tables.csv")
write_fixture(do.call(rbind, quants), "km_quantiles.csv")
write_fixture(do.call(rbind, at), "km_at.csv")
write_fixture(do.call(rbind, at_times), "km_at_times.csv")
write_fixture(do.call(rbind, follow), "km_follow_up.csv")

# binomial intervals: exact (binom.test) and Wilson (prop.test without continuity correction)
binom <- expand.grid(k = c(0, 1, 5, 17, 33, 81, 107, 108), n = 108, conf_level = c(0.9, 0.95))
binom <- rbind(binom, data.frame(k = c(0, 1, 3), n = c(1, 1, 7), conf_level = 0.95))
binom$exact_lower <- binom$exact_upper <- binom$wilson_lower <- binom$wilson_upper <- NA
for (i in seq_len(nrow(binom))) {
  e <- binom.test(binom$k[i], binom$n[i], conf.level = binom$conf_level[i])$conf.int
  w <- suppressWarnings(prop.test(binom$k[i], binom$n[i], conf.level = binom$conf_level[i],
                                  correct = FALSE))$conf.int
  binom[i, c("exact_lower", "exact_upper", "wilson_lower", "wilson_upper")] <- c(e, w)
}
write_fixture(binom, "binomial_ci.csv")
