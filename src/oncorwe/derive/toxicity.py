"""Treatment-emergent adverse events and the worst CTCAE grade per patient per term.

Treatment-emergent (ADaM ``TRTEMFL``): onset on or after the time origin (the first dose of the
combined course, protocol ``safety.treatment_emergent_from``) and, when the protocol sets
``safety.treatment_emergent_days_after_last_dose`` = N, no later than N days after the last dose
of study treatment (admiral ``derive_var_trtemfl(end_window = N)``: ``ASTDT <= TRTEDT + N``).
Empty N = no end of the window. An AE that began before the first dose is never
treatment-emergent. The contract has one row per event (onset and grade, no "grade before
treatment"), so the worsening of a pre-existing AE is seen as a new row dated at the worsening,
judged by its own onset.

Retrospective sheets often hold only the worst grade per term, without onset dates. Such events
are accepted when the protocol states that they were recorded within the treatment-emergent
window (``safety.undated_ae_recorded_in_window``): they count as treatment-emergent
(:func:`undated_ae_note` gives the report's note). Without that statement an event without onset
date cannot be placed in time and stops the analysis with a :class:`ProtocolError`.

Last dose (``last_dose_date``): the latest end date over the study treatment, i.e. every
radiotherapy course and every systemic agent of the combined course - an ICI class, or another
agent first given no later than ``survival.new_therapy_grace_days`` after the first ICI dose
(the regimen of ``oncorwe.derive.treatment`` / ``oncorwe.derive.new_therapy``); an agent without
an end date is taken as given up to the patient's last contact (as ``derive_sequence``).

Counting rule (NEST/chevron AET04, gtreg ``tbl_ae``; docs/references/ctcae.md): each patient is
counted once per term at the highest grade observed; likewise once for "any AE". Events with a
missing grade never reach here (the validator quarantines them).

References
----------
.. [1] pharmaverse admiral, ``derive_var_trtemfl`` and vignettes/occds.Rmd (``end_window = 30``:
   TRTEMFL for AEs starting on/after the first dose and up to 30 days after the last dose).
.. [2] CDISC ADaM Occurrence Data Structure (ADAE ``TRTEMFL``: "Y" or null).
.. [3] National Cancer Institute. CTCAE v5.0, 27 Nov 2017 (grades 1-5).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.errors import ProtocolError
from oncorwe.protocol import Protocol
from oncorwe.protocol.model import ICI_CLASSES, Safety, Survival

GRADE_3_PLUS = 3  # CTCAE v5.0: grade 3 = severe or medically significant

AE_COLUMNS = [
    "patient_id",
    "term",
    "grade",
    "onset_date",
    "last_dose_date",
    "window_end_date",
    "treatment_emergent",
]
WORST_COLUMNS = ["patient_id", "term", "treatment_emergent", "worst_grade", "first_onset_date"]


def _settings(protocol: Protocol | None) -> tuple[tuple[str, ...], int, int | None]:
    """(ICI classes, new-therapy grace days, days after last dose) of the protocol or defaults."""
    if protocol is None:
        return (
            ICI_CLASSES,
            Survival().new_therapy_grace_days,
            Safety().treatment_emergent_days_after_last_dose,
        )
    return (
        protocol.eligibility.ici_classes,
        int(protocol.survival.new_therapy_grace_days),
        protocol.safety.treatment_emergent_days_after_last_dose,
    )


def derive_adverse_events(
    con: duckdb.DuckDBPyConnection, protocol: Protocol | None = None
) -> pd.DataFrame:
    """One row per adverse event of a cohort patient, with the treatment-emergent flag.

    Parameters
    ----------
    con : connection with the contract tables and ``cohort`` (``index_date``, ``first_ici_date``).
    protocol : study protocol; None = the defaults (ICI classes pd1/pdl1/ctla4, grace 30 days,
        no end of the window).

    Returns
    -------
    DataFrame
        ``patient_id, term, grade, onset_date, last_dose_date, window_end_date,
        treatment_emergent``; ``window_end_date`` is ``last_dose_date + N`` (NaT when the window
        has no end), sorted by patient, onset and term.

    Steps
    -----
    1. Study-treatment end dates: radiotherapy courses; systemic rows of an ICI class or of an
       agent first given within the grace period after the first ICI dose (ongoing rows end at
       the last contact).
    2. Last dose = the latest of those dates per patient.
    3. Treatment-emergent = onset >= time origin and (no window, or onset <= last dose + N);
       without onset date: as the protocol states (``safety.undated_ae_recorded_in_window``),
       else a ProtocolError naming the first such event.

    References
    ----------
    admiral ``derive_var_trtemfl`` (``end_window``); CDISC ADaM ADAE ``TRTEMFL``.
    """
    classes, grace, after = _settings(protocol)
    if after is not None and (isinstance(after, bool) or int(after) < 0):
        raise ProtocolError(
            "safety.treatment_emergent_days_after_last_dose must be a whole number of days >= 0 "
            f"or empty (no end), got {after!r}"
        )
    in_classes = ", ".join(f"'{c}'" for c in classes)
    window = "NULL" if after is None else str(int(after))
    sql = f"""
        WITH systemic AS (
            -- step 1: systemic rows with each agent's first start (new_therapy.py's rule)
            SELECT s.patient_id, s.drug_class,
                   CAST(COALESCE(s.end_date, p.last_contact_date) AS DATE) AS end_date,
                   MIN(CAST(s.start_date AS DATE))
                       OVER (PARTITION BY s.patient_id, s.agent) AS agent_first_start,
                   CAST(c.first_ici_date AS DATE) AS first_ici
            FROM systemic_therapy s JOIN cohort c USING (patient_id)
            JOIN patients p USING (patient_id)
        ), doses AS (
            SELECT r.patient_id, CAST(r.end_date AS DATE) AS end_date
            FROM radiotherapy r JOIN cohort USING (patient_id)
            UNION ALL
            SELECT patient_id, end_date FROM systemic
            WHERE drug_class IN ({in_classes}) OR agent_first_start <= first_ici + {grace}
        ), last_dose AS (
            -- step 2
            SELECT patient_id, MAX(end_date) AS last_dose_date FROM doses GROUP BY 1
        )
        SELECT a.patient_id, a.term, a.grade, CAST(a.onset_date AS DATE) AS onset_date,
               l.last_dose_date, l.last_dose_date + {window} AS window_end_date,
               -- step 3
               COALESCE(
                   CAST(a.onset_date AS DATE) >= CAST(c.index_date AS DATE)
                   AND ({window} IS NULL OR l.last_dose_date IS NULL
                        OR CAST(a.onset_date AS DATE) <= l.last_dose_date + {window}),
                   FALSE) AS treatment_emergent
        FROM adverse_events a JOIN cohort c USING (patient_id)
        LEFT JOIN last_dose l USING (patient_id)
        ORDER BY a.patient_id, onset_date, a.term, a.grade
    """
    out = con.execute(sql).df()
    undated = out["onset_date"].isna()
    if undated.any():
        out.loc[undated, "treatment_emergent"] = _undated_in_window(out[undated], protocol)
    out["grade"] = out["grade"].astype("Int64")
    out["treatment_emergent"] = out["treatment_emergent"].astype(bool)
    for column in ("onset_date", "last_dose_date", "window_end_date"):
        out[column] = pd.to_datetime(out[column])
    return out[AE_COLUMNS]


def _undated_in_window(undated: pd.DataFrame, protocol: Protocol | None) -> bool:
    """True when the protocol states that undated events were recorded in the window."""
    if protocol is not None and protocol.safety.undated_ae_recorded_in_window:
        return True
    first = undated.iloc[0]
    raise ProtocolError(
        f"table adverse_events: {len(undated)} event(s) have no onset_date (first: patient "
        f"{first['patient_id']!r}, term {first['term']!r}, grade {first['grade']}), so they "
        "cannot be placed in time (rule adverse_events.onset_missing). If the source recorded "
        "them (worst grade per term) within the treatment-emergent window, state it in the "
        "protocol: [safety] undated_ae_recorded_in_window = true; otherwise add the onset dates."
    )


def undated_ae_note(events: pd.DataFrame) -> str | None:
    """The report's note when adverse events without onset date were counted (else None).

    ``events``: rows of :func:`derive_adverse_events` or of :func:`derive_worst_grade`.
    """
    onset = "onset_date" if "onset_date" in events.columns else "first_onset_date"
    emergent = events.get("treatment_emergent", pd.Series(True, index=events.index))
    undated = events[events[onset].isna() & emergent.astype(bool)]
    if undated.empty:
        return None
    return (
        f"{len(undated)} adverse event record(s) of {undated['patient_id'].nunique()} "
        "patient(s) have "
        "no onset date: recorded as the worst grade per term within the treatment-emergent "
        "window, as the protocol states (safety.undated_ae_recorded_in_window), and counted as "
        "treatment-emergent."
    )


def derive_worst_grade(
    con: duckdb.DuckDBPyConnection,
    protocol: Protocol | None = None,
    treatment_emergent_only: bool = True,
) -> pd.DataFrame:
    """Worst grade per patient and term: ``patient_id, term, treatment_emergent, worst_grade,
    first_onset_date``.

    ``treatment_emergent_only`` (default): treatment-emergent events only, one row per patient and
    term (what every safety table counts). False: also the events that are not
    treatment-emergent, in their own rows (``treatment_emergent`` False), for ADAE's ``TRTEMFL``.
    """
    events = derive_adverse_events(con, protocol)
    if treatment_emergent_only:
        events = events[events["treatment_emergent"]]
    out = (
        events.groupby(["patient_id", "term", "treatment_emergent"], as_index=False, sort=True)
        .agg(worst_grade=("grade", "max"), first_onset_date=("onset_date", "min"))
        .sort_values(["patient_id", "term", "treatment_emergent"], kind="mergesort")
        .reset_index(drop=True)
    )
    out["worst_grade"] = out["worst_grade"].astype("Int64")
    return out[WORST_COLUMNS]


def treatment_emergent(worst: pd.DataFrame) -> pd.DataFrame:
    """The treatment-emergent rows of :func:`derive_worst_grade` output (all rows when the frame
    has no ``treatment_emergent`` column)."""
    if "treatment_emergent" not in worst.columns:
        return worst
    return worst[worst["treatment_emergent"].astype(bool)].reset_index(drop=True)


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
