"""The time origin (day 0) of every patient: cohort entry, and the origin of OS, PFS, follow-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import Protocol

OriginRule = Callable[[ir.Table], ir.DateValue]
# Which first date is day 0, per protocol rule. The reference study's origin is unknown
# (docs/references/reference_study.md); the default is the start of the first of RT or ICI in the
# combined course. LEAST ignores a missing date on DuckDB, PostgreSQL and Spark alike: a patient
# without RT or ICI gets the date of the other.
ORIGIN_RULES: dict[str, OriginRule] = {
    "first_of_rt_or_ici": lambda d: ibis.least(d.first_rt_date, d.first_ici_date),
    "rt_start": lambda d: d.first_rt_date,
    "ici_start": lambda d: d.first_ici_date,
    # trials: the randomisation date (admiralonco's ADTTE template: STARTDT = RANDDT), or the
    # first dose of any study treatment (admiral TRTSDT: RT or a systemic agent of any class)
    "randomization": lambda d: d.randomization_date,
    "first_dose": lambda d: ibis.least(d.first_rt_date, d.first_dose_date),
}


def derive_time_origin(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per patient: ``patient_id, first_rt_date, first_ici_date, index_date``.

    ``first_ici_date`` is the first start of a systemic agent whose class is one of the protocol's
    ICI classes; ``index_date`` follows the protocol's ``time_origin.rule`` (``ORIGIN_RULES``)
    and is missing when the rule's dates are missing.
    """
    rt = t["radiotherapy"]
    rt = rt.group_by("patient_id").aggregate(first_rt_date=rt.start_date.cast("date").min())
    systemic = t["systemic_therapy"]
    ici = systemic.filter(systemic.drug_class.isin(list(protocol.eligibility.ici_classes)))
    ici = ici.group_by("patient_id").aggregate(first_ici_date=ici.start_date.cast("date").min())
    dose = systemic.group_by("patient_id").aggregate(
        first_dose_date=systemic.start_date.cast("date").min()
    )
    p = t["patients"]
    patients = p.select("patient_id", randomization_date=p.randomization_date.cast("date"))
    dates = patients.left_join(rt, "patient_id").left_join(ici, "patient_id")
    dates = dates.left_join(dose, "patient_id")
    dates = dates.select(
        "patient_id", "first_rt_date", "first_ici_date", "first_dose_date", "randomization_date"
    )
    origin = ORIGIN_RULES[protocol.time_origin.rule](dates)
    dates = dates.mutate(index_date=origin)
    return dates.select("patient_id", "first_rt_date", "first_ici_date", "index_date").order_by(
        "patient_id"
    )


def time_origin_frame(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """``derive_time_origin`` run on a DuckDB connection holding ``patients``, ``radiotherapy``
    and ``systemic_therapy`` (as the de-identification step does); contract columns a source
    leaves out (an optional ``randomization_date``) are present and empty."""
    from oncorwe.cohort.database import analysis_connection

    names = ("patients", "radiotherapy", "systemic_therapy")
    frames = {name: con.execute(f'SELECT * FROM "{name}"').df() for name in names}
    with Engine("duckdb", None, analysis_connection(frames)) as engine:
        return engine.query(derive_time_origin(contract_tables(), protocol))
