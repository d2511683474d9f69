"""Findings that only the derivations can see, reported beside the validator's.

The validator checks each row against the data contract; some records are valid rows and still
cannot be used as the standards require: a second scan on the same day (a confirmation scan
cannot be on the day it confirms), a CR followed by a PR, an assessment before day 0, a lesion
measured without a baseline measurement, an adverse event term that is not a CTCAE v5.0 term.
Each becomes a named finding (table, row, column, value, rule, message) in ``validation.csv``,
never a crash and never a silent change.

The response and lesion checks are table expressions run on the engine, so only the findings
come back; the adverse-event terms are read a batch of cohort patients at a time
(``PATIENTS_PER_BATCH``), so memory follows the batch, not the table.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import pandas as pd

from oncorwe.cohort import COHORT_SCHEMA, COHORT_TABLE
from oncorwe.derive.ctcae import check_ae_terms
from oncorwe.derive.lesion_checks import checked_lesions, lesion_findings
from oncorwe.derive.response_checks import assessment_findings, checked_assessments, found_values
from oncorwe.engine import Engine
from oncorwe.engine.study_store import ROW, engine_count, table_types
from oncorwe.io.store import contract_dtypes

FINDING_COLUMNS = ["table", "row", "column", "value", "rule", "severity", "message"]
PATIENTS_PER_BATCH = 50_000


# table -> (its checked rows, their findings) as table expressions over the tables (with
# ``_row``) and the cohort; the checked rows are made once on the engine, read by every rule
EXPRESSIONS = {
    "tumor_assessments": (checked_assessments, assessment_findings),
    "lesions": (checked_lesions, lesion_findings),
}
# table -> its checks (cohort patients' rows, origin) -> findings, reported after EXPRESSIONS
CHECKS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], list[pd.DataFrame]]] = {
    "adverse_events": lambda rows, origin: [check_ae_terms(rows)],
}


def derivation_findings(engine: Engine) -> pd.DataFrame:
    """Findings of the response and adverse-event derivations for the cohort's patients
    (table ``cohort`` on ``engine``); only cohort patients are checked.

    Steps
    -----
    1. Per table of ``EXPRESSIONS``: its checked rows made once on the engine, then their
       findings, by group, rule and source row.
    2. Number the cohort's patients into batches.
    3. Per batch: each table of ``CHECKS``: its rows of those patients, in source row order,
       checked.
    4. The findings in the order of ``EXPRESSIONS`` and ``CHECKS``, duplicates dropped.
    """
    cohort = ibis.table(COHORT_SCHEMA, name=COHORT_TABLE)
    # step 1
    t = {name: ibis.table(table_types(name), name=name) for name in EXPRESSIONS}
    t[COHORT_TABLE] = cohort
    found = []
    for name, (check, report) in EXPRESSIONS.items():
        checked = check(t)
        engine.materialize(f"_checked_{name}", checked)
        try:
            made = ibis.table(checked.schema(), name=f"_checked_{name}")
            rows = engine.query(report(t, made))
        finally:
            engine.drop(f"_checked_{name}")
        found.append(found_values(rows.sort_values(["_group", "_order", "row"], kind="mergesort")))
    # step 2
    n = engine_count(engine, cohort)
    number = ibis.row_number().over(order_by=cohort.patient_id)
    batches = cohort.mutate(batch=number // PATIENTS_PER_BATCH)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in CHECKS}
    # step 3
    for batch in range(-(-n // PATIENTS_PER_BATCH)):
        mine = batches.filter(batches.batch == batch).select("patient_id", "index_date")
        origin = engine.query(mine.order_by("patient_id"))
        for name, check in CHECKS.items():
            table = ibis.table(table_types(name), name=name)
            rows = table.semi_join(mine, "patient_id").order_by(ROW)
            frame = contract_dtypes(name, engine.query(rows))
            if not frame.empty:
                parts[name].extend(check(frame, origin))
    # step 4
    found = [p for p in found if not p.empty]
    found += [p for name in CHECKS for p in parts[name] if not p.empty]
    if not found:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(found, ignore_index=True)
    return out.reindex(columns=FINDING_COLUMNS).drop_duplicates(ignore_index=True)
