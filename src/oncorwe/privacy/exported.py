"""Every table the analysis exports, declared once: its builder, its sums and its display.

Shareable output hides small counts and every count a reader could work out from the others
(``oncorwe.privacy.suppression``). That needs to know, for each exported table, which cells add
up to which totals: its *sums*, written with the rule types of ``oncorwe.privacy.additivity``.
Each table is declared here, once, with

- ``builder``: the dotted name of the analysis function that makes it;
- ``display``: the dotted name of the report object that shows it (a display function, a
  figure, or a tuple of ``TableSpec`` holding one of the table's name);
- ``sums``: how its counts add up; ``None`` for a table of one row per patient (swimmer,
  waterfall), which is no aggregate and is left out of shareable output;
- ``per_endpoint``: the table is written once per endpoint, as ``<endpoint>_<name>``
  (``os_at_risk``).

Names, not imports: ``privacy`` sits below ``analysis`` and ``report`` (see
``oncorwe.privacy``); ``tests/privacy/test_exported.py`` resolves every name. A table that is
not declared here cannot be suppressed: ``declared_table`` raises ``UndeclaredTableError``
naming it (there is no default rule). Counts one table repeats from another are declared in
``oncorwe.privacy.mirrors``.

References
----------
.. [1] Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control.
   Wiley 2012, chapters 4 (a table and its marginals as linear relations; linked tables;
   secondary suppression) and 5 (frequency tables). See docs/references/disclosure_control.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncorwe.errors import OncorweError
from oncorwe.privacy.additivity import Across, Additivity, Down, Percent, Repeated, Steps

DECLARED_RULE = "privacy.table_declared"


class UndeclaredTableError(OncorweError):
    """A table reached suppression without a declaration in ``EXPORTED_TABLES``."""


@dataclass(frozen=True)
class ExportedTable:
    """One exported table: its name, builder and display (dotted names), its sums, and whether
    it is written once per endpoint (``<endpoint>_<name>``)."""

    name: str
    builder: str
    display: str
    sums: Additivity | None
    per_endpoint: bool = False


# The labels below are those the analysis writes into its tables. They are written here as
# data because privacy sits below analysis (it may not import it);
# tests/privacy/test_exported.py checks that they agree with the analysis's own constants.
OVERALL = "Overall"  # the all-patients group of a table by group (analysis.compare)
# Best overall response: responders (ORR) within disease control (DCR) within all patients:
# RECIST 1.1 / mRECIST (analysis.summarize OBJECTIVE, DISEASE_CONTROL) and iRECIST
# (derive.irecist_bor IRECIST_RESPONDER, IRECIST_DISEASE_CONTROL) categories.
RESPONDER_CATEGORIES = ("CR", "PR", "iCR", "iPR")
CONTROL_CATEGORIES = ("SD", "NON-CR/NON-PD", "iSD", "NON-iCR/NON-iUPD")
RESPONSE_BLOCK = ("criteria", "confirmed")
# the SBRT label of Table 1's treatment part and of the eqd2 table
# (oncorwe.analysis.describe, oncorwe.analysis.radiotherapy_outcomes.eqd2_table)
SBRT = "SBRT (>= 5 Gy per fraction)"
_CHARACTERISTICS = Additivity(
    "the levels of a characteristic and its missing count add up to the cohort size; the "
    "percentages are of the patients with a value (cohort size - missing)",
    relations=(Down(label="level", by=("characteristic",), columns=("n",), plus="missing"),),
    repeated=(Repeated("missing", ("characteristic",)),),
    percents=(Percent(("pct",), of="missing"),),
)
# patients without an event: a count no table prints, small when nearly every patient had one
_WITHOUT_EVENT = Across(total="n", parts=("events",), remainder=True, unseen=True)
_ADVERSE_EVENTS = (
    # CTCAE bands of the worst grade: any = 1-2 + 3 or worse; 3 or worse = 3-4 + 5
    Across(total="any_n", parts=("grade1_2_n", "grade3plus_n")),
    Across(total="grade3plus_n", parts=("grade3_4_n", "grade5_n")),
)

_TABLES = (
    ExportedTable(
        "attrition",
        "oncorwe.cohort.eligibility.build_cohort",
        "oncorwe.report.display.attrition_table",
        sums=Additivity(
            "each step keeps the patients of the step before less those it excludes",
            relations=(Steps(remaining="n_remaining", excluded="n_excluded"),),
        ),
    ),
    ExportedTable(
        "baseline",
        "oncorwe.analysis.describe.describe",
        "oncorwe.report.display.characteristics_table",
        sums=_CHARACTERISTICS,
    ),
    ExportedTable(
        "baseline_by_group",
        "oncorwe.analysis.compare.baseline_by_group",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "levels and missing add up to each group's size; the overall column is the sum of "
            "the groups (and of patients in none)",
            relations=(
                Down(label="level", by=("characteristic", "group"), columns=("n",), plus="missing"),
                Down(
                    label="group",
                    by=("characteristic", "level"),
                    total=OVERALL,
                    columns=("n", "missing"),
                    remainder=True,
                ),
            ),
            repeated=(Repeated("missing", ("characteristic", "group")),),
            percents=(Percent(("pct",), of="missing"),),
        ),
    ),
    ExportedTable(
        "treatment",
        "oncorwe.analysis.describe.describe",
        "oncorwe.report.display.characteristics_table",
        sums=_CHARACTERISTICS,
    ),
    ExportedTable(
        "response",
        "oncorwe.analysis.summarize.response_table",
        "oncorwe.report.display.response_table",
        sums=Additivity(
            "per criteria: ORR = responders; DCR = ORR + stable disease; DCR and the other "
            "categories add up to the cohort size",
            relations=(
                Down(label="category", by=RESPONSE_BLOCK, total="ORR", parts=RESPONDER_CATEGORIES),
                Down(
                    label="category",
                    by=RESPONSE_BLOCK,
                    total="DCR",
                    parts=("ORR", *CONTROL_CATEGORIES),
                ),
                Down(
                    label="category",
                    by=RESPONSE_BLOCK,
                    exclude=("ORR", *RESPONDER_CATEGORIES, *CONTROL_CATEGORIES),
                ),
            ),
        ),
    ),
    ExportedTable(
        "response_by_criteria",
        "oncorwe.analysis.lesion_response.response_by_criteria",
        "oncorwe.report.lesion_specs.LESION_SPECS",
        sums=Additivity("ORR and DCR per criteria: no sum within the table"),
    ),
    ExportedTable(
        "field_response",
        "oncorwe.analysis.lesion_response.derive_lesion_response",
        "oncorwe.report.lesion_specs.LESION_SPECS",
        sums=Additivity(
            "per scope: evaluable = ORR + SD + PD + not evaluable (not shown); ORR = CR + PR",
            relations=(
                Across(total="n_evaluable", parts=("orr_n", "sd_n", "pd_n"), remainder=True),
                Across(total="orr_n", parts=("cr_n", "pr_n")),
            ),
            percents=(Percent(("orr_pct", "orr_ci_lower", "orr_ci_upper"), of="n_evaluable"),),
        ),
    ),
    ExportedTable(
        "waterfall",
        "oncorwe.analysis.lesion_response.derive_lesion_response",
        "oncorwe.report.figures.swimmer.plot_waterfall",
        sums=None,  # one row per patient: not an aggregate, never in shareable output
    ),
    ExportedTable(
        "duration_of_response",
        "oncorwe.analysis.lesion_response.derive_lesion_response",
        "oncorwe.report.lesion_specs.LESION_SPECS",
        sums=Additivity(
            "per criteria: responders = events + responders without an event (not shown)",
            relations=(
                Across(total="n_responders", parts=("events",), remainder=True, unseen=True),
            ),
        ),
    ),
    ExportedTable(
        "survival",
        "oncorwe.analysis.summarize.median_table",
        "oncorwe.report.display.survival_table",
        sums=Additivity(
            "per endpoint: n = events + patients without an event (not shown)",
            relations=(_WITHOUT_EVENT,),
        ),
    ),
    ExportedTable(
        "landmarks",
        "oncorwe.analysis.summarize.landmark_table",
        "oncorwe.report.display.landmarks_table",
        sums=Additivity(
            "the at-risk counts of each endpoint are taken to add up to a total printed elsewhere: "
            "they do not (they are counts at different times), but a lone small count gets a "
            "second hidden cell",
            (Down(label=None, by=("endpoint",)),),
        ),
    ),
    ExportedTable(
        "adverse_events",
        "oncorwe.analysis.safety.adverse_events_by_term",
        "oncorwe.report.display.adverse_events_table",
        sums=Additivity(
            "grade bands of each term; terms overlap (a patient has several), so rows do not add",
            relations=_ADVERSE_EVENTS,
        ),
    ),
    ExportedTable(
        "adverse_events_by_soc",
        "oncorwe.analysis.safety.adverse_events_by_soc",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "grade bands of each term and organ class; rows do not add (patients overlap)",
            relations=_ADVERSE_EVENTS,
        ),
    ),
    ExportedTable(
        "subgroups",
        "oncorwe.analysis.subgroups.subgroup_survival",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "per endpoint and variable: the levels add up to the survival table's n and events "
            "(and patients without a value, not shown); n = events + patients without an event",
            relations=(
                _WITHOUT_EVENT,
                Down(
                    label=None,
                    by=("endpoint", "variable"),
                    columns=("n", "events"),
                    remainder=True,
                    source="survival",
                    on=("endpoint",),
                ),
            ),
        ),
    ),
    ExportedTable(
        "swimmer",
        "oncorwe.analysis.swimmer.swimmer_rows",
        "oncorwe.report.figures.swimmer.plot_swimmer",
        sums=None,  # one row per patient: not an aggregate, never in shareable output
    ),
    ExportedTable(
        "eqd2",
        "oncorwe.analysis.radiotherapy_outcomes.eqd2_table",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "all patients = SBRT + conventional; "
            "n = BED10 of 100 Gy or more + below 100 Gy (not shown)",
            relations=(
                Down(
                    label="group",
                    total="All patients",
                    columns=("n", "bed_ge_100_n"),
                    remainder=True,
                ),
                Across(total="n", parts=("bed_ge_100_n",), remainder=True, unseen=True),
            ),
        ),
    ),
    ExportedTable(
        "failure_patterns",
        "oncorwe.analysis.radiotherapy_outcomes.failure_pattern_table",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "the first failures and the patients without one add up to the cohort size",
            (Down(label=None, by=()),),
        ),
    ),
    ExportedTable(
        "failure_cif",
        "oncorwe.analysis.radiotherapy_outcomes.failure_cumulative_incidence",
        "oncorwe.report.figure_set.failure_figures",
        sums=Additivity(
            "the at-risk counts are taken to add up to a total printed elsewhere: they do not "
            "(counts at different times), but a lone small count gets a second hidden cell",
            (Down(label=None, by=()),),
        ),
    ),
    ExportedTable(
        "liver_toxicity",
        "oncorwe.analysis.radiotherapy_outcomes.liver_toxicity_table",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "the counts and denominators are taken to add up to totals printed elsewhere: the "
            "measures overlap, but a lone small count gets a second hidden cell",
            (Down(label=None, by=()),),
        ),
    ),
    ExportedTable(
        "cox",
        "oncorwe.analysis.subgroups.cox_tables",
        "oncorwe.report.registry.SPECS",
        sums=Additivity(
            "n = events + patients without an event (n and events repeat the survival table's)",
            relations=(_WITHOUT_EVENT,),
        ),
    ),
    ExportedTable(
        "published_comparison",
        "oncorwe.analysis.published.published_comparison",
        "oncorwe.report.registry.SPECS",
        sums=Additivity("the cohort's percentages beside published values: no count column"),
    ),
    ExportedTable(
        "at_risk",
        "oncorwe.report.figures.km.at_risk_counts",
        "oncorwe.report.figure_set.km_figures",
        sums=Additivity(
            "the numbers at risk under a Kaplan-Meier curve are taken to add up to a total "
            "printed elsewhere: they do not (counts at different times), but a lone small count "
            "gets a second hidden cell",
            (Down(label=None, by=("endpoint",)),),
        ),
        per_endpoint=True,
    ),
    ExportedTable(
        "failure_cif_at_risk",
        "oncorwe.report.figures.cif.at_risk_at_ticks",
        "oncorwe.report.figure_set.failure_figures",
        sums=Additivity(
            "the numbers at risk under the cumulative-incidence curves are taken to add up to a "
            "total printed elsewhere: they do not (counts at different times), but a lone small "
            "count gets a second hidden cell",
            (Down(label=None, by=()),),
        ),
    ),
    ExportedTable(
        "methods",
        "oncorwe.report.display.methods_frame",
        "oncorwe.report.display.methods_table",
        sums=Additivity("the settings the analysis used: no count column, no sums"),
    ),
    ExportedTable(
        "checklist",
        "oncorwe.report.sections.checklist_frame",
        "oncorwe.report.registry.SPECS",
        sums=Additivity("where the report answers each STROBE/RECORD item: no counts, no sums"),
    ),
)

EXPORTED_TABLES: dict[str, ExportedTable] = {t.name: t for t in _TABLES}
PATIENT_LEVEL_TABLES = tuple(t.name for t in _TABLES if t.sums is None)


def declared_table(name: str) -> ExportedTable:
    """The declaration of table ``name``; ``<endpoint>_<name>`` (``os_at_risk``) names a table
    declared ``per_endpoint``.

    Raises
    ------
    UndeclaredTableError
        ``name`` is not in ``EXPORTED_TABLES``: shareable output cannot tell which of its
        cells add up, so it refuses the table rather than guess.
    """
    if name in EXPORTED_TABLES:
        return EXPORTED_TABLES[name]
    for table in _TABLES:
        if table.per_endpoint and name.endswith(f"_{table.name}"):
            return table
    raise UndeclaredTableError(
        f"table '{name}' is not declared in oncorwe.privacy.exported (rule "
        f"{DECLARED_RULE}): shareable output cannot tell which of its counts add up. "
        "Declare it once in EXPORTED_TABLES with its builder, its sums and its display."
    )


def additivity_of(name: str) -> Additivity:
    """The sums of aggregate table ``name`` (``declared_table``); a patient-level table has
    none, and asking for them is an error too."""
    sums = declared_table(name).sums
    if sums is None:
        raise UndeclaredTableError(
            f"table '{name}' has one row per patient (rule {DECLARED_RULE}): it has no sums "
            "and is left out of shareable output."
        )
    return sums
