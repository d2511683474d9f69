"""Findings that only the derivations can see, reported beside the validator's.

The validator checks each row against the data contract; some records are valid rows and still
cannot be used as the standards require: a second scan on the same day (a confirmation scan
cannot be on the day it confirms), a CR followed by a PR, an assessment before day 0, a lesion
measured without a baseline measurement, an adverse event term that is not a CTCAE v5.0 term.
Each becomes a named finding (table, row, column, value, rule, message) in ``validation.csv``,
never a crash and never a silent change.

Every check is a table expression run on the engine, so only the findings come back, one table
at a time (:func:`derivation_finding_chunks`): memory follows the findings of one table, not
the rows checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.cohort import COHORT_SCHEMA, COHORT_TABLE
from oncorwe.derive.ctcae import ae_term_findings
from oncorwe.derive.lesion_checks import checked_lesions, lesion_findings
from oncorwe.derive.response_checks import (
    assessment_findings,
    checked_assessments,
    found_values,
)
from oncorwe.engine import Engine
from oncorwe.engine.study_store import table_types

FINDING_COLUMNS = ["table", "row", "column", "value", "rule", "severity", "message"]


# table -> (its checked rows, their findings) as table expressions over the tables (with
# ``_row``) and the cohort; checked rows that several rules read are made once on the engine
# (None: one rule, which checks the rows itself); the findings are reported in this order
EXPRESSIONS = {
    "tumor_assessments": (checked_assessments, assessment_findings),
    "lesions": (checked_lesions, lesion_findings),
    "adverse_events": (None, ae_term_findings),
}


def derivation_finding_chunks(engine: Engine) -> Iterator[pd.DataFrame]:
    """Findings of the response, lesion and adverse-event derivations for the cohort's
    patients (table ``cohort`` on ``engine``), one frame per table of ``EXPRESSIONS`` (columns
    ``FINDING_COLUMNS``, ``row`` as ``Int64``); only cohort patients are checked.

    Steps
    -----
    1. Per table of ``EXPRESSIONS``: its checked rows made once on the engine (where several
       rules read them), then its findings.
    2. Their findings, by group, rule and source row, duplicates dropped (findings of two
       tables never coincide: they name their table).
    """
    t = {name: ibis.table(table_types(name), name=name) for name in EXPRESSIONS}
    t[COHORT_TABLE] = ibis.table(COHORT_SCHEMA, name=COHORT_TABLE)
    for name, (check, report) in EXPRESSIONS.items():
        # step 1
        rows = _findings(engine, t, name, check, report)
        # step 2
        if rows.empty:
            continue
        rows = rows.sort_values(["_group", "_order", "row"], kind="mergesort")
        found = found_values(rows).reindex(columns=FINDING_COLUMNS).drop_duplicates()
        yield found.astype({"row": "Int64"}).reset_index(drop=True)


def _findings(engine: Engine, t: Mapping[str, ir.Table], name: str, check, report) -> pd.DataFrame:
    if check is None:
        return engine.query(report(t))
    checked = check(t)
    engine.materialize(f"_checked_{name}", checked)
    try:
        return engine.query(report(t, ibis.table(checked.schema(), name=f"_checked_{name}")))
    finally:
        engine.drop(f"_checked_{name}")


def derivation_findings(engine: Engine) -> pd.DataFrame:
    """All of :func:`derivation_finding_chunks` as one frame."""
    found = list(derivation_finding_chunks(engine))
    if not found:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return pd.concat(found, ignore_index=True)
