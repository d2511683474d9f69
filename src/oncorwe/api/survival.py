"""Kaplan-Meier curves of one endpoint for any subset and grouping of the cohort.

The statistics are ``oncorwe.stats`` (``kaplan_meier``, ``logrank``, ``cox_ph``) with the
protocol's options, exactly as the report's survival and subgroup tables call them: the same
level order and labels (``analysis.subgroups.VARIABLE_LABELS`` / ``LEVEL_LABELS``, reference level
first), the same time unit (months) and confidence intervals. The study API and the explorer both
call :func:`survival_by`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.analysis.subgroups import LEVEL_LABELS, group_levels
from oncorwe.api.results import LANDMARK_COLUMNS, SUMMARY_COLUMNS, SurvivalResult
from oncorwe.api.where import FilterError, apply_where
from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.errors import AnalysisError, OncorweError
from oncorwe.privacy.additivity import column_rule
from oncorwe.privacy.suppression import suppress_table
from oncorwe.protocol import Protocol
from oncorwe.stats import cox_ph, kaplan_meier, logrank

ALL_PATIENTS = "All patients"
MAX_GROUPS = 12
"""A grouping column with more distinct values is continuous: group by a filter instead."""


def find_endpoint(endpoint: str, columns) -> Endpoint:
    """The declared endpoint (``oncorwe.derive.endpoints.ENDPOINTS``) named ``endpoint`` (any
    case) whose ``<key>_months``/``<key>_event`` columns the cohort has; else FilterError."""
    name = str(endpoint).lower()
    for declared in ENDPOINTS:
        if declared.key == name and f"{name}_months" in columns and f"{name}_event" in columns:
            return declared
    known = ", ".join(e.key for e in ENDPOINTS)
    raise FilterError(f"endpoint {endpoint!r} is not a time-to-event endpoint ({known})")


def level_label(level) -> str:
    """``True`` -> ``"Yes"``, ``"rt_first"`` -> ``"Sequential, RT first"`` (report labels)."""
    return LEVEL_LABELS.get(level, str(level))


def _groups(data: pd.DataFrame, by: str | None) -> list[tuple[str, np.ndarray]]:
    if by is None:
        return [(ALL_PATIENTS, np.ones(len(data), dtype=bool))]
    if by not in data.columns:
        raise FilterError(f"by: no column {by!r} in the cohort")
    levels = group_levels(data[by], by)
    if len(levels) > MAX_GROUPS:
        raise FilterError(
            f"by: column {by!r} has {len(levels)} distinct values (at most {MAX_GROUPS}); "
            f'group by a categorical column, or split it with where="{by} >= ..."'
        )
    values = data[by].to_numpy(dtype=object)
    return [(level_label(level), values == level) for level in levels]


def _hazard_ratios(time, event, masks: list[np.ndarray], conf_level: float):
    """Univariable Cox HR of each group against the first (Efron ties), or a note why not."""
    codes = np.full(len(time), "", dtype=object)
    for i, mask in enumerate(masks):
        codes[mask] = f"{i}"
    frame = pd.DataFrame({"t": time, "e": event, "g": codes})
    fit = cox_ph(frame, "t", "e", ["g"], reference={"g": "0"}, conf_level=conf_level)
    out = {0: (1.0, np.nan, np.nan)}
    for term, r in fit.summary.iterrows():
        out[int(str(term).removeprefix("g"))] = (r.hr, r.hr_lower, r.hr_upper)
    return out


def _comparison(time, event, masks, conf_level) -> tuple[float | None, dict, str]:
    if len(masks) < 2:
        return None, {0: (np.nan, np.nan, np.nan)}, ""
    codes = np.zeros(len(time), dtype=int)
    for i, mask in enumerate(masks):
        codes[mask] = i
    try:
        p_value = float(logrank(time, event, codes).p_value)
        return p_value, _hazard_ratios(time, event, masks, conf_level), ""
    except OncorweError as exc:  # e.g. a group without events: the curves are still shown
        return None, {}, f"comparison not estimable: {exc}"


def survival_by(
    cohort: pd.DataFrame,
    protocol: Protocol,
    endpoint: str = "os",
    by: str | None = None,
    where: str | None = None,
    *,
    synthetic: bool = False,
) -> SurvivalResult:
    """Kaplan-Meier curves of ``endpoint`` for the patients matching ``where``, by ``by``.

    Parameters
    ----------
    cohort : one row per patient with ``<endpoint>_months`` and ``<endpoint>_event``
        (the ADSL, :attr:`oncorwe.api.Study.cohort`).
    protocol : CI type and level, landmarks, and privacy (shareable, min_cell).
    endpoint : a declared endpoint's key (``oncorwe.derive.endpoints``: ``"os"``, ``"pfs"``,
        ``"lc"``, ``"ttf"``; any case).
    by : a categorical column of the cohort (at most :data:`MAX_GROUPS` levels), or None.
    where : a filter over the cohort's columns (:mod:`oncorwe.api.where`), or None.
    synthetic : mark figures as synthetic data.

    Returns
    -------
    SurvivalResult

    Raises
    ------
    FilterError
        Unknown endpoint or column, a continuous ``by``, or a filter that cannot be read.
    AnalysisError
        No patient with this endpoint is left after the filter.

    References
    ----------
    Kaplan & Meier 1958; Mantel 1966 (log-rank); Cox 1972, Efron 1977 (ties): see
    :mod:`oncorwe.stats`.
    """
    # step 1: check, filter, drop patients without the endpoint or the grouping value
    declared = find_endpoint(endpoint, cohort.columns)
    name = declared.key
    columns = [f"{name}_months", f"{name}_event"]
    selected = apply_where(cohort, where)
    data = selected.dropna(subset=columns + ([by] if by in selected.columns else []))
    notes = [f"Patients with {where}."] if where else []
    if len(data) < len(selected):  # never a silent drop: the result says how many and why
        without = f"{name}_months" + (f" or {by}" if by else "")
        notes.append(f"{len(selected) - len(data)} patient(s) without {without} left out.")
    if data.empty:
        shown = f" matching {where!r}" if where else ""
        raise AnalysisError(f"{name.upper()}: no patient{shown} has this endpoint")
    time = data[columns[0]].to_numpy(float)
    event = data[columns[1]].to_numpy(int)
    # step 2: one fit per group, with the protocol's options
    s = protocol.survival
    groups = _groups(data, by)
    fits = [
        (label, kaplan_meier(time[m], event[m], conf_type=s.conf_type, conf_level=s.conf_level))
        for label, m in groups
    ]
    # step 3: log-rank and hazard ratios across groups
    p_value, hrs, note = _comparison(time, event, [m for _, m in groups], s.conf_level)
    summary = _summary(fits, hrs)
    landmarks = _landmarks(fits, s.landmark_months)
    # step 4: shareable output hides small counts
    min_cell = protocol.privacy.min_cell if protocol.privacy.shareable else None
    if min_cell is not None:
        # the groups' counts add up to a total printed elsewhere (each count column's rule)
        summary = suppress_table(summary, min_cell, column_rule(summary))
        landmarks = suppress_table(landmarks, min_cell, column_rule(landmarks))
    return SurvivalResult(
        endpoint=name, label=declared.label, by=by, where=where, fits=tuple(fits),
        summary=summary, landmarks=landmarks, logrank_p=p_value, conf_level=s.conf_level,
        note=note, min_cell=min_cell, synthetic=synthetic,
        notes=tuple(notes),
    )  # fmt: skip


def _summary(fits, hrs: dict) -> pd.DataFrame:
    rows = []
    for i, (label, km) in enumerate(fits):
        median = km.median
        hr = hrs.get(i, (np.nan, np.nan, np.nan))
        rows.append(
            dict(
                group=label,
                n=int(km.n),
                events=int(km.n_events),
                median_months=median.estimate,
                ci_lower=median.lower,
                ci_upper=median.upper,
                hr=hr[0],
                hr_lower=hr[1],
                hr_upper=hr[2],
            )  # fmt: skip
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _landmarks(fits, months) -> pd.DataFrame:
    parts = [km.at(list(months), extend=True).assign(group=label) for label, km in fits]
    if not parts:
        return pd.DataFrame(columns=LANDMARK_COLUMNS)
    table = pd.concat(parts, ignore_index=True).rename(columns={"time": "months"})
    return table[LANDMARK_COLUMNS]
