"""Objective response rate (ORR) and disease control rate (DCR) from best overall responses.

The categories counted are declared with the criteria (:mod:`oncorwe.derive.response_rules`,
``responder`` and ``disease_control``); the intervals are exact.

References
----------
.. [1] FDA. Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics (2018): ORR
   is the sum of partial and complete responses.
.. [2] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (exact CI,
   :func:`oncorwe.stats.binomial_ci`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from oncorwe.derive.response_rules import MISSING, RECIST11, ResponseCriteria, response_criteria
from oncorwe.errors import InputError
from oncorwe.stats.binomial import binomial_ci

__all__ = ["DENOMINATORS", "ResponseRates", "response_rates"]

# Denominators for ORR / DCR (always state the denominator; docs/references/recist.md).
DENOMINATORS = ("all", "evaluable", "measurable")


@dataclass(frozen=True)
class ResponseRates:
    """ORR and DCR with their denominator, counts per BOR category and exact CIs.

    ``orr_ci`` / ``dcr_ci`` are Clopper-Pearson intervals at ``conf_level`` (NaN when n = 0).
    """

    denominator: str
    confirmed: bool | None
    n: int
    counts: dict[str, int]
    orr_n: int
    orr: float
    orr_ci: tuple[float, float]
    dcr_n: int
    dcr: float
    dcr_ci: tuple[float, float]
    conf_level: float

    def to_dict(self) -> dict:
        """JSON-serialisable dict of every field."""
        return asdict(self)


def response_rates(
    bor: pd.DataFrame,
    denominator: str = "all",
    measurable_column: str = "measurable_at_baseline",
    conf_level: float = 0.95,
    criteria: str | ResponseCriteria = RECIST11.name,
) -> ResponseRates:
    """Objective response rate and disease control rate with exact (Clopper-Pearson) CIs.

    ORR counts the categories declared ``responder`` (CR + PR), DCR those declared
    ``disease_control`` (CR + PR + SD + NON-CR/NON-PD, admiralonco's clinical benefit).

    Parameters
    ----------
    bor : DataFrame
        Output of :func:`best_overall_response` (``patient_id, bor``, optionally ``confirmed``
        and ``measurable_column``).
    denominator : {"all", "evaluable", "measurable"}
        ``all``: every patient of ``bor`` (MISSING and NE included as non-responders);
        ``evaluable``: patients whose BOR is neither NE nor MISSING; ``measurable``: patients
        with ``measurable_column`` true (measurable disease at baseline, admiralonco MDIS).
    measurable_column : str
        Boolean column used by ``denominator="measurable"``.
    conf_level : float
        Level of the exact Clopper-Pearson intervals.
    criteria : str or ResponseCriteria
        The criteria whose categories ``bor`` holds.

    References
    ----------
    FDA endpoints guidance (2018); admiralonco ``CB`` / ``CCB``; Clopper & Pearson 1934
    (:func:`oncorwe.stats.binomial_ci`, equal to R ``binom.test``).
    """
    rules = criteria if isinstance(criteria, ResponseCriteria) else response_criteria(criteria)
    if denominator not in DENOMINATORS:
        raise InputError(f"denominator must be one of {DENOMINATORS}, got {denominator!r}")
    if "bor" not in bor.columns:
        raise InputError("response_rates: bor needs a 'bor' column (best_overall_response)")
    unknown = ~bor["bor"].isin(rules.order)
    if unknown.any():
        raise InputError(f"column bor: value {bor['bor'][unknown].iloc[0]!r} is not a BOR category")
    if denominator == "evaluable":
        bor = bor[~bor["bor"].isin(("NE", MISSING))]
    elif denominator == "measurable":
        if measurable_column not in bor.columns:
            raise InputError(f"denominator 'measurable' needs column {measurable_column}")
        bor = bor[bor[measurable_column].fillna(False).astype(bool)]
    counts = bor["bor"].value_counts()
    n = int(len(bor))
    orr_n = int(bor["bor"].isin(rules.responder).sum())
    dcr_n = int(bor["bor"].isin(rules.disease_control).sum())
    orr = binomial_ci(orr_n, n, conf_level=conf_level, when_empty="nan")
    dcr = binomial_ci(dcr_n, n, conf_level=conf_level, when_empty="nan")
    confirmed = None
    if "confirmed" in bor.columns and bor["confirmed"].nunique() == 1:
        confirmed = bool(bor["confirmed"].iloc[0])
    return ResponseRates(
        denominator=denominator,
        confirmed=confirmed,
        n=n,
        counts={k: int(counts.get(k, 0)) for k in rules.order},
        orr_n=orr_n,
        orr=orr.estimate,
        orr_ci=(orr.lower, orr.upper),
        dcr_n=dcr_n,
        dcr=dcr.estimate,
        dcr_ci=(dcr.lower, dcr.upper),
        conf_level=conf_level,
    )
