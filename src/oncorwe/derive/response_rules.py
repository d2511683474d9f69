"""Response rules as declarations: what each best-overall-response category needs, per criteria.

A :class:`ResponseEvent` is one BOR category and the time-point responses that give it (the model
is pharmaverse admiralonco's ``event()`` objects, read by ``derive_extreme_event``). Its
``precedence`` field ranks the categories: each assessment takes the qualifying event with the
lowest precedence, and so does each patient over their assessments. A :class:`ResponseCriteria`
gathers the events of one standard (RECIST 1.1, mRECIST, iRECIST) with its time-point values,
the order used to keep one response per date and the equivalence with the RECIST 1.1 words
(used to confirm responses and to count iRECIST categories in RECIST columns). The generic
:func:`oncorwe.derive.best_response.best_overall_response` reads these declarations; it holds no
criteria-specific rule.

The rules are summarised, with their sources, in ``docs/references/recist.md``,
``docs/references/mrecist.md`` and ``docs/references/irecist.md``.

References
----------
.. [1] Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45:228-247, sections 4.4-4.5 and Table 3
   (docs/references/recist.md).
.. [2] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
   Semin Liver Dis 2010;30:52-60 (docs/references/mrecist.md).
.. [3] Seymour L et al. iRECIST: guidelines for response criteria for use in trials testing
   immunotherapeutics. Lancet Oncol 2017;18:e143-e152, Tables 2-3 (docs/references/irecist.md).
.. [4] pharmaverse admiralonco: ``event()``, ``derive_extreme_event``, ``aval_resp()`` (CR = 1
   ... MISSING = 7), vignettes adrs_basic.Rmd (ref_confirm = 28, ref_start_window = 42,
   max_nr_ne = 1) and irecist.Rmd (IBOR / ICBOR events).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oncorwe.errors import InputError
from oncorwe.io.schema import RESPONSE_WORDS
from oncorwe.protocol.model import Response as ProtocolResponse

__all__ = [
    "CONFIRM_CR",
    "CONFIRM_PR",
    "IRECIST",
    "IRECIST_CONFIRM_MIN_DAYS",
    "MAX_NR_NE",
    "MISSING",
    "MRECIST",
    "RECIST11",
    "REF_CONFIRM_DAYS",
    "REF_START_WINDOW_DAYS",
    "TIME_POINT_RULES",
    "Confirmation",
    "ResponseCriteria",
    "ResponseEvent",
    "TimePointRule",
    "response_criteria",
]

# Windows. Each is the default of a protocol setting (oncorwe.protocol.model.Response), declared
# there once; these names let derivations and tests refer to the cited rule.
# CR/PR confirmation: a repeat assessment at least 4 weeks (28 days) later, with no +1 applied
# (RECIST 1.1 section 4.5 [1]; admiralonco ref_confirm = 28 [4]).
REF_CONFIRM_DAYS: int = ProtocolResponse.confirmation_min_days
# Minimum interval for SD (and NON-CR/NON-PD): RECIST 1.1 section 4.4 leaves it to the protocol,
# "in general not less than 6-8 weeks" [1]; admiralonco's standard example uses 42 days [4].
REF_START_WINDOW_DAYS: int = ProtocolResponse.stable_disease_min_days
# At most this many NE assessments between a response and its confirmation (admiralonco
# max_nr_ne default [4]).
MAX_NR_NE = 1
# iRECIST: an iUPD is confirmed (iCPD) only at an assessment at least 4 weeks after it; the
# confirmation is due 4-8 weeks after iUPD [3]. A time-point rule, distinct from REF_CONFIRM_DAYS.
IRECIST_CONFIRM_MIN_DAYS = 28
# The category of a patient without any usable assessment (admiralonco aval_resp() MISSING = 7).
MISSING = "MISSING"


@dataclass(frozen=True)
class Confirmation:
    """What confirms a CR or PR, in RECIST 1.1 words (RECIST 1.1 section 4.5 and Table 3 [1]).

    A ``response`` at day d is confirmed by the first later assessment in ``confirmed_by`` on or
    after day d + the confirmation window, when every assessment up to it is in
    ``allowed_between`` (at most ``max_nr_ne`` NE, at most one SD with ``accept_sd``, no PR after
    a CR; admiralonco ``filter_confirmation`` [4]).
    """

    response: str
    confirmed_by: tuple[str, ...]
    allowed_between: tuple[str, ...]


CONFIRM_CR = Confirmation("CR", ("CR",), ("CR", "NE"))
CONFIRM_PR = Confirmation("PR", ("CR", "PR"), ("CR", "PR", "SD", "NE"))


@dataclass(frozen=True)
class ResponseEvent:
    """One best-overall-response category and the time-point responses that give it.

    Attributes
    ----------
    category : the BOR value given (``CR``, ``iCPD``, ...).
    precedence : rank, 1 = best. An assessment takes the qualifying event with the lowest
        precedence; a patient takes the lowest over their assessments (earliest date on ties).
    description : what the event means, in words.
    responses : time-point responses (in the criteria's words) that qualify.
    confirmation : when the BOR is confirmed, the response must also be confirmed by this rule
        (None: no confirmation needed).
    after_sd_window : counts only on or after origin + the SD window (RECIST 1.1 section 4.4).
    dated_at_first : date the event at the first assessment with this response in the
        uninterrupted run of ``run_of`` responses that ends at it (iRECIST: iCPD is dated at the
        first iUPD it confirms); None: the assessment date.
    run_of : responses that keep such a run going.
    responder : counted in the objective response rate (ORR).
    disease_control : counted in the disease control rate (DCR).
    """

    category: str
    precedence: int
    description: str
    responses: tuple[str, ...]
    confirmation: Confirmation | None = None
    after_sd_window: bool = False
    dated_at_first: str | None = None
    run_of: tuple[str, ...] = ()
    responder: bool = False
    disease_control: bool = False


@dataclass(frozen=True)
class ResponseCriteria:
    """The response rules of one standard, as data.

    Attributes
    ----------
    name : criteria as recorded in ``tumor_assessments.criteria``.
    values : time-point responses accepted (in this order in messages).
    worst_first : order used to keep one response per patient and date (the worst).
    events : the BOR categories; one of them (NE) must accept any value without condition, so
        that every assessment gets a category.
    last_counted : assessments after the first one with this response are ignored (the PD
        itself counts; admiralonco ANL02FL).
    recist_words : each value's RECIST 1.1 equivalent (confirmation is evaluated on these).
    reference : the summary of the standard in this repository, with its citation.
    """

    name: str
    values: tuple[str, ...]
    worst_first: tuple[str, ...]
    events: tuple[ResponseEvent, ...]
    last_counted: str
    recist_words: dict[str, str] = field(default_factory=dict)
    reference: str = ""

    def __post_init__(self) -> None:
        ranks = [e.precedence for e in self.events]
        if len(set(ranks)) != len(ranks):
            raise InputError(f"response criteria {self.name}: two events share a precedence")
        if not any(self._is_catch_all(e) for e in self.events):
            raise InputError(
                f"response criteria {self.name}: one event must accept any value without "
                "condition, so that every assessment gets a category"
            )

    def _is_catch_all(self, event: ResponseEvent) -> bool:
        plain = event.confirmation is None and not event.after_sd_window
        return plain and set(event.responses) >= set(self.values)

    @property
    def catch_all(self) -> ResponseEvent:
        """The event that accepts any value without condition (NE), best first if several."""
        return next(e for e in self.events_by_precedence if self._is_catch_all(e))

    @property
    def events_by_precedence(self) -> tuple[ResponseEvent, ...]:
        """Events, best first."""
        return tuple(sorted(self.events, key=lambda e: e.precedence))

    @property
    def order(self) -> tuple[str, ...]:
        """BOR categories best first, then MISSING (the response order of tables and ranks)."""
        return (*(e.category for e in self.events_by_precedence), MISSING)

    @property
    def rank(self) -> dict[str, int]:
        """Category -> rank, 1 = best (admiralonco ``aval_resp()``: CR = 1 ... MISSING = 7)."""
        return {category: rank for rank, category in enumerate(self.order, start=1)}

    @property
    def responder(self) -> tuple[str, ...]:
        """Categories counted in ORR."""
        return tuple(e.category for e in self.events_by_precedence if e.responder)

    @property
    def disease_control(self) -> tuple[str, ...]:
        """Categories counted in DCR."""
        return tuple(e.category for e in self.events_by_precedence if e.disease_control)

    @property
    def from_recist(self) -> dict[str, str]:
        """RECIST 1.1 word -> the first value of this criteria with that equivalent."""
        out: dict[str, str] = {}
        for value in self.values:
            out.setdefault(self.recist_words.get(value, value), value)
        return out


def _events(
    cr: str, pr: str, sd: str, non_cr_non_pd: str, progression: tuple[ResponseEvent, ...]
) -> tuple[ResponseEvent, ...]:
    """The events shared by RECIST 1.1, mRECIST and iRECIST (in each one's words), around the
    criteria's progression events (precedence 5, 6, ...); NE comes last and takes any value."""
    values = (cr, pr, sd, non_cr_non_pd, *(e.category for e in progression), "NE")
    return (
        ResponseEvent(
            category=cr,
            precedence=1,
            description="complete response (confirmed when confirmation is required)",
            responses=(cr,),
            confirmation=CONFIRM_CR,
            responder=True,
            disease_control=True,
        ),
        ResponseEvent(
            category=pr,
            precedence=2,
            description="partial response (confirmed when confirmation is required)",
            responses=(pr,),
            confirmation=CONFIRM_PR,
            responder=True,
            disease_control=True,
        ),
        ResponseEvent(
            category=sd,
            precedence=3,
            description="stable disease, or an unconfirmed response, at or after the SD window",
            responses=(cr, pr, sd),
            after_sd_window=True,
            disease_control=True,
        ),
        ResponseEvent(
            category=non_cr_non_pd,
            precedence=4,
            description="non-target disease only, neither CR nor PD, at or after the SD window",
            responses=(non_cr_non_pd,),
            after_sd_window=True,
            disease_control=True,
        ),
        *progression,
        ResponseEvent(
            category="NE",
            precedence=5 + len(progression),
            description="not evaluable: any other assessment (e.g. SD before the SD window)",
            responses=values,
        ),
    )


# the RECIST 1.1 words, as the input contract records them
_RECIST_VALUES = RESPONSE_WORDS
_RECIST_EVENTS = _events(
    "CR",
    "PR",
    "SD",
    "NON-CR/NON-PD",
    (ResponseEvent(category="PD", precedence=5, description="progression", responses=("PD",)),),
)

RECIST11 = ResponseCriteria(
    name="RECIST1.1",
    values=_RECIST_VALUES,
    # PD worst, NE least bad: an evaluable response wins over NE on the same day (admiralonco
    # worst_resp() [4])
    worst_first=("PD", "NON-CR/NON-PD", "SD", "PR", "CR", "NE"),
    events=_RECIST_EVENTS,
    last_counted="PD",
    reference="docs/references/recist.md (Eisenhauer 2009, sections 4.4-4.5, Table 3)",
)
# mRECIST keeps the RECIST 1.1 categories and best-response rules; it changes what is measured
# (viable tumour) and the time-point rules (oncorwe.derive.recist) [2].
MRECIST = ResponseCriteria(
    name="mRECIST",
    values=_RECIST_VALUES,
    worst_first=RECIST11.worst_first,
    events=_RECIST_EVENTS,
    last_counted="PD",
    reference="docs/references/mrecist.md (Lencioni & Llovet 2010)",
)

_ICPD = "iCPD"
IRECIST = ResponseCriteria(
    name="iRECIST",
    values=("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", _ICPD, "NE"),
    # admiralonco iRECIST ANL01FL order [4]
    worst_first=(_ICPD, "iUPD", "NON-iCR/NON-iUPD", "iSD", "iPR", "iCR", "NE"),
    # a confirmed progression outranks an unconfirmed one, which outranks NE (Seymour 2017
    # Table 3 [3]; admiralonco IBOR event order [4])
    events=_events(
        "iCR",
        "iPR",
        "iSD",
        "NON-iCR/NON-iUPD",
        (
            ResponseEvent(
                category=_ICPD,
                precedence=5,
                description="confirmed progression, dated at the first iUPD that it confirms",
                responses=(_ICPD,),
                dated_at_first="iUPD",
                run_of=("iUPD", "NE", _ICPD),
            ),
            ResponseEvent(
                category="iUPD",
                precedence=6,
                description="unconfirmed progression, never confirmed",
                responses=("iUPD",),
            ),
        ),
    ),
    last_counted=_ICPD,
    # iUPD and iCPD are PD: neither may lie between a response and its confirmation
    recist_words={
        "iCR": "CR",
        "iPR": "PR",
        "iSD": "SD",
        "NON-iCR/NON-iUPD": "NON-CR/NON-PD",
        "iUPD": "PD",
        _ICPD: "PD",
        "NE": "NE",
    },
    reference="docs/references/irecist.md (Seymour 2017, Tables 2-3)",
)

_CRITERIA = {c.name: c for c in (RECIST11, MRECIST, IRECIST)}


@dataclass(frozen=True)
class TimePointRule:
    """One row of RECIST 1.1 Tables 1-2: the overall time-point response of the target,
    non-target and new-lesion categories (RECIST 1.1 section 4.3.4 [1]).

    Attributes
    ----------
    precedence : rank, 1 = applied first; a time point takes its first matching rule.
    description : the row in words.
    target, non_target, new_lesions : categories that match (empty: any). ``NONE`` means no
        lesion of that class at baseline.
    response : the overall response given, or ``"target"`` / ``"non_target"`` for that
        category itself (Table 2: non-target disease only).
    """

    precedence: int
    description: str
    response: str
    target: tuple[str, ...] = ()
    non_target: tuple[str, ...] = ()
    new_lesions: tuple[str, ...] = ()


# RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only) [1]; mRECIST and
# iRECIST (before its iUPD / iCPD rules) use the same table [2, 3]. A time point matching no
# rule takes its target category (PR or SD with non-PD or not all evaluated non-targets).
TIME_POINT_RULES = (
    TimePointRule(1, "target disease progressed", "PD", target=("PD",)),
    TimePointRule(2, "non-target disease progressed", "PD", non_target=("PD",)),
    TimePointRule(3, "an unequivocal new lesion", "PD", new_lesions=("Y",)),
    TimePointRule(
        4, "no disease at baseline: not evaluable", "NE", target=("NONE",), non_target=("NONE",)
    ),
    TimePointRule(5, "non-target disease only (Table 2)", "non_target", target=("NONE",)),
    TimePointRule(
        6, "complete response of all disease", "CR", target=("CR",), non_target=("CR", "NONE")
    ),
    TimePointRule(
        7, "target CR, non-target neither CR nor PD, or not evaluated", "PR", target=("CR",)
    ),  # fmt: skip
    TimePointRule(8, "target disease not evaluated", "NE", target=("NE",)),
    TimePointRule(9, "otherwise: the target category", "target"),
)


def response_criteria(name: str) -> ResponseCriteria:
    """The declared rules of one criteria (``RECIST1.1``, ``mRECIST`` or ``iRECIST``)."""
    try:
        return _CRITERIA[name]
    except KeyError:
        raise InputError(
            f"response criteria {name!r} is not one of {', '.join(_CRITERIA)}"
        ) from None
