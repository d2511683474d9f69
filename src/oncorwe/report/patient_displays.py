"""Patient-level displays that stay readable and cheap whatever the cohort's size.

The swimmer and waterfall plots draw one lane or bar per patient. Up to the protocol's
``report.max_patients_shown`` patients (default 300) they show everyone, and their workbooks list
every patient. Above it:

- each plot draws a random sample of ``max_patients_shown`` patients, drawn without replacement
  by numpy's default generator from the fixed seed ``SAMPLE_SEED`` (so every run draws the same
  patients), in the order of the full display; the caption states the sample;
- each workbook holds a summary instead of per-patient rows (``swimmer_summary``,
  ``waterfall_summary``); the CSV file keeps every row for re-analysis.

The time to draw and save either plot then depends on ``max_patients_shown``, not on the number
of patients, and the summaries have one row per group (kind of record, best overall response).

References
----------
.. [1] NumPy documentation, ``numpy.random.Generator.choice`` (``replace=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SAMPLE_SEED = 20250601
"""Seed of the random sample of patients drawn in a plot above the protocol's limit."""


@dataclass(frozen=True)
class Shown:
    """The rows a plot draws and the sentence its caption adds (empty when everyone is drawn)."""

    rows: pd.DataFrame
    note: str


def sample_patients(table: pd.DataFrame, limit: int, seed: int = SAMPLE_SEED) -> Shown:
    """The rows of at most ``limit`` patients of ``table`` (column ``subject``, numbered 1..n).

    Above ``limit`` patients, a random sample of ``limit`` subjects (without replacement, from
    ``seed``), renumbered 1..limit in their original order so the plot keeps its ordering.
    """
    subjects = np.sort(table["subject"].unique())
    if len(subjects) <= limit:
        return Shown(table, "")
    chosen = np.sort(np.random.default_rng(seed).choice(subjects, size=limit, replace=False))
    position = pd.Series(np.arange(1, limit + 1), index=chosen)
    rows = table[table["subject"].isin(chosen)]
    rows = rows.assign(subject=rows["subject"].map(position).to_numpy())
    note = (
        f"A random sample of {limit:,} of the {len(subjects):,} patients is drawn (above the "
        f"protocol's report.max_patients_shown; seed {seed}, the same patients in every run)."
    )
    return Shown(rows, note)


def patient_count(table: pd.DataFrame) -> int:
    """Number of patients (distinct ``subject``) in a patient-level table."""
    return int(table["subject"].nunique())


def swimmer_summary(swimmer: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of record and label: patients, records, and the start time in months
    (median, minimum, maximum)."""
    data = swimmer.assign(label=swimmer["label"].fillna("").astype(str))
    grouped = data.groupby(["kind", "label"], sort=True)
    out = grouped.agg(
        patients=("subject", "nunique"),
        records=("subject", "size"),
        median_start_months=("start_months", "median"),
        min_start_months=("start_months", "min"),
        max_start_months=("start_months", "max"),
    )
    return out.reset_index()


def waterfall_summary(waterfall: pd.DataFrame) -> pd.DataFrame:
    """One row per best overall response: patients, patients with a measurable change, and the
    best percentage change (median, quartiles, minimum, maximum)."""
    data = waterfall.assign(bor=waterfall["bor"].fillna("missing").astype(str))
    change = data.groupby("bor", sort=True)["best_pct_change"]
    out = pd.DataFrame(
        {
            "patients": change.size(),
            "measured": change.count(),
            "median_pct_change": change.median(),
            "q1_pct_change": change.quantile(0.25),
            "q3_pct_change": change.quantile(0.75),
            "min_pct_change": change.min(),
            "max_pct_change": change.max(),
        }
    )
    return out.reset_index()


SUMMARIES = {"swimmer": swimmer_summary, "waterfall": waterfall_summary}
"""Patient-level tables and the summary their workbook holds above the limit."""


def workbook_frame(name: str, table: pd.DataFrame, limit: int) -> pd.DataFrame:
    """What ``tables/<name>.xlsx`` holds: the table itself, or above ``limit`` patients of a
    patient-level table its summary, with a footnote saying where the rows are."""
    if name not in SUMMARIES or "subject" not in table.columns or patient_count(table) <= limit:
        return table
    summary = SUMMARIES[name](table)
    summary.attrs["footnotes"] = [
        f"Summary of {patient_count(table):,} patients (more than the protocol's "
        f"report.max_patients_shown = {limit:,}); one row per patient is in {name}.csv."
    ]
    return summary
