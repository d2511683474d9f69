"""Lesion-level response: in-field / out-of-field / abscopal response, the waterfall, response by
criteria side by side, and duration of response.

Tables (``StudyOutputs.tables``):

- ``field_response``: ``scope, criteria, n_evaluable, cr_n, pr_n, sd_n, pd_n, orr_n, orr_pct,
  orr_ci_lower, orr_ci_upper``. ``in_field`` and ``out_of_field`` are the best overall response
  (unconfirmed, the protocol's SD window) of the time-point responses derived from the lesions
  inside / outside the RT fields (:func:`oncorwe.derive.recist.derive_field_responses`; new
  lesions are never in a field, so in-field PD means in-field failure). ``abscopal`` is the best
  response of the never-irradiated *target* lesions before their first progression
  (:func:`oncorwe.derive.recist.abscopal_response`). Evaluable: patients with a target lesion in
  that scope at baseline; ``n_evaluable - cr_n - pr_n - sd_n - pd_n`` are NE. Exact
  (Clopper-Pearson) 95 % CI.
- ``waterfall``: ``subject, best_pct_change, bor`` - the best (lowest) percentage change of the
  sum of target diameters vs baseline at any assessment after day 0 up to the first
  progression; subjects numbered as in the swimmer table (:mod:`oncorwe.analysis.swimmer`),
  never identified; ``bor`` of the protocol's primary criteria.
- ``response_by_criteria``: ORR and DCR with exact CI for every criteria, unconfirmed and
  confirmed, side by side (from the ``response`` table; denominator all treated patients).
- ``duration_of_response``: Kaplan-Meier median duration of response among responders
  (unconfirmed BOR CR/PR), from the first CR/PR to progression or death, censored at the last
  tumour assessment (sources: :data:`DOR_EVENTS`, :func:`dor_censors`).

Without a ``lesions`` table, ``field_response`` and ``waterfall`` are empty.

References
----------
.. [1] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247, sections 4.3-4.4 (best
   overall response; duration of overall response, section 4.6).
.. [2] Lencioni R, Llovet JM. mRECIST for hepatocellular carcinoma. Semin Liver Dis 2010;30:52-60.
.. [3] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (exact binomial CI).
.. [4] pharmaverse admiralonco, ``derive_param_tte`` with ``event_source`` / ``censor_source``
   (duration of response, ADTTE ``PARAMCD = "DURRSP"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from oncorwe.derive import sources
from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.field_response import abscopal_response, derive_field_responses
from oncorwe.derive.response_rules import IRECIST, RECIST11, response_criteria
from oncorwe.derive.time_to_event import DateSource, derive_time_to_event
from oncorwe.protocol import Protocol
from oncorwe.stats import binomial_ci, kaplan_meier

FIELD_COLUMNS = [
    "scope",
    "criteria",
    "n_evaluable",
    "cr_n",
    "pr_n",
    "sd_n",
    "pd_n",
    "orr_n",
    "orr_pct",
    "orr_ci_lower",
    "orr_ci_upper",
]
WATERFALL_COLUMNS = ["subject", "best_pct_change", "bor"]
BY_CRITERIA_COLUMNS = [
    "criteria",
    "confirmed",
    *(f"{m}_{c}" for m in ("orr", "dcr") for c in ("n", "pct", "ci_lower", "ci_upper")),
]
DOR_COLUMNS = ["criteria", "n_responders", "events", "median_months", "ci_lower", "ci_upper"]
SCOPE_ORDER = ("in_field", "out_of_field", "abscopal")
RESPONDED = RECIST11.responder  # CR, PR
# time points that are a progression under any criteria (PD; iRECIST iUPD and iCPD)
PROGRESSION = ("PD", *(v for v, word in IRECIST.recist_words.items() if word == "PD"))
DOR_ORIGIN_TABLE = "dor_origin"  # responders and their first CR/PR date, per criteria
# Duration of response ends at progression (a progression record or a PD assessment) or death
# (RECIST 1.1 section 4.6; admiralonco DURRSP), ordered as the PFS sources.
DOR_EVENTS = (sources.progression_record, sources.progression_assessment, sources.death)


def dor_censors(criteria: str) -> tuple[DateSource, ...]:
    """Censoring for duration of response: the last assessment under ``criteria`` after the
    first response, or the first response itself when no assessment follows it."""
    last = DateSource(
        f"Last tumour assessment ({criteria})",
        "tumor_assessments",
        "assessment_date",
        condition=f"s.criteria = '{criteria}'",
        censor=sources.CNSR_LAST_ASSESSMENT,
        strictly_after_origin=True,
    )
    first = DateSource(
        "First response (no later tumour assessment)",
        DOR_ORIGIN_TABLE,
        "index_date",
        censor=sources.CNSR_ORIGIN,
        precedence=9,
    )
    return (last, first)


@dataclass(frozen=True)
class LesionResponse:
    """The lesion-level tables of one study (see the module docstring for columns)."""

    field_response: pd.DataFrame
    waterfall: pd.DataFrame
    duration_of_response: pd.DataFrame
    criteria: str


def _rate(k: int, n: int) -> tuple[float, float, float]:
    """Percentage with exact 95 % CI; NaN when nobody is evaluable."""
    ci = binomial_ci(k, n, method="exact", when_empty="nan")
    return (100.0 * ci.estimate, 100.0 * ci.lower, 100.0 * ci.upper)


def _field_row(scope: str, criteria: str, best: pd.Series) -> dict[str, Any]:
    counts = best.value_counts()
    n, orr = int(best.size), int(best.isin(RESPONDED).sum())
    pct, lower, upper = _rate(orr, n)
    return dict(
        zip(
            FIELD_COLUMNS,
            (
                scope,
                criteria,
                n,
                *(int(counts.get(c, 0)) for c in ("CR", "PR", "SD", "PD")),
                orr,
                pct,
                lower,
                upper,
            ),  # fmt: skip
            strict=True,
        )
    )


def field_response_table(
    responses: pd.DataFrame, origin: pd.Series, criteria: str, sd_window_days: int
) -> pd.DataFrame:
    """In-field, out-of-field (best overall response per scope) and abscopal response rows.

    ``responses``: stacked time-point responses of :func:`derive_field_responses`; ``origin``:
    time origin per patient (Series indexed by ``patient_id``).
    """
    rows = []
    rules = response_criteria(criteria)
    for scope in ("in_field", "out_of_field"):
        part = responses[responses["scope"] == scope]
        measurable = part.loc[part["baseline_sum_mm"].notna(), "patient_id"].unique()
        bor = best_overall_response(
            part.loc[part["patient_id"].isin(measurable), list(_TP_COLUMNS)],
            origin[origin.index.isin(measurable)],
            rules,
            ref_start_window=sd_window_days,
        )
        best = bor.loc[bor["bor"] != "MISSING", "bor"]
        # counted in the RECIST columns (iRECIST: iUPD and iCPD as PD)
        rows.append(_field_row(scope, criteria, best.map(lambda c: rules.recist_words.get(c, c))))
    abscopal = abscopal_response(responses)
    rows.append(_field_row("abscopal", criteria, abscopal["out_of_field_best"].dropna()))
    return pd.DataFrame(rows, columns=FIELD_COLUMNS)


_TP_COLUMNS = ("patient_id", "assessment_date", "overall_response")


def subject_numbers(adsl: pd.DataFrame) -> pd.Series:
    """patient_id -> subject 1..n by decreasing OS time, ties in ADSL order (as the swimmer)."""
    order = adsl[["patient_id", "os_months"]].sort_values(
        "os_months", ascending=False, kind="mergesort"
    )
    return pd.Series(np.arange(1, len(order) + 1), index=order["patient_id"].to_numpy())


def waterfall_table(
    all_scope: pd.DataFrame, origin: pd.Series, adsl: pd.DataFrame, bor
) -> pd.DataFrame:
    """Best % change of the target sum vs baseline after day 0, up to the first PD (inclusive).

    ``bor``: Series patient_id -> best overall response (primary criteria).
    """
    tp = all_scope[all_scope["baseline_sum_mm"].gt(0)].sort_values(
        ["patient_id", "assessment_date"], kind="mergesort"
    )
    tp = tp[tp["assessment_date"] > tp["patient_id"].map(origin)]
    is_pd = tp["overall_response"].isin(PROGRESSION).astype(int)
    tp = tp[is_pd.groupby(tp["patient_id"]).cumsum() - is_pd == 0]  # up to the first PD
    change = 100.0 * (tp["sum_mm"] - tp["baseline_sum_mm"]) / tp["baseline_sum_mm"]
    best = change.groupby(tp["patient_id"]).min()
    subject = subject_numbers(adsl)
    best = best[best.index.isin(subject.index)]
    out = pd.DataFrame(
        {
            "subject": subject.loc[best.index].to_numpy(),
            "best_pct_change": best.to_numpy(),
            "bor": best.index.map(bor).to_numpy(),
        }
    )
    return out.sort_values("subject", kind="mergesort").reset_index(drop=True)[WATERFALL_COLUMNS]


def response_by_criteria(response: pd.DataFrame) -> pd.DataFrame:
    """ORR and DCR rows of the ``response`` table side by side, one row per criteria and
    confirmation (``criteria, confirmed, orr_n, orr_pct, orr_ci_lower, ..., dcr_ci_upper``)."""
    rates = response[response["category"].isin(("ORR", "DCR"))]
    if rates.empty:
        return pd.DataFrame(columns=BY_CRITERIA_COLUMNS)
    wide = rates.pivot_table(
        index=["criteria", "confirmed"],
        columns="category",
        values=["n", "pct", "ci_lower", "ci_upper"],
        sort=False,
    )
    wide.columns = [f"{cat.lower()}_{value}" for value, cat in wide.columns]
    out = wide.reset_index()
    for col in ("orr_n", "dcr_n"):
        out[col] = out[col].astype(int)
    return out[BY_CRITERIA_COLUMNS]


def duration_of_response(
    con: duckdb.DuckDBPyConnection, adrs: pd.DataFrame, protocol: Protocol
) -> pd.DataFrame:
    """KM median duration of response (months) per criteria, among unconfirmed responders."""
    rows = []
    days = protocol.survival.days_per_month
    for criteria in adrs["criteria"].drop_duplicates():
        if criteria == "iRECIST":
            continue  # iDOR (first iCR/iPR to iCPD) is not derived; not a zero-responder row
        responders = adrs[
            (adrs["criteria"] == criteria) & ~adrs["confirmed"] & adrs["bor"].isin(RESPONDED)
        ]
        first = con.execute(
            """SELECT t.patient_id, MIN(CAST(t.assessment_date AS DATE)) AS index_date
               FROM tumor_assessments t JOIN cohort c USING (patient_id)
               WHERE t.criteria = ? AND t.overall_response IN ('CR', 'PR')
                 AND CAST(t.assessment_date AS DATE) >= CAST(c.index_date AS DATE)
               GROUP BY t.patient_id ORDER BY 1""",
            [criteria],
        ).df()
        first = first[first["patient_id"].isin(responders["patient_id"])]
        n = len(first)
        if n == 0:
            rows.append((criteria, 0, 0, np.nan, np.nan, np.nan))
            continue
        con.register(DOR_ORIGIN_TABLE, first)
        try:
            tte = derive_time_to_event(
                con, "DURRSP", "Duration of Response", DOR_EVENTS, dor_censors(criteria),
                days, origin_table=DOR_ORIGIN_TABLE,
            )  # fmt: skip
        finally:
            con.unregister(DOR_ORIGIN_TABLE)
        event = (tte["cnsr"] == 0).to_numpy()
        km = kaplan_meier(
            tte["aval_months"].to_numpy(float),
            event,
            conf_type=protocol.survival.conf_type,
            conf_level=protocol.survival.conf_level,
        )
        median = km.median
        rows.append((criteria, n, int(event.sum()), median[0], median[1], median[2]))
    return pd.DataFrame(rows, columns=DOR_COLUMNS)


def derive_lesion_response(
    con: duckdb.DuckDBPyConnection, adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol
) -> LesionResponse:
    """Field response, waterfall and duration of response for the cohort in ``con``.

    Steps
    -----
    1. Lesions of the cohort's patients; time-point responses in the scopes all / in-field /
       out-of-field under the protocol's primary criteria.
    2. Field response rows; waterfall (best change of the target sum, BOR of the primary
       criteria and confirmation).
    3. Duration of response per criteria (from the recorded time-point responses).
    """
    criteria = protocol.response.criteria
    origin_frame = con.execute(
        "SELECT patient_id, CAST(index_date AS TIMESTAMP) AS index_date FROM cohort"
    ).df()
    origin = pd.Series(
        pd.to_datetime(origin_frame["index_date"]).to_numpy(), index=origin_frame["patient_id"]
    )
    # step 1
    lesions = con.execute(
        "SELECT l.* FROM lesions l JOIN cohort USING (patient_id) ORDER BY ALL"
    ).df()
    # step 2
    if lesions.empty:
        field = pd.DataFrame(columns=FIELD_COLUMNS)
        waterfall = pd.DataFrame(columns=WATERFALL_COLUMNS)
    else:
        responses = derive_field_responses(lesions, criteria).responses
        field = field_response_table(
            responses, origin, criteria, protocol.response.stable_disease_min_days
        )
        primary = adrs[
            (adrs["criteria"] == criteria) & (adrs["confirmed"] == protocol.response.confirmation)
        ]
        waterfall = waterfall_table(
            responses[responses["scope"] == "all"],
            origin,
            adsl,
            primary.set_index("patient_id")["bor"],
        )
    # step 3
    dor = duration_of_response(con, adrs, protocol)
    return LesionResponse(field, waterfall, dor, criteria)


def _json(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def lesion_response_results(lesion: LesionResponse, by_criteria: pd.DataFrame) -> dict[str, Any]:
    """Key numbers for ``results["response"]``: ``by_criteria``, ``abscopal``, ``duration``."""

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{k: _json(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

    abscopal = lesion.field_response.set_index("scope")
    out: dict[str, Any] = {"by_criteria": records(by_criteria)}
    out["abscopal"] = (
        {k: _json(v) for k, v in abscopal.loc["abscopal"].items()} | {"criteria": lesion.criteria}
        if "abscopal" in abscopal.index
        else None
    )
    out["duration"] = records(lesion.duration_of_response)
    return out
