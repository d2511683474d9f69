"""The subject-level analysis dataset (ADSL-shaped): one row per cohort patient.

Baseline characteristics as collected, plus the derived treatment summary, time-to-event values,
best overall response and safety flags, so that every statistic downstream reads one table.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir
import pandas as pd

# Dates carried from the patient record are not analysis variables; they stay in the store.
# AFP > 400 ng/mL: the usual prognostic cut-off in HCC (docs/references/liver.md)
AFP_HIGH_NG_ML = 400.0
PVTT_ABSENT = ("none",)


def derive_baseline(t: Mapping[str, ir.Table]) -> ir.Table:
    """The patient record of every cohort patient with the cohort's dates, one row per
    patient, ordered by ``patient_id`` (``baseline_characteristics`` makes the ADSL columns)."""
    cohort = t["cohort"].select("patient_id", "index_date", "first_rt_date", "first_ici_date")
    return t["patients"].join(cohort, "patient_id").order_by("patient_id")


def baseline_characteristics(p: pd.DataFrame) -> pd.DataFrame:
    """Baseline characteristics of cohort patients (rows of ``derive_baseline``), with age at
    the time origin.

    ``age`` is ``age_at_index`` when given, else whole years from ``birth_date`` to the origin.
    ``pvtt_present`` is True for any PVTT grade (Vp1-Vp4 or Cheng I-IV), False for ``none``, and
    missing when not recorded. ``hbv`` flags HBV among the listed etiologies.
    """
    index = pd.to_datetime(p["index_date"])
    birth = pd.to_datetime(p["birth_date"])
    from_birth = (index.dt.year - birth.dt.year) - (
        (index.dt.month < birth.dt.month)
        | ((index.dt.month == birth.dt.month) & (index.dt.day < birth.dt.day))
    ).astype(int)
    age = p["age_at_index"].astype("Float64").fillna(from_birth.astype("Float64"))
    pvtt = p["pvtt"].astype("string")
    out = pd.DataFrame(
        {
            "patient_id": p["patient_id"],
            "index_date": index,
            "age": age,
            "sex": p["sex"].astype("string"),
            "disease_setting": p["disease_setting"].astype("string"),
            "hbv": p["etiology"].astype("string").str.split(";").map(_has_hbv, na_action="ignore"),
            "ecog": p["ecog"].astype("Int64"),
            "child_pugh_score": p["child_pugh_score"].astype("Int64"),
            "bclc_stage": p["bclc_stage"].astype("string"),
            "pvtt": pvtt,
            "pvtt_present": pvtt.map(lambda v: v not in PVTT_ABSENT, na_action="ignore"),
            "extrahepatic_metastasis": p["extrahepatic_metastasis"].astype("boolean"),
            "afp_ng_ml": p["afp_ng_ml"].astype("Float64"),
            "afp_over_400": p["afp_ng_ml"].astype("Float64") > AFP_HIGH_NG_ML,
            "tumor_count": p["tumor_count"].astype("Int64"),
            "largest_tumor_cm": p["largest_tumor_cm"].astype("Float64"),
        }
    )
    out["hbv"] = out["hbv"].astype("boolean")
    out["pvtt_present"] = out["pvtt_present"].astype("boolean")
    return out


def _has_hbv(items: list[str]) -> bool:
    return any(item.strip() == "HBV" for item in items)


def assemble_adsl(
    baseline: pd.DataFrame,
    rt: pd.DataFrame,
    sequence: pd.DataFrame,
    endpoints: pd.DataFrame,
    bor: pd.DataFrame,
    failure: pd.DataFrame,
    worst_grade: pd.DataFrame,
) -> pd.DataFrame:
    """Join the per-patient pieces on ``patient_id`` (left joins on the cohort's baseline).

    ``endpoints``: each endpoint's ``<key>_months`` and ``<key>_event`` (1 event, 0 censored),
    one row per patient (``oncorwe.analysis.datasets.endpoint_columns``); ``worst_grade``: the
    worst treatment-emergent AE grade of each patient with one (``patient_id, worst_grade``).
    """
    adsl = baseline.merge(rt, on="patient_id", how="left").merge(
        sequence, on="patient_id", how="left"
    )
    adsl = adsl.merge(endpoints, on="patient_id", how="left")
    adsl = adsl.merge(bor[["patient_id", "bor"]], on="patient_id", how="left")
    adsl = adsl.merge(
        failure[["patient_id", "in_field_recurrence", "first_failure_site"]],
        on="patient_id",
        how="left",
    )
    worst_any = worst_grade.set_index("patient_id")["worst_grade"]
    adsl["worst_ae_grade"] = adsl["patient_id"].map(worst_any).astype("Int64")
    return adsl
