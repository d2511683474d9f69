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

import numpy as np
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


def _term_codes(worst: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Code of each row's term (-1: no term) and the distinct terms in order of first
    appearance: the terms are hashed once, every count below runs on the integer codes."""
    codes, terms = pd.factorize(worst["term"])
    return codes, np.asarray(terms, dtype=object)


def _term_socs(terms: np.ndarray) -> np.ndarray:
    """SOC of each distinct term (unknown -> :data:`UNMAPPED_SOC`), looked up once per term."""
    return ctcae_soc(terms).fillna(UNMAPPED_SOC).to_numpy(object)


def _band_counts(grade: np.ndarray, codes: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Rows (one per patient and group) per group code ``0..size-1`` in each grade band of
    their worst ``grade``; rows with code -1 (no group) are not counted."""
    kept = codes >= 0
    grade, codes = grade[kept], codes[kept]
    return {
        f"{stem}_n": np.bincount(codes[(grade >= low) & (grade <= high)], minlength=size)
        for stem, low, high in GRADE_BANDS
    }


def _band_table(keys: dict[str, np.ndarray], counts: dict[str, np.ndarray], n_patients: int):
    """The key columns, then each band's ``_n`` and, after all of them, each ``_pct``."""
    table = pd.DataFrame({**keys, **{c: v.astype("int64") for c, v in counts.items()}})
    for stem, _, _ in GRADE_BANDS:
        table[f"{stem}_pct"] = 100.0 * table[f"{stem}_n"] / n_patients
    return table


def _worst_grades(worst: pd.DataFrame) -> np.ndarray:
    return worst["worst_grade"].astype(int).to_numpy()


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
    codes, terms = _term_codes(worst)
    counts = _band_counts(_worst_grades(worst), codes, len(terms))
    table = _band_table({"term": terms}, counts, n_patients)
    table = table.sort_values(["any_n", "term"], ascending=[False, True], kind="mergesort")
    return table[TERM_COLUMNS].reset_index(drop=True)


def _soc_worst_grades(worst: pd.DataFrame, soc_codes: np.ndarray) -> tuple[np.ndarray, ...]:
    """Worst grade per patient over each SOC's terms: (SOC code, worst grade), one per patient
    and SOC; ``soc_codes`` is the SOC code of each row."""
    patient, patients = pd.factorize(worst["patient_id"])
    kept = patient >= 0
    key = soc_codes[kept].astype("int64") * max(len(patients), 1) + patient[kept]
    per_key = pd.Series(_worst_grades(worst)[kept]).groupby(key, sort=False).max()
    return (per_key.index.to_numpy() // max(len(patients), 1)), per_key.to_numpy()


def adverse_events_by_soc(worst: pd.DataFrame, n_patients: int) -> pd.DataFrame:
    """Patients per SOC (worst grade over its terms) and per term within SOC, by grade band.

    Steps
    -----
    1. SOC of each term from the shipped CTCAE v5.0 table (unknown -> :data:`UNMAPPED_SOC`);
    2. per term within SOC: counts of the worst grade per patient and term;
    3. per SOC: worst grade per patient over the SOC's terms, then counts (``term`` None);
    4. order SOCs by any-grade patients, total row first, terms by any-grade patients.

    The rows are counted on integer codes of the terms, SOCs and patients (each string hashed
    once), not by grouping the rows' strings.

    References
    ----------
    CTCAE v5.0 (NCI 2017); NEST chevron AET04; gtreg ``tbl_ae``.
    """
    if worst.empty:
        return pd.DataFrame(columns=SOC_COLUMNS)
    # step 1
    codes, terms = _term_codes(worst)
    soc_of_term = _term_socs(terms)
    # a row without a term has no SOC either: it counts under UNMAPPED_SOC (code -1 takes the
    # last entry), in the SOC totals only, as grouping by term and SOC left it
    soc_index, soc_names = pd.factorize(np.append(soc_of_term, UNMAPPED_SOC))
    # step 2: a term has one SOC, so the groups of (SOC, term) are the terms
    counts = _band_counts(_worst_grades(worst), codes, len(terms))
    terms_table = _band_table({"soc": soc_of_term, "term": terms}, counts, n_patients)
    # step 3: SOCs without a row (UNMAPPED_SOC when every term is known) get no row
    soc, grade = _soc_worst_grades(worst, soc_index[codes])
    present = np.bincount(soc, minlength=len(soc_names)) > 0
    socs = _band_table(
        {"soc": np.asarray(soc_names, dtype=object)},
        _band_counts(grade, soc, len(soc_names)),
        n_patients,
    )[present].assign(term=None)
    # step 4
    soc_rank = socs.sort_values(["any_n", "soc"], ascending=[False, True], kind="mergesort")
    rank = {soc: i for i, soc in enumerate(soc_rank["soc"])}
    socs["_total"], terms_table["_total"] = 0, 1
    table = pd.concat([socs, terms_table], ignore_index=True)
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
    codes, terms = _term_codes(worst)
    unknown = np.flatnonzero(_term_socs(terms) == UNMAPPED_SOC)
    rows = worst.loc[np.isin(codes, unknown), ["term", "patient_id"]]
    patients = rows.groupby("term", sort=True)["patient_id"].nunique()
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
