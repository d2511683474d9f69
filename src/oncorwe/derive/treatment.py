"""Per-patient treatment summary: radiotherapy dose (physical, BED, EQD2) and RT-ICI sequence.

BED and EQD2 follow the linear-quadratic model (``oncorwe.derive.radiobiology``); a patient's
total is the sum over courses (no repopulation factor). SBRT is a course whose technique is SBRT
or whose dose per fraction is at least ``SBRT_MIN_DOSE_PER_FRACTION`` Gy.

Sequence: ``concurrent`` when any ICI exposure interval [start, end or last contact] overlaps any RT
course widened by the protocol's window ([RT start - before, RT end + after], default 30/30 days,
docs/references/reference_study.md); otherwise ``rt_first`` or ``ici_first`` by which started
earlier.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.derive.radiobiology import bed, eqd2
from oncorwe.protocol import Protocol

# Stereotactic ablative RT is conventionally >= 5 Gy per fraction in <= ~10 fractions
# (e.g. HCC SBRT series 5-10 Gy x 3-10, docs/references/radiobiology.md).
SBRT_MIN_DOSE_PER_FRACTION = 5.0


def derive_rt_summary(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """One row per cohort patient: courses, total physical dose, BED, EQD2, SBRT, targets."""
    courses = con.execute(
        """SELECT r.patient_id, r.course_id, r.target, r.technique, r.total_dose_gy, r.fractions
           FROM radiotherapy r JOIN cohort c USING (patient_id)"""
    ).df()
    ab = protocol.treatment.alpha_beta_tumor
    dose = courses["total_dose_gy"].astype("float64").to_numpy()
    n = courses["fractions"].astype("float64").to_numpy()
    courses["bed_gy"] = bed(dose, n, ab)
    courses["eqd2_gy"] = eqd2(dose, n, ab)
    courses["sbrt"] = (courses["technique"].fillna("") == "SBRT") | (
        dose / n >= SBRT_MIN_DOSE_PER_FRACTION
    )
    con.register("_courses", courses)
    out = con.execute(
        """SELECT patient_id, COUNT(*) AS rt_courses, SUM(total_dose_gy) AS rt_total_dose_gy,
                  SUM(bed_gy) AS rt_bed_gy, SUM(eqd2_gy) AS rt_eqd2_gy, BOOL_OR(sbrt) AS rt_sbrt,
                  string_agg(DISTINCT target, ';' ORDER BY target) AS rt_targets
           FROM _courses GROUP BY patient_id ORDER BY patient_id"""
    ).df()
    con.unregister("_courses")
    return out


def derive_sequence(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """One row per cohort patient: ``patient_id, sequence, ici_agent, ici_cycles,
    targeted_therapy`` with sequence in ``concurrent``, ``rt_first``, ``ici_first``."""
    t = protocol.treatment
    after, before = int(t.concurrency_days_after_rt), int(t.concurrency_days_before_rt)
    classes = ", ".join(f"'{c}'" for c in protocol.eligibility.ici_classes)
    sql = f"""
        WITH ici AS (
            SELECT s.* FROM systemic_therapy s JOIN cohort USING (patient_id)
            WHERE s.drug_class IN ({classes})
        ), overlap AS (
            SELECT i.patient_id, BOOL_OR(
                CAST(i.start_date AS DATE) <= CAST(r.end_date AS DATE) + {after}
                AND CAST(COALESCE(i.end_date, p.last_contact_date) AS DATE)
                    >= CAST(r.start_date AS DATE) - {before}
            ) AS concurrent
            FROM ici i JOIN radiotherapy r USING (patient_id) JOIN patients p USING (patient_id)
            GROUP BY 1
        ), first_ici AS (
            SELECT patient_id, arg_min(agent, CAST(start_date AS VARCHAR) || agent) AS ici_agent,
                   SUM(cycles) AS ici_cycles FROM ici GROUP BY 1
        ), other AS (
            SELECT patient_id, BOOL_OR(drug_class IN ('tki', 'anti_vegf')) AS targeted_therapy
            FROM systemic_therapy JOIN cohort USING (patient_id) GROUP BY 1
        )
        SELECT c.patient_id,
               CASE WHEN o.concurrent THEN 'concurrent'
                    WHEN c.first_rt_date <= c.first_ici_date THEN 'rt_first'
                    ELSE 'ici_first' END AS sequence,
               f.ici_agent, f.ici_cycles, COALESCE(x.targeted_therapy, FALSE) AS targeted_therapy
        FROM cohort c LEFT JOIN overlap o USING (patient_id)
        LEFT JOIN first_ici f USING (patient_id) LEFT JOIN other x USING (patient_id)
        ORDER BY c.patient_id
    """
    return con.execute(sql).df()
