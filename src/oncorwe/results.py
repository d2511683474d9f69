"""What an analysis hands to the report: typed, immutable results in one bundle.

``StudyResults`` is the single source of every headline number: frozen dataclasses, built once
by ``oncorwe.analysis`` and never changed, written as ``results.json`` by their ``to_dict``
(``oncorwe.stats._serialise.SerialisableResult``, the one serialisation base) and read by the
report, the notebook API and the tests. Each result also reads like the JSON it writes
(``results["survival"]["os"]["median_months"]``), so a path into ``results.json`` is a path into
the objects. Fields that record how a number was made but are not part of ``results.json``
(Cox ties, the proportion CI method, an endpoint's label) are readable the same way.

``StudyOutputs.tables`` are tidy DataFrames that the report only formats; ``curves`` are
Kaplan-Meier results (``oncorwe.stats.kaplan_meier``) keyed by endpoint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.stats._serialise import INLINE, NOT_SERIALISED, OMIT_IF_NONE, SerialisableResult

Record = Mapping[str, Any]


def frozen(value: Any) -> Any:
    """``value`` with every dict made a read-only mapping and every list a tuple (deeply)."""
    if isinstance(value, dict | MappingProxyType):
        return MappingProxyType({key: frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    return value


def frozen_map(values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Mapping[str, Any]:
    """A read-only mapping (keys and their order as given)."""
    return frozen(dict(values))


def records(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> tuple[Record, ...]:
    """Rows (a DataFrame's, or mappings) as a tuple of read-only records."""
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict(orient="records")
    return tuple(frozen_map(row) for row in rows)


class Result(SerialisableResult, Mapping):
    """Base of every result: a frozen dataclass (``@dataclass(frozen=True, eq=False)``; equality
    is defined here) serialised by ``to_dict``, readable by its JSON keys (``result["n"]``) and
    by any field name, including fields left out of JSON. Dicts and lists given to a field are
    stored read-only (``frozen``)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict | list):
                object.__setattr__(self, f.name, frozen(value))

    def _find(self, key: str) -> tuple[bool, Any]:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("inline"):
                if key in value:
                    return True, value[key]
            elif f.name == key:
                return not (value is None and f.metadata.get("omit_none")), value
        return False, None

    def __getitem__(self, key: str) -> Any:
        found, value = self._find(key)
        if not found:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        """The keys of ``to_dict()``, in order."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not f.metadata.get("serialise", True):
                continue
            if f.metadata.get("inline"):
                yield from value
            elif not (value is None and f.metadata.get("omit_none")):
                yield f.name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __eq__(self, other: object) -> bool:
        """Equal to a result of its class with equal fields, or to a mapping with its JSON keys
        and equal values (``Count(2, 50.0) == {"n": 2, "pct": 50.0}``)."""
        if type(other) is type(self):
            return all(
                getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(self)
            )
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # holds mappings: not hashable


def _inline() -> Any:
    return field(default_factory=lambda: frozen_map({}), metadata=INLINE)


@dataclass(frozen=True, eq=False)
class Count(Result):
    """Patients ``n`` and their percentage of the denominator (0-100; None without one)."""

    n: int
    pct: float | None


@dataclass(frozen=True, eq=False)
class Rate(Result):
    """A count with its percentage and confidence interval (percent), e.g. ORR."""

    n: int
    pct: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True, eq=False)
class TermCount(Result):
    """Patients with an adverse-event term."""

    term: str
    n: int
    pct: float | None


@dataclass(frozen=True, eq=False)
class Spread(Result):
    """Median, quartiles and range of a continuous variable."""

    median: float | None
    q1: float | None
    q3: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True, eq=False)
class Median(Result):
    """A median alone."""

    median: float | None


@dataclass(frozen=True, eq=False)
class Meta(Result):
    """What the numbers are: protocol, data kind and the statistical options used.

    ``ties`` (Cox models), ``proportion_ci`` (ORR/DCR intervals) and the response windows
    (``confirmation_min_days``, ``stable_disease_min_days``) are recorded for the report's text
    and are not written to ``results.json``.
    """

    protocol: str
    synthetic: bool
    conf_type: str
    conf_level: float
    time_unit: str
    group_variable: str | None
    ties: str = field(default="efron", metadata=NOT_SERIALISED)
    proportion_ci: str = field(default="exact", metadata=NOT_SERIALISED)
    # response windows (protocol response.*), for the report's text; None = the defaults
    confirmation_min_days: int | None = field(default=None, metadata=NOT_SERIALISED)
    stable_disease_min_days: int | None = field(default=None, metadata=NOT_SERIALISED)


@dataclass(frozen=True, eq=False)
class CohortResults(Result):
    """Size and key baseline characteristics of the cohort."""

    n: int
    extrahepatic_metastasis: Count
    pvtt: Count
    male: Count
    age: Median


@dataclass(frozen=True, eq=False)
class TreatmentSequence(Result):
    """Order of radiotherapy and ICI: concurrent, sequential (RT first + ICI first)."""

    concurrent: Count
    sequential: Count
    rt_first: Count
    ici_first: Count


@dataclass(frozen=True, eq=False)
class TreatmentResults(Result):
    """Radiotherapy dose (physical, EQD2, BED; Gy) and the RT-ICI sequence."""

    rt_total_dose_gy: Spread
    rt_eqd2_gy: Spread
    rt_bed_gy: Spread
    sequence: TreatmentSequence


@dataclass(frozen=True, eq=False)
class ResponseResults(Result):
    """Best overall response under the primary criteria.

    ``categories`` holds one entry per response category (``cr``, ``pr``, ...; a ``Count``)
    and ``orr``/``dcr`` (a ``Rate``), written at the top level of ``results["response"]``.
    ``by_criteria``, ``abscopal`` and ``duration`` are records of
    ``oncorwe.analysis.lesion_response``; ``best_response_source`` (``note``, ``text``) says
    that the best responses were recorded by the source, not derived (absent otherwise).
    """

    criteria: str
    confirmed: bool
    denominator: str
    categories: Mapping[str, Count | Rate] = _inline()
    by_criteria: tuple[Record, ...] = ()
    abscopal: Record | None = None
    duration: tuple[Record, ...] = ()
    best_response_source: Record | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass(frozen=True, eq=False)
class Landmark(Result):
    """Kaplan-Meier survival at a landmark time (months) with CI and the number at risk."""

    months: float
    surv: float | None
    lower: float | None
    upper: float | None
    n_risk: int


@dataclass(frozen=True, eq=False)
class EndpointSurvival(Result):
    """Kaplan-Meier summary of one endpoint: median (months) with CI, and landmarks."""

    n: int
    events: int
    median_months: float | None
    ci_lower: float | None
    ci_upper: float | None
    landmarks: tuple[Landmark, ...]
    label: str = field(default="", metadata=NOT_SERIALISED)


@dataclass(frozen=True, eq=False)
class FollowUp(Result):
    """Median follow-up (months) with CI and the method that estimated it."""

    method: str
    median_months: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True, eq=False)
class SurvivalResults(Result):
    """Each summarised endpoint by key (``os``, ``pfs``, ...; written at the top level of
    ``results["survival"]``) and the follow-up."""

    endpoints: Mapping[str, EndpointSurvival] = field(metadata=INLINE)
    follow_up: FollowUp = field(default_factory=lambda: FollowUp("", None, None, None))


@dataclass(frozen=True, eq=False)
class LocalControlResults(Result):
    """In-field recurrence and the site of first failure (``first_failure`` by pattern)."""

    in_field_recurrence: Count
    first_failure: Mapping[str, Count] = field(default_factory=lambda: frozen_map({}))


@dataclass(frozen=True, eq=False)
class LiverCount(Result):
    """Patients with a liver-toxicity outcome among those evaluable for it."""

    n: int
    denominator: int


@dataclass(frozen=True, eq=False)
class SafetyResults(Result):
    """Adverse events (treatment-emergent, CTCAE): patients by worst grade and the most
    common terms (absent from JSON when no adverse event was recorded); RILD in ``liver``;
    ``undated_events``: the note when events without onset date were counted (as the protocol's
    ``safety.undated_ae_recorded_in_window`` states; absent otherwise)."""

    ctcae_version: str
    any_grade_any: Count
    grade3plus_any: Count
    grade5_any: Count
    most_common_any_grade: TermCount | None = field(default=None, metadata=OMIT_IF_NONE)
    most_common_grade3plus: TermCount | None = field(default=None, metadata=OMIT_IF_NONE)
    liver: Mapping[str, LiverCount] = field(default_factory=lambda: frozen_map({}))
    undated_events: str | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass(frozen=True, eq=False)
class DataQuality(Result):
    """Rows read, accepted and quarantined per table, and the number of findings."""

    reconciliation: tuple[Record, ...]
    findings: int


@dataclass(frozen=True, eq=False)
class StudyResults(Result):
    """Every headline number of a study (``results.json``), by section."""

    meta: Meta
    cohort: CohortResults
    treatment: TreatmentResults
    response: ResponseResults
    survival: SurvivalResults
    local_control: LocalControlResults
    safety: SafetyResults
    ae_term_findings: tuple[Record, ...] = ()
    attrition: tuple[Record, ...] = ()
    data_quality: DataQuality | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class StudyOutputs:
    """Everything the report needs, computed before rendering starts.

    Attributes
    ----------
    results : the headline numbers (``StudyResults``; a nested dict of the same shape is
        accepted by the report, as read from ``results.json``).
    tables : tidy tables by name. Always present: ``baseline`` (Table 1), ``treatment``,
        ``attrition``, ``response``, ``survival`` (medians and landmarks), ``adverse_events``.
    curves : Kaplan-Meier fits by endpoint key (those with a KM figure: ``"os"``, ``"pfs"``),
        each with ``.table``, ``.at(times)``, ``.median`` and ``.quantile(p)``.
    methods : list of (setting, value, note) rows: every protocol default and statistical
        option, written into the report's methods section.
    provenance : input file hashes, protocol name, oncorwe and dependency versions.
    synthetic : True when the data are synthetic (the demo twin); every output says so.
    min_cell : shareable output (protocol privacy.shareable): counts 1..min_cell-1 are shown as
        "<min_cell" wherever the report draws a count itself (numbers at risk); None = exact.
    endpoints : the time-to-event endpoint declarations analysed (their labels name the
        endpoints in tables and figures).
    """

    results: StudyResults | Mapping[str, Any]
    tables: dict[str, pd.DataFrame]
    curves: dict[str, Any]
    methods: list[tuple[str, str, str]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    title: str = "Real-world outcome study"
    min_cell: int | None = None
    endpoints: tuple[Endpoint, ...] = ENDPOINTS
