"""Adverse-event tables: by term, and by system organ class (SOC) and term, with percentages.

Counting rule (NEST/chevron AET04, gtreg ``tbl_ae``; docs/references/ctcae.md): a patient counts
once per term at the worst grade of that term, and once per SOC at the worst grade over the SOC's
terms (so an SOC row is not the sum of its term rows). Grade bands: any grade, 1-2, 3-4, 5, >= 3,
each as ``<band>_n`` patients and ``<band>_pct`` = 100 n / number of patients in the cohort.

``adverse_events_by_term`` columns: ``term, any_n, any_pct, grade1_2_n, grade1_2_pct, grade3_4_n,
grade3_4_pct, grade5_n, grade5_pct, grade3plus_n, grade3plus_pct``, sorted by ``any_n``
descending, then term (the order of ``derive.toxicity.summarize_adverse_events``).

``adverse_events_by_soc`` columns: ``soc`` then the same; each SOC's total row (``term`` None)
comes first, then its terms; SOCs sorted by patients with any grade, descending, then name.
Terms missing from the shipped CTCAE v5.0 table are listed under SOC :data:`UNMAPPED_SOC` and
reported by :func:`unmapped_term_findings`.

References
----------
National Cancer Institute. CTCAE v5.0, 27 Nov 2017 (terms and SOCs). Roche NEST ``chevron``
template AET04 (AEs by highest grade); Sjoberg DD, ``gtreg::tbl_ae`` (counting once per term
and SOC at the highest grade).
"""

from __future__ import annotations

import pandas as pd

from oncorwe.derive.ctcae import ctcae_soc
from oncorwe.derive.response_checks import FINDING_COLUMNS
from oncorwe.derive.toxicity import GRADE_3_PLUS

UNMAPPED_SOC = "Unmapped term"
# (column stem, lowest grade, highest grade) of each band; CTCAE grades 1-5
GRADE_BANDS = (
    ("any", 1, 5),
    ("grade1_2", 1, 2),
    ("grade3_4", 3, 4),
    ("grade5", 5, 5),
    ("grade3plus", GRADE_3_PLUS, 5),
)
COUNT_COLUMNS = [c for stem, _, _ in GRADE_BANDS for c in (f"{stem}_n", f"{stem}_pct")]
TERM_COLUMNS = ["term", *COUNT_COLUMNS]
SOC_COLUMNS = ["soc", "term", *COUNT_COLUMNS]


def _band_counts(worst: pd.DataFrame, key: list[str], n_patients: int) -> pd.DataFrame:
    """Patients per ``key`` in each grade band of their worst grade (one row per patient & key)."""
    grade = worst["worst_grade"].astype(int)
    flags = pd.DataFrame(
        {f"{stem}_n": grade.between(low, high).astype(int) for stem, low, high in GRADE_BANDS}
    )
    flags[key] = worst[key].to_numpy()
    table = flags.groupby(key, as_index=False, sort=False).sum()
    for stem, _, _ in GRADE_BANDS:
        table[f"{stem}_pct"] = 100.0 * table[f"{stem}_n"] / n_patients
    return table


def adverse_events_by_term(worst: pd.DataFrame, n_patients: int) -> pd.DataFrame:
    """Patients per term in each grade band, with percentages of ``n_patients``.

    Parameters
    ----------
    worst : one row per patient and term, ``patient_id, term, worst_grade``
        (:func:`oncorwe.derive.toxicity.derive_worst_grade`).
    n_patients : denominator (all patients in the cohort).

    References
    ----------
    CTCAE v5.0 (NCI 2017); NEST chevron AET04.
    """
    if worst.empty:
        return pd.DataFrame(columns=TERM_COLUMNS)
    table = _band_counts(worst, ["term"], n_patients)
    table = table.sort_values(["any_n", "term"], ascending=[False, True], kind="mergesort")
    return table[TERM_COLUMNS].reset_index(drop=True)


def _with_soc(worst: pd.DataFrame) -> pd.DataFrame:
    soc = ctcae_soc(worst["term"].to_numpy())
    return worst.assign(soc=soc.fillna(UNMAPPED_SOC).to_numpy())


def adverse_events_by_soc(worst: pd.DataFrame, n_patients: int) -> pd.DataFrame:
    """Patients per SOC (worst grade over its terms) and per term within SOC, by grade band.

    Steps
    -----
    1. SOC of each term from the shipped CTCAE v5.0 table (unknown -> :data:`UNMAPPED_SOC`);
    2. per term within SOC: counts of the worst grade per patient and term;
    3. per SOC: worst grade per patient over the SOC's terms, then counts (``term`` None);
    4. order SOCs by any-grade patients, total row first, terms by any-grade patients.

    References
    ----------
    CTCAE v5.0 (NCI 2017); NEST chevron AET04; gtreg ``tbl_ae``.
    """
    if worst.empty:
        return pd.DataFrame(columns=SOC_COLUMNS)
    # step 1
    frame = _with_soc(worst)
    # step 2
    terms = _band_counts(frame, ["soc", "term"], n_patients)
    # step 3
    per_soc = frame.groupby(["soc", "patient_id"], as_index=False)["worst_grade"].max()
    socs = _band_counts(per_soc, ["soc"], n_patients).assign(term=None)
    # step 4
    soc_rank = socs.sort_values(["any_n", "soc"], ascending=[False, True], kind="mergesort")
    rank = {soc: i for i, soc in enumerate(soc_rank["soc"])}
    socs["_total"], terms["_total"] = 0, 1
    table = pd.concat([socs, terms], ignore_index=True)
    table["_soc"] = table["soc"].map(rank)
    table["_term"] = table["term"].fillna("")
    table = table.sort_values(
        ["_soc", "_total", "any_n", "_term"],
        ascending=[True, True, False, True],
        kind="mergesort",
    )
    table["term"] = table["term"].astype(object).where(table["_total"] == 1, None)
    return table[SOC_COLUMNS].reset_index(drop=True)


def unmapped_term_findings(worst: pd.DataFrame) -> pd.DataFrame:
    """One finding (``ae.term_unknown``) per term that has no SOC in the shipped CTCAE table."""
    frame = _with_soc(worst)
    unmapped = frame[frame["soc"] == UNMAPPED_SOC]
    patients = unmapped.groupby("term", sort=True)["patient_id"].nunique()
    return pd.DataFrame(
        {
            "table": "adverse_events",
            "row": None,
            "column": "term",
            "value": patients.index.to_numpy(),
            "rule": "ae.term_unknown",
            "severity": "warning",
            "message": [
                f"not a CTCAE v5.0 term of the shipped table ({n} patient(s)): counted under "
                f"SOC '{UNMAPPED_SOC}'"
                for n in patients.to_numpy()
            ],
        },
        columns=list(FINDING_COLUMNS),
    )
