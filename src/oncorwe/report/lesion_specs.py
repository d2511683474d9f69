"""Table specs of the lesion-level response tables (``oncorwe.analysis.lesion_response``).

``field_response`` (in-field / out-of-field / abscopal response), ``response_by_criteria``
(RECIST 1.1 and mRECIST ORR and DCR side by side) and ``duration_of_response``, written as data
like every spec in ``report.registry``. An empty table (a study without lesion measurements, or
without responders) is not shown.

References
----------
.. [1] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247 (ORR, DCR, section 4.4;
   duration of response, section 4.6).
.. [2] Lencioni R, Llovet JM. mRECIST for hepatocellular carcinoma. Semin Liver Dis 2010;30:52-60.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from oncorwe.report.display import DisplayTable
from oncorwe.report.specs import Column, RenderContext, TableSpec, render_spec

SCOPE_LABELS = {
    "in_field": "In field (irradiated lesions)",
    "out_of_field": "Out of field (never-irradiated disease)",
    "abscopal": "Abscopal (never-irradiated target lesions)",
}
CONFIRMATION_LABELS = {True: "Confirmed", False: "Unconfirmed"}


def _shown_unless_empty(
    df: pd.DataFrame, spec: TableSpec, context: RenderContext
) -> list[DisplayTable]:
    """Render by the spec's columns, after plain-language labels; nothing for an empty table."""
    if df.empty:
        return []
    if "scope" in df.columns:
        df = df.assign(scope=df["scope"].map(SCOPE_LABELS).fillna(df["scope"]))
    if "confirmed" in df.columns:
        df = df.assign(confirmed=df["confirmed"].map(CONFIRMATION_LABELS))
    return render_spec(df, replace(spec, builder=None), context)


LESION_SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        name="response_by_criteria",
        title="Objective response and disease control by response criteria",
        section="response",
        columns=(
            Column("Criteria", ("criteria",)),
            Column("Confirmation", ("confirmed",)),
            Column("ORR, n", ("orr_n",), "count"),
            Column("ORR, % ({ci})", ("orr_pct", "orr_ci_lower", "orr_ci_upper"), "pct_ci"),
            Column("DCR, n", ("dcr_n",), "count"),
            Column("DCR, % ({ci})", ("dcr_pct", "dcr_ci_lower", "dcr_ci_upper"), "pct_ci"),
        ),
        label_columns=2,
        footnotes=(
            "ORR, objective response rate (CR + PR); DCR, disease control rate (CR + PR + SD + "
            "non-CR/non-PD); denominator all treated patients; {proportion_ci} "
            "{ci}. {response_windows}. mRECIST measures viable (arterially "
            "enhancing) tumour in the liver, hence more responses than RECIST 1.1.",
        ),
        builder=_shown_unless_empty,
    ),
    TableSpec(
        name="duration_of_response",
        title="Duration of response",
        section="response",
        columns=(
            Column("Criteria", ("criteria",)),
            Column("Responders", ("n_responders",), "count"),
            Column("Events", ("events",), "count"),
            Column("Median, months ({ci})", ("median_months", "ci_lower", "ci_upper"), "median_ci"),
        ),
        footnotes=(
            "Kaplan\u2013Meier estimate among patients with an unconfirmed best response of CR "
            "or PR, from the first CR/PR to progression (a progression record or a PD "
            "assessment) or death; censored at the last tumour assessment under the same "
            "criteria (RECIST 1.1 section 4.6). NR, not reached.",
        ),
        builder=_shown_unless_empty,
    ),
    TableSpec(
        name="field_response",
        title="Response in and out of the radiotherapy field",
        section="local-control",
        columns=(
            Column("Lesions scored", ("scope",)),
            Column("Criteria", ("criteria",)),
            Column("Evaluable", ("n_evaluable",), "count"),
            Column("CR", ("cr_n",), "count"),
            Column("PR", ("pr_n",), "count"),
            Column("SD", ("sd_n",), "count"),
            Column("PD", ("pd_n",), "count"),
            Column("Responders", ("orr_n",), "count"),
            Column("ORR, % ({ci})", ("orr_pct", "orr_ci_lower", "orr_ci_upper"), "pct_ci"),
        ),
        label_columns=2,
        footnotes=(
            "Response derived from the lesion measurements. In field / out of field: best "
            "overall response of the lesions inside / outside every radiotherapy target "
            "(targets, non-targets and, out of field, new lesions). Abscopal: best response of "
            "the never-irradiated target lesions before their first progression. Evaluable: "
            "patients with a target lesion in that scope at baseline; the rest of them are not "
            "evaluable (NE). Exact {ci}.",
        ),
        builder=_shown_unless_empty,
    ),
)
"""The lesion-level response specs, spliced into ``report.registry.SPECS``."""
