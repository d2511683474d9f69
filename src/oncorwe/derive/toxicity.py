"""Worst CTCAE grade per patient per term, over treatment-emergent adverse events.

Counting rule (NEST/chevron AET04, gtreg ``tbl_ae``; domain.md 2.2): each patient is counted once
per term at the highest grade observed; likewise once for "any AE". Events with a missing grade
never reach here (the validator quarantines them). Treatment-emergent: onset on or after the
time origin (protocol ``safety.treatment_emergent_from``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

GRADE_3_PLUS = 3  # CTCAE v5.0: grade 3 = severe or medically significant


def derive_worst_grade(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per patient and term: ``patient_id, term, worst_grade, first_onset_date``."""
    sql = """
        SELECT a.patient_id, a.term, MAX(a.grade) AS worst_grade,
               MIN(CAST(a.onset_date AS DATE)) AS first_onset_date
        FROM adverse_events a JOIN cohort c USING (patient_id)
        WHERE CAST(a.onset_date AS DATE) >= CAST(c.index_date AS DATE)
        GROUP BY a.patient_id, a.term
        ORDER BY a.patient_id, a.term
    """
    out = con.execute(sql).df()
    out["worst_grade"] = out["worst_grade"].astype("Int64")
    return out


def summarize_adverse_events(worst: pd.DataFrame, n_patients: int) -> pd.DataFrame:
    """Patients per term at any grade and at grade >= 3, with percentages of ``n_patients``.

    Columns ``term, any_n, any_pct, grade1_2_n, grade3_4_n, grade5_n, grade3plus_n,
    grade3plus_pct``; sorted by ``any_n`` descending, then term (so ties are deterministic).
    ``grade3_4_n`` counts patients whose highest grade is 3 or 4 (grade 5 excluded).
    """
    g = worst["worst_grade"].astype(int)
    frame = worst.assign(
        any=1,
        g12=(g <= 2).astype(int),
        g34=g.between(3, 4).astype(int),
        g5=(g == 5).astype(int),
        g3p=(g >= GRADE_3_PLUS).astype(int),
    )
    table = (
        frame.groupby("term", as_index=False)[["any", "g12", "g34", "g5", "g3p"]]
        .sum()
        .rename(
            columns={
                "any": "any_n",
                "g12": "grade1_2_n",
                "g34": "grade3_4_n",
                "g5": "grade5_n",
                "g3p": "grade3plus_n",
            }
        )
    )
    table["any_pct"] = 100.0 * table["any_n"] / n_patients
    table["grade3plus_pct"] = 100.0 * table["grade3plus_n"] / n_patients
    table = table.sort_values(["any_n", "term"], ascending=[False, True], kind="mergesort")
    columns = ["term", "any_n", "any_pct", "grade1_2_n", "grade3_4_n", "grade5_n"]
    return table[columns + ["grade3plus_n", "grade3plus_pct"]].reset_index(drop=True)


def patients_with_grade_at_least(worst: pd.DataFrame, grade: int) -> int:
    """Number of distinct patients with any adverse event of at least ``grade``."""
    return int(worst.loc[worst["worst_grade"] >= grade, "patient_id"].nunique())
