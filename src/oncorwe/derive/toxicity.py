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

The events and the worst grades are table expressions over the contract tables and ``cohort``
(``oncorwe.engine.tables``), run where the data are; :func:`check_adverse_events` then refuses
undated events the protocol does not account for, on the rows that came back.

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

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
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


def _settings(protocol: Protocol | None) -> tuple[tuple[str, ...], int, int | None, bool]:
    """(ICI classes, new-therapy grace days, days after last dose, undated events recorded in
    the window) of the protocol or the defaults."""
    if protocol is None:
        return (
            ICI_CLASSES,
            Survival().new_therapy_grace_days,
            Safety().treatment_emergent_days_after_last_dose,
            False,
        )
    after = protocol.safety.treatment_emergent_days_after_last_dose
    if after is not None and (isinstance(after, bool) or int(after) < 0):
        raise ProtocolError(
            "safety.treatment_emergent_days_after_last_dose must be a whole number of days >= 0 "
            f"or empty (no end), got {after!r}"
        )
    return (
        protocol.eligibility.ici_classes,
        int(protocol.survival.new_therapy_grace_days),
        after,
        bool(protocol.safety.undated_ae_recorded_in_window),
    )


def _last_dose(t: Mapping[str, ir.Table], classes: tuple[str, ...], grace: int) -> ir.Table:
    """``patient_id, last_dose_date``: the latest end of the combined course (steps 1-2)."""
    s, r, p, cohort = t["systemic_therapy"], t["radiotherapy"], t["patients"], t["cohort"]
    # step 1: systemic rows with each agent's first start (new_therapy.py's rule)
    systemic = s.join(cohort.select("patient_id", "first_ici_date"), "patient_id").join(
        p.select("patient_id", "last_contact_date"), "patient_id"
    )
    systemic = systemic.mutate(
        end=systemic.end_date.coalesce(systemic.last_contact_date),
        agent_first_start=systemic.start_date.min().over(group_by=["patient_id", "agent"]),
    )
    study = systemic.filter(
        systemic.drug_class.isin(list(classes))
        | (systemic.agent_first_start <= systemic.first_ici_date + ibis.interval(days=grace))
    )
    courses = r.semi_join(cohort, "patient_id")
    doses = courses.select("patient_id", end=courses.end_date).union(
        study.select("patient_id", "end")
    )
    # step 2
    return doses.group_by("patient_id").aggregate(last_dose_date=doses.end.max())


def derive_adverse_events(t: Mapping[str, ir.Table], protocol: Protocol | None = None) -> ir.Table:
    """One row per adverse event of a cohort patient, with the treatment-emergent flag.

    Parameters
    ----------
    t : the contract tables and ``cohort`` (``index_date``, ``first_ici_date``), as Ibis tables.
    protocol : study protocol; None = the defaults (ICI classes pd1/pdl1/ctla4, grace 30 days,
        no end of the window).

    Returns
    -------
    Ibis table
        ``patient_id, term, grade, onset_date, last_dose_date, window_end_date,
        treatment_emergent``; ``window_end_date`` is ``last_dose_date + N`` (null when the
        window has no end), ordered by patient, onset (undated last), term and grade. An
        event without onset date is treatment-emergent when the protocol states so
        (``safety.undated_ae_recorded_in_window``), else its flag is null
        (:func:`check_adverse_events` refuses it).

    Steps
    -----
    1. Study-treatment end dates: radiotherapy courses; systemic rows of an ICI class or of an
       agent first given within the grace period after the first ICI dose (ongoing rows end at
       the last contact).
    2. Last dose = the latest of those dates per patient.
    3. Treatment-emergent = onset >= time origin and (no window, or onset <= last dose + N).

    References
    ----------
    admiral ``derive_var_trtemfl`` (``end_window``); CDISC ADaM ADAE ``TRTEMFL``.
    """
    events = _adverse_events(t, protocol)
    return events.order_by("patient_id", ibis.asc("onset_date", nulls_first=False), "term", "grade")


def _adverse_events(t: Mapping[str, ir.Table], protocol: Protocol | None = None) -> ir.Table:
    """The unordered rows of :func:`derive_adverse_events`."""
    classes, grace, after, undated_in_window = _settings(protocol)
    last = _last_dose(t, classes, grace)
    a, cohort = t["adverse_events"], t["cohort"]
    events = a.join(cohort.select("patient_id", "index_date"), "patient_id")
    events = events.left_join(last, "patient_id").drop("patient_id_right")
    if after is None:
        window_end = ibis.null("date")
        in_window = ibis.literal(True)
    else:
        window_end = events.last_dose_date + ibis.interval(days=int(after))
        in_window = events.last_dose_date.isnull() | (events.onset_date <= window_end)
    # step 3
    dated = ((events.onset_date >= events.index_date) & in_window).fill_null(False)
    emergent = ibis.cases(
        (events.onset_date.isnull(), ibis.literal(True if undated_in_window else None, "boolean")),
        else_=dated,
    )
    return events.select(
        "patient_id",
        "term",
        "grade",
        "onset_date",
        "last_dose_date",
        window_end_date=window_end,
        treatment_emergent=emergent,
    )


def check_adverse_events(events: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`derive_adverse_events` or :func:`derive_worst_grade` as they came back,
    typed (grades as integers, dates as timestamps); refuses events without onset date that the
    protocol does not state were recorded in the window (their flag is null).

    Raises
    ------
    ProtocolError
        Names the first such event (patient, term, grade), the rule and what to do.
    """
    unplaced = events[events["treatment_emergent"].isna()]
    if not unplaced.empty:
        first = unplaced.iloc[0]
        grade = first["grade"] if "grade" in first.index else first["worst_grade"]
        count = unplaced["events"].sum() if "events" in unplaced.columns else len(unplaced)
        raise ProtocolError(
            f"table adverse_events: {int(count)} event(s) have no onset_date (first: patient "
            f"{first['patient_id']!r}, term {first['term']!r}, grade {grade}), so they "
            "cannot be placed in time (rule adverse_events.onset_missing). If the source "
            "recorded them (worst grade per term) within the treatment-emergent window, state it "
            "in the protocol: [safety] undated_ae_recorded_in_window = true; otherwise add the "
            "onset dates."
        )
    out = events.drop(columns=["events"], errors="ignore")
    out["treatment_emergent"] = out["treatment_emergent"].astype(bool)
    for column in ("grade", "worst_grade"):
        if column in out.columns:
            out[column] = out[column].astype("Int64")
    for column in ("onset_date", "first_onset_date", "last_dose_date", "window_end_date"):
        if column in out.columns:  # dates, whatever the engine's date or timestamp type
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    return out


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
    t: Mapping[str, ir.Table],
    protocol: Protocol | None = None,
    treatment_emergent_only: bool = True,
) -> ir.Table:
    """Worst grade per patient and term: ``patient_id, term, treatment_emergent, worst_grade,
    first_onset_date, events`` (``events``: the number of records, for the message of
    :func:`check_adverse_events`, which drops it).

    ``treatment_emergent_only`` (default): treatment-emergent events only, one row per patient and
    term (what every safety table counts). False: also the events that are not
    treatment-emergent, in their own rows (``treatment_emergent`` False), for ADAE's ``TRTEMFL``.
    """
    events = _adverse_events(t, protocol)  # unordered: the groups are ordered below
    if treatment_emergent_only:
        events = events.filter(events.treatment_emergent.isnull() | events.treatment_emergent)
    out = events.group_by(["patient_id", "term", "treatment_emergent"]).aggregate(
        worst_grade=events.grade.max(),
        first_onset_date=events.onset_date.min(),
        events=events.count(),
    )
    return out.order_by("patient_id", "term", ibis.asc("treatment_emergent", nulls_first=False))


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
