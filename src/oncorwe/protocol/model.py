"""A study protocol: every analysis choice, in one immutable object read from TOML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any, Literal

TimeOriginRule = Literal[
    "first_of_rt_or_ici", "rt_start", "ici_start", "randomization", "first_dose"
]
ConfType = Literal["log-log", "log", "plain"]
CRITERIA = ("RECIST1.1", "mRECIST", "iRECIST")
ICI_CLASSES = ("pd1", "pdl1", "ctla4")
# Months from days: the mean Gregorian month, 365.25 / 12 days (the divisor of admiral's
# ``compute_duration(out_unit = "months")``); the protocol default, read everywhere from here.
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Study:
    name: str
    title: str
    reference: str = ""
    disease: str = ""


@dataclass(frozen=True)
class Eligibility:
    enrolment_start: dt.date
    enrolment_end: dt.date
    disease_settings: tuple[str, ...] = ("de_novo_metastatic", "recurrent")
    require_radiotherapy: bool = True
    ici_classes: tuple[str, ...] = ICI_CLASSES


@dataclass(frozen=True)
class Treatment:
    concurrency_days_before_rt: int = 30
    concurrency_days_after_rt: int = 30
    alpha_beta_tumor: float = 10.0


@dataclass(frozen=True)
class TimeOrigin:
    rule: TimeOriginRule = "first_of_rt_or_ici"


@dataclass(frozen=True)
class Response:
    criteria: str = "mRECIST"
    secondary_criteria: tuple[str, ...] = ("RECIST1.1",)
    confirmation: bool = False
    confirmation_min_days: int = 28
    stable_disease_min_days: int = 42
    denominator: str = "all_treated"


@dataclass(frozen=True)
class Survival:
    conf_type: ConfType = "log-log"
    conf_level: float = 0.95
    landmark_months: tuple[float, ...] = (6, 12, 24)
    days_per_month: float = DAYS_PER_MONTH
    # day 0 counted as day 1 (AVAL = ADT - STARTDT + 1), as admiral's compute_duration(add_one)
    # in admiralonco's ADTTE template; false = days elapsed since day 0
    count_origin_day: bool = False
    censor_pfs_at_new_therapy: bool = False
    new_therapy_grace_days: int = 30


@dataclass(frozen=True)
class Safety:
    """Adverse-event settings. ``treatment_emergent_days_after_last_dose``: an AE is
    treatment-emergent up to this many days after the last dose of study treatment (admiral
    ``end_window``; 30 is common, 90-100 for immune-related AEs); None = no end of the window.
    ``undated_ae_recorded_in_window``: events without an onset date were recorded within that
    window (worst grade per term), so they count as treatment-emergent.
    """

    ctcae_version: str = "5.0"
    treatment_emergent_from: str = "time_origin"
    treatment_emergent_days_after_last_dose: int | None = None
    # Retrospective sheets often record adverse events as the worst grade per term without onset
    # dates. true = the protocol states that they were recorded within the treatment-emergent
    # window: events without onset_date are accepted and counted as treatment-emergent, and the
    # report says so. false = an event without onset_date stops the analysis with an error.
    undated_ae_recorded_in_window: bool = False


@dataclass(frozen=True)
class Subgroups:
    variables: tuple[str, ...] = ()
    cox_covariates: tuple[str, ...] = ()
    table1_by: str = "sequence"


@dataclass(frozen=True)
class Privacy:
    """What may leave the study: identifiers (never, by default) and small cells.

    ``min_cell`` = 5 is the common statistical-disclosure threshold (OECD glossary); CMS /
    ResDAC data need 11 (docs/references/disclosure_control.md).
    """

    allow_identifiers: bool = False
    shareable: bool = False
    min_cell: int = 5


@dataclass(frozen=True)
class Report:
    """How the report shows patient-level displays (swimmer and waterfall plots).

    ``max_patients_shown``: up to this many patients, every patient has a lane or a bar and the
    workbook of each display lists every patient; above it, each plot draws a seeded random
    sample of this many patients (the caption says so) and the workbook holds a summary (the
    CSV file keeps every row). Bounds the report's time and size whatever the cohort's size.
    """

    max_patients_shown: int = 300


@dataclass(frozen=True)
class Protocol:
    """The whole study configuration; ``source`` says where it was read from."""

    study: Study
    eligibility: Eligibility
    treatment: Treatment
    time_origin: TimeOrigin
    response: Response
    survival: Survival
    safety: Safety
    subgroups: Subgroups
    privacy: Privacy = field(default_factory=Privacy)
    report: Report = field(default_factory=Report)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "source":
                out["source"] = value
                continue
            out[f.name] = {g.name: _plain(getattr(value, g.name)) for g in fields(value)}
        return out

    def methods_rows(self) -> list[tuple[str, str, str]]:
        """(setting, value, note) rows for the report's methods section: every setting."""
        rows = []
        for section, values in self.to_dict().items():
            if section in ("source", "study"):
                continue
            for key, value in values.items():
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                if value is None:
                    shown = "none"
                rows.append((f"{section}.{key}", shown, SETTING_NOTES.get(f"{section}.{key}", "")))
        return rows


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


SETTING_NOTES = {
    "eligibility.enrolment_start": "time origin on or after this date",
    "eligibility.enrolment_end": "time origin on or before this date",
    "eligibility.ici_classes": "drug classes that count as an immune checkpoint inhibitor",
    "treatment.concurrency_days_before_rt": "ICI exposure this many days before RT start "
    "still counts as concurrent",
    "treatment.concurrency_days_after_rt": "ICI exposure this many days after RT end "
    "still counts as concurrent",
    "treatment.alpha_beta_tumor": "alpha/beta (Gy) for tumour BED/EQD2 (linear-quadratic model)",
    "time_origin.rule": "day 0 of OS, PFS and follow-up",
    "response.criteria": "primary response criteria for BOR, ORR and DCR",
    "response.confirmation": "false = unconfirmed best overall response (confirmed shown beside)",
    "response.confirmation_min_days": "confirmation scan at least this many days later "
    "(RECIST 1.1; admiralonco ref_confirm)",
    "response.stable_disease_min_days": "SD counts only this many days after the origin "
    "(admiralonco ref_start_window)",
    "response.denominator": "ORR and DCR are over all treated patients in the cohort",
    "survival.conf_type": "pointwise CI transform for Kaplan-Meier (R survfit conf.type)",
    "survival.days_per_month": f"months = days / {DAYS_PER_MONTH}",
    "survival.count_origin_day": "true = time-to-event days count day 0 as day 1 (ADT - STARTDT "
    "+ 1; admiral compute_duration add_one, admiralonco's ADTTE); false = days since day 0",
    "survival.censor_pfs_at_new_therapy": "true = PFS events after a new anticancer therapy are "
    "not counted; censored at the last assessment on or before its start (admiral NACT rule)",
    "survival.new_therapy_grace_days": "a non-ICI systemic agent first started more than this "
    "many days after the first ICI dose is a new anticancer therapy",
    "safety.treatment_emergent_from": "adverse events counted from the time origin on",
    "safety.undated_ae_recorded_in_window": "true = adverse events without an onset date were "
    "recorded (worst grade per term) within the treatment-emergent window, as the protocol "
    "states; they are counted as treatment-emergent",
    "safety.treatment_emergent_days_after_last_dose": "adverse events counted up to this many "
    "days after the last dose of study treatment (latest end of RT or a systemic agent of the "
    "combined course); none = no end of the window",
    "subgroups.variables": "survival by level: KM median, log-rank test, univariable Cox HR",
    "subgroups.cox_covariates": "covariates of the univariable and multivariable Cox models "
    "(complete cases, Efron ties)",
    "privacy.allow_identifiers": "false = identifier-like input columns are dropped before the "
    "study store and every output",
    "privacy.shareable": "true = counts 1..min_cell-1 in exported tables are suppressed "
    "(with complementary suppression)",
    "privacy.min_cell": "smallest count shown in shareable output (OECD: 5; CMS/ResDAC: 11)",
    "report.max_patients_shown": "swimmer and waterfall plots draw every patient up to this "
    "many, a seeded random sample of this many above it (their workbooks then hold summaries)",
    "subgroups.table1_by": "Table 1 by this subgroup (sequence: concurrent vs sequential), with "
    "chi-square / Fisher / Wilcoxon tests and SMDs",
}
