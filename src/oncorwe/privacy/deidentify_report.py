"""``deidentification_report.md``: what ``deidentify_source`` did, per HIPAA Safe Harbor item.

The report names columns and counts, never a value, an offset or the key. It says plainly what
remains the user's responsibility: Safe Harbor also requires that the releasing party has no
actual knowledge that the rest could identify a person, which no program can check.

References
----------
HIPAA Privacy Rule, 45 CFR 164.514(b)(2)(i)(A)-(R) and (b)(2)(ii); 164.514(c) (re-identification
codes); docs/references/disclosure_control.md.
"""

from __future__ import annotations

from pathlib import Path

from oncorwe.privacy.deidentify import (
    AGE_CAP,
    ID_HEX_DIGITS,
    MAX_SHIFT_DAYS,
    DeidentificationSummary,
)

NOT_IN_CONTRACT = "The data contract has no such column; any extra column was dropped (see below)."


def _safe_harbor_rows(s: DeidentificationSummary) -> list[tuple[str, str, str]]:
    """(item, what oncorwe did, what remains the user's responsibility) per Safe Harbor item."""
    if s.dates == "shift":
        dates = (
            f"{s.dates_changed} dates shifted per patient by a secret offset of 1 to "
            f"{MAX_SHIFT_DAYS} days (earlier or later; the same offset for all of a patient's "
            "dates, so every interval is kept). Shifted dates are full dates: this is NOT Safe "
            "Harbor, it is an Expert-Determination / internal-research technique."
        )
        dates_user = (
            "Share shifted dates only under an expert determination or a data use agreement; "
            "to share outside, prefer --dates study_day (whether study days alone meet Safe "
            "Harbor is not settled)."
        )
    else:
        dates = (
            f"{s.dates_changed} dates converted to study days (<column>_day, day 0 = the "
            f"protocol's time origin; {s.no_origin} patient(s) without one: day 0 = their "
            "first date); calendar dates removed."
        )
        dates_user = (
            "Whether relative study days alone satisfy Safe Harbor is not settled; the "
            "pipeline needs calendar dates, so this copy is for sharing, not re-analysis."
        )
    ages = (
        f"Ages over 89 written as {AGE_CAP} ('90 or older'): {s.ages_capped} value(s); "
        f"birth dates reduced to the year: {s.birth_dates_to_year} value(s)."
    )
    return [
        ("(A) Names", NOT_IN_CONTRACT, "Check free-text columns (stop reasons, terms) for names."),
        ("(B) Geography below state", NOT_IN_CONTRACT, "Check free text for towns and streets."),
        ("(C) Dates and ages > 89", f"{dates} {ages}", dates_user),
        ("(D) Telephone numbers", NOT_IN_CONTRACT, ""),
        ("(E) Fax numbers", NOT_IN_CONTRACT, ""),
        ("(F) E-mail addresses", NOT_IN_CONTRACT, ""),
        ("(G) Social security / ID-card numbers", NOT_IN_CONTRACT, ""),
        (
            "(H) Medical record numbers",
            f"Patient ids replaced by P-<{ID_HEX_DIGITS} hex> = HMAC-SHA256(secret key, id); "
            "not reversible without the key.",
            "Keep the key file apart from the copy and never disclose it (164.514(c)).",
        ),
        ("(I) Health plan numbers", NOT_IN_CONTRACT, ""),
        ("(J) Account numbers", NOT_IN_CONTRACT, ""),
        ("(K) Certificate / licence numbers", NOT_IN_CONTRACT, ""),
        ("(L) Vehicle identifiers", NOT_IN_CONTRACT, ""),
        ("(M) Device identifiers", NOT_IN_CONTRACT, ""),
        ("(N) URLs", NOT_IN_CONTRACT, ""),
        ("(O) IP addresses", NOT_IN_CONTRACT, ""),
        ("(P) Biometric identifiers", NOT_IN_CONTRACT, ""),
        ("(Q) Full-face photographs", "Images are not read.", ""),
        (
            "(R) Any other unique number or code",
            "course_id and lesion_id are kept (unique within a patient only).",
            "Make sure they are not hospital codes.",
        ),
    ]


def write_deidentification_report(summary: DeidentificationSummary, path: str | Path) -> Path:
    """Write the Markdown report (no timestamps: the same inputs and key give the same bytes)."""
    s = summary
    lines = [
        "# De-identification report (oncorwe deidentify)",
        "",
        f"Tables written: {len(s.rows)}; rows: "
        + ", ".join(f"{name} {n}" for name, n in s.rows.items())
        + f"; patients: {s.patients}. Date mode: `{s.dates}`.",
        "",
        "Reference: HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(A)-(R).",
        "",
        "| Safe Harbor item | What oncorwe did | Your responsibility |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in _safe_harbor_rows(s)),
        "",
        "## Columns not carried over",
        "",
    ]
    if s.dropped_columns:
        lines += [f"- {table}.{column}: {reason}" for table, column, reason in s.dropped_columns]
    else:
        lines.append("- none (every column was a contract column)")
    lines += [
        "",
        "## Dates",
        "",
        f"- unreadable date values left empty: {s.dates_unreadable}",
        f"- partial dates completed to the first day of the month or year before the change "
        f"(their imputation flag is lost): {s.dates_completed}",
        "",
        "## What remains your responsibility",
        "",
        "- Safe Harbor 164.514(b)(2)(ii): you must have no actual knowledge that the remaining "
        "information could identify a person (rare diseases, small centres, unusual dates).",
        "- Free-text values (adverse-event terms, stop reasons, sites) were copied as written; "
        "check them for names, places and numbers.",
        "- Keep the key file secret and apart from this copy: with it, pseudonyms and date "
        "offsets can be recomputed. The key is not in this folder.",
        "- Aggregate outputs made from this copy still need small-cell suppression "
        "(protocol privacy.shareable = true).",
        "",
    ]
    path = Path(path)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
