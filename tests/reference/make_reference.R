#!/usr/bin/env Rscript
# Regenerate the reference fixtures that oncorwe's statistics tests compare against.
#
# Usage: Rscript tests/reference/make_reference.R [OUTDIR]   (default: tests/reference/fixtures)
#
# The driver sources every tests/reference/r/*.R file in alphabetical order. Each file sees
#   outdir              the output folder (created here)
#   write_fixture(x, name)  writes data frame x as OUTDIR/name (CSV, 15 significant digits)
# so a new statistic adds its own r/<name>.R file without editing this driver.
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
here <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg))) else "."
outdir <- if (length(args) >= 1) args[1] else file.path(here, "fixtures")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

write_fixture <- function(x, name) {
  # 15 significant digits: enough for the tests' relative tolerance of 1e-6
  write.csv(x, file.path(outdir, name), row.names = FALSE, na = "NA")
}

scripts <- sort(list.files(file.path(here, "r"), pattern = "\\.R$", full.names = TRUE))
for (script in scripts) {
  env <- new.env(parent = globalenv())
  env$outdir <- outdir
  env$write_fixture <- write_fixture
  sys.source(script, envir = env)
  cat("reference:", basename(script), "\n")
}
cat("R", R.version$major, R.version$minor, "survival", format(packageVersion("survival")),
    "->", normalizePath(outdir), "\n")
