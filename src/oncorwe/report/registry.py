"""The registry of optional report tables: one ``TableSpec`` per table name.

The core tables (attrition, Table 1, response, survival, adverse events, methods) have their
own display functions (``report.display``); every other table the analysis may provide is
described here and rendered by ``specs.render_spec`` when it is present in
``StudyOutputs.tables``. A table that is absent is skipped with a logged note; a table with no
entry here is written as CSV/XLSX only. To show a new table, add a spec.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.report.by_group import baseline_by_group_tables
from oncorwe.report.display import AE_GRADE_COLUMNS, DisplayTable
from oncorwe.report.format import GEQ, format_count, format_n_pct, is_missing
from oncorwe.report.lesion_specs import LESION_SPECS
from oncorwe.report.specs import Column, RenderContext, TableSpec

HR = Column("HR ({ci})", ("hr", "hr_lower", "hr_upper"), "hr_ci")


def adverse_events_by_soc_tables(
    df: pd.DataFrame, spec: TableSpec, context: RenderContext
) -> list[DisplayTable]:
    """SOC total rows (``term`` empty) as headers, their terms indented under them.

    A grade band shows ``n (%)`` when the table has its ``<band>_pct`` column, ``n`` otherwise.
    """
    bands = [(b, label) for b, label in AE_GRADE_COLUMNS if f"{b}_n" in df.columns]

    def cells(row: pd.Series) -> tuple[str, ...]:
        return tuple(
            format_n_pct(row[f"{b}_n"], row[f"{b}_pct"])
            if f"{b}_pct" in df.columns
            else format_count(row[f"{b}_n"])
            for b, _ in bands
        )

    rows: list[tuple[str, ...]] = []
    indent: list[int] = []
    for soc, part in df.groupby("soc", sort=False):
        is_total = part["term"].map(is_missing)
        total = part[is_total]
        rows.append((str(soc), *(cells(total.iloc[0]) if len(total) else ("",) * len(bands))))
        indent.append(0)
        for _, row in part[~is_total].iterrows():
            rows.append((str(row["term"]), *cells(row)))
            indent.append(1)
    headers = [
        f"{label}, n (%)" if f"{b}_pct" in df.columns else f"{label}, n" for b, label in bands
    ]
    size = "" if is_missing(context.n_total) else f" N = {format_count(context.n_total)}."
    notes = [str(n) for n in df.attrs.get("footnotes", ())] + list(spec.footnotes)
    return [
        DisplayTable(
            name=spec.name,
            title=spec.title,
            columns=("System organ class / term", *headers),
            rows=tuple(rows),
            indent=tuple(indent),
            footnotes=tuple(notes + [f"Patients counted once per SOC and per term.{size}"]),
        )
    ]


SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        name="baseline_by_group",
        title="Baseline characteristics by",
        section="baseline",
        required=("characteristic", "level", "group", "n", "pct", "median", "q1", "q3"),
        footnotes=("Values are n (%) or median (Q1\u2013Q3); SMD, standardized mean difference.",),
        builder=baseline_by_group_tables,
    ),
    TableSpec(
        name="eqd2",
        title="Radiotherapy dose, EQD2 and BED",
        section="treatment",
        columns=(
            Column("Group", ("group",)),
            Column("Patients", ("n",), "count"),
            Column("Total dose, Gy", ("dose_median", "dose_q1", "dose_q3"), "median_iqr"),
            Column("EQD2, Gy", ("eqd2_median", "eqd2_q1", "eqd2_q3"), "median_iqr"),
            Column("EQD2 range, Gy", ("eqd2_min", "eqd2_max"), "range"),
            Column("BED, Gy (median)", ("bed_median",), "number"),
            Column(f"BED {GEQ} 100 Gy, n", ("bed_ge_100_n",), "count"),
        ),
        footnotes=(
            "Median (Q1\u2013Q3); EQD2 and BED from each course's dose and fractions with the "
            "protocol's alpha/beta (see Methods).",
        ),
    ),
    TableSpec(
        name="failure_patterns",
        title="Patterns of first failure",
        section="local-control",
        columns=(
            Column("Site of first failure", ("label",)),
            Column("n (%)", ("n", "pct"), "n_pct"),
        ),
        footnotes=("Percentages of all patients in the cohort.",),
    ),
    *LESION_SPECS,  # field_response, response_by_criteria, duration_of_response
    TableSpec(
        name="subgroups",
        title="Survival by subgroup",
        section="subgroups",
        columns=(
            Column("Subgroup", ("level",)),
            Column("Patients", ("n",), "count"),
            Column("Events", ("events",), "count"),
            Column("Median, months ({ci})", ("median_months", "ci_lower", "ci_upper"), "median_ci"),
            HR,
            Column("Log-rank p", ("p_logrank",), "p"),
        ),
        group_by="label",
        group_columns=("Log-rank p",),
        split_by="endpoint",
        note_column="note",
        footnotes=(
            "Kaplan\u2013Meier medians (NR, not reached); hazard ratios from univariable Cox "
            "models ({ties}) against the first level of each subgroup; p from the log-rank "
            "test across levels.",
        ),
    ),
    TableSpec(
        name="cox",
        title="Cox proportional hazards models",
        section="subgroups",
        columns=(
            Column("Variable", ("label",)),
            Column("Patients", ("n",), "count"),
            Column("Events", ("events",), "count"),
            HR,
            Column("p", ("p",), "p"),
        ),
        group_by="model",
        group_fmt="sentence",
        split_by="endpoint",
        note_column="note",
        footnotes=(
            "Univariable: one covariate per model; multivariable: all covariates together, "
            "complete cases. {ties}; Wald p values; HR ({ci}) per category against the "
            "first (reference) category.",
        ),
    ),
    TableSpec(
        name="adverse_events_by_soc",
        title="Adverse events by system organ class and term (CTCAE v5.0)",
        section="adverse-events",
        required=("soc", "term", "any_n"),
        builder=adverse_events_by_soc_tables,
    ),
    TableSpec(
        name="liver_toxicity",
        title="Radiation-induced liver disease and liver function",
        section="adverse-events",
        columns=(
            Column("Measure", ("measure",)),
            Column("Patients, n/N (%)", ("n", "denominator", "pct"), "n_of_pct"),
            Column("Median (Q1\u2013Q3)", ("median", "q1", "q3"), "median_iqr"),
        ),
        footnotes=(
            "N: patients evaluable for the measure (liver tests at baseline and after RT).",
        ),
    ),
    TableSpec(
        name="published_comparison",
        title="The cohort beside published results",
        section="comparison",
        columns=(
            Column("Quantity", ("quantity",)),
            Column(
                "This cohort ({ci})",
                ("cohort_value", "cohort_ci_lower", "cohort_ci_upper"),
                "value_ci",
            ),  # fmt: skip
            Column("Reference study", ("reference_study",)),
            Column("Arm", ("reference_arm",)),
            Column("Reference value", ("reference_value",), "number"),
            Column("Test", ("test",)),
            Column("p", ("p_value",), "p"),
        ),
        label_columns=1,
        note_column="source",
        footnotes=(
            "ORR compared by the exact binomial test; median and landmark survival by the "
            "one-sample log-rank test against a reference curve built from the published values.",
        ),
    ),
    TableSpec(
        name="checklist",
        title="STROBE and RECORD checklist: where this report answers each item",
        section="checklist",
        columns=(
            Column("Guideline", ("guideline",)),
            Column("Item", ("item",)),
            Column("Recommendation", ("recommendation",)),
            Column("Where in this report", ("where",)),
        ),
        label_columns=4,
        footnotes=(
            "STROBE: von Elm E, et al. Lancet 2007;370:1453-7. RECORD: Benchimol EI, et al. "
            "PLoS Med 2015;12:e1001885. Items answered outside the generated report (title, "
            "discussion, funding) are the authors'.",
        ),
    ),
)
BY_NAME = {spec.name: spec for spec in SPECS}
