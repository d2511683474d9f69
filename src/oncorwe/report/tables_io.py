"""Tidy tables to files: ``<stem>.csv`` (full precision) and ``<stem>.xlsx`` beside it.

Patient identifiers never reach a file: the private columns are dropped before writing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from oncorwe.privacy.shareable import NOTE_KEY
from oncorwe.report.csv_text import write_csv
from oncorwe.report.format import SYNTHETIC_BANNER
from oncorwe.report.specs import PRIVATE_COLUMNS
from oncorwe.report.xlsx import write_xlsx


def write_table(
    df: pd.DataFrame, stem: Path, synthetic: bool, workbook: pd.DataFrame | None = None
) -> Path:
    """Write a tidy table as ``stem.csv`` and ``stem.xlsx``; returns the CSV path.

    ``workbook``: what the ``.xlsx`` holds instead of ``df`` (a summary of a patient-level table
    above the protocol's ``report.max_patients_shown``, ``report.patient_displays``).

    A synthetic CSV starts with a ``# SYNTHETIC DATA`` comment line (read it back with
    ``pd.read_csv(path, comment="#")``); a synthetic workbook has the banner in row 1. A table
    with suppressed cells (``privacy.shareable``) has its note as a ``#`` comment line too, and in
    the workbook's ``notes`` sheet.
    """
    public = df.drop(columns=[c for c in PRIVATE_COLUMNS if c in df.columns])
    path = stem.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        if synthetic:
            handle.write(f"# {SYNTHETIC_BANNER}\n")
        if public.attrs.get(NOTE_KEY):
            handle.write(f"# {public.attrs[NOTE_KEY]}\n")
        write_csv(public, handle)  # to_csv's text, each distinct value made text once
    if workbook is not None:
        workbook = workbook.drop(columns=[c for c in PRIVATE_COLUMNS if c in workbook.columns])
    write_xlsx(public if workbook is None else workbook, stem.with_suffix(".xlsx"),
               synthetic=synthetic)  # fmt: skip
    return path
