"""Survival by subgroup and Cox models: the tables behind the forest plots.

For each subgroup variable of the protocol and each endpoint: patients, events, Kaplan-Meier
median with CI and landmark rates per level, the log-rank test across levels (R ``survdiff``),
and the univariable Cox hazard ratio of each level against the reference (first) level (R
``coxph``, Efron ties). The multivariable model holds the protocol's covariates together
(complete cases; the number used is in every row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.errors import OncorweError
from oncorwe.protocol import Protocol
from oncorwe.stats import cox_ph, kaplan_meier, logrank

# How a subgroup variable is named and which level is the reference (first).
VARIABLE_LABELS = {
    "sequence": ("RT and ICI sequence", ("concurrent", "rt_first", "ici_first")),
    "pvtt_present": ("Portal vein tumour thrombosis", (False, True)),
    "extrahepatic_metastasis": ("Extrahepatic metastasis", (False, True)),
    "afp_over_400": ("AFP > 400 ng/mL", (False, True)),
    "rt_sbrt": ("SBRT", (False, True)),
    "hbv": ("HBV infection", (False, True)),
    "targeted_therapy": ("With TKI or anti-VEGF", (False, True)),
    "sex": ("Sex", ("M", "F")),
}
LEVEL_LABELS = {
    True: "Yes",
    False: "No",
    "concurrent": "Concurrent",
    "rt_first": "Sequential, RT first",
    "ici_first": "Sequential, ICI first",
    "M": "Male",
    "F": "Female",
}

# Ties in every Cox model (R coxph's default), recorded in the results' meta for the report
COX_TIES = "efron"

SUBGROUP_COLUMNS = [
    "endpoint", "variable", "label", "level", "n", "events", "median_months", "ci_lower",
    "ci_upper", "hr", "hr_lower", "hr_upper", "p_logrank", "note",
]  # fmt: skip
COX_COLUMNS = [
    "model", "endpoint", "term", "label", "n", "events", "hr", "hr_lower", "hr_upper", "p", "note",
]  # fmt: skip


def group_levels(values: pd.Series, variable: str) -> list:
    """Levels of ``variable`` present in ``values``: the report's order (reference first), then
    the others sorted."""
    present = list(pd.unique(values.dropna()))
    preferred = VARIABLE_LABELS.get(variable, (variable, ()))[1]
    ordered = [v for v in preferred if v in present]
    return ordered + sorted((v for v in present if v not in ordered), key=str)


def _as_codes(values: pd.Series, levels: list) -> pd.Series:
    """Level index as a string code that sorts in level order ("0" is the reference)."""
    index = {level: f"{i}" for i, level in enumerate(levels)}
    return values.map(index)


def subgroup_survival(
    adsl: pd.DataFrame, protocol: Protocol, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> pd.DataFrame:
    """One row per endpoint (with ``subgroups``) x subgroup variable x level (see module
    docstring)."""
    rows: list[dict] = []
    for endpoint in (e.key for e in endpoints if e.subgroups):
        for variable in protocol.subgroups.variables:
            if variable not in adsl.columns:
                continue
            rows.extend(_one_variable(adsl, endpoint, variable, protocol))
    return pd.DataFrame(rows, columns=SUBGROUP_COLUMNS)


def _one_variable(adsl: pd.DataFrame, endpoint: str, variable: str, protocol: Protocol):
    data = adsl[[f"{endpoint}_months", f"{endpoint}_event", variable]].dropna()
    levels = group_levels(data[variable], variable)
    label = VARIABLE_LABELS.get(variable, (variable, ()))[0]
    time = data[f"{endpoint}_months"].to_numpy(float)
    event = data[f"{endpoint}_event"].to_numpy(int)
    codes = _as_codes(data[variable], levels)
    p_value, note = np.nan, ""
    hrs: dict[str, tuple[float, float, float]] = {}
    if len(levels) >= 2:
        try:
            p_value = logrank(time, event, codes.to_numpy()).p_value
            fit = cox_ph(
                pd.DataFrame({"t": time, "e": event, "g": codes.to_numpy()}), "t", "e", ["g"],
                reference={"g": "0"}, conf_level=protocol.survival.conf_level, ties=COX_TIES,
            )  # fmt: skip
            for term, r in fit.summary.iterrows():
                hrs[str(term).removeprefix("g")] = (r.hr, r.hr_lower, r.hr_upper)
        except OncorweError as exc:
            note = f"not estimable: {exc}"
    out = []
    for i, level in enumerate(levels):
        mask = (codes == f"{i}").to_numpy()
        km = kaplan_meier(
            time[mask], event[mask], conf_type=protocol.survival.conf_type,
            conf_level=protocol.survival.conf_level,
        )  # fmt: skip
        median = km.median
        hr = (1.0, np.nan, np.nan) if i == 0 else hrs.get(f"{i}", (np.nan, np.nan, np.nan))
        out.append(
            dict(
                endpoint=endpoint.upper(),
                variable=variable,
                label=label,
                level=LEVEL_LABELS.get(level, str(level)),
                n=int(mask.sum()),
                events=int(event[mask].sum()),
                median_months=median.estimate,
                ci_lower=median.lower,
                ci_upper=median.upper,
                hr=hr[0],
                hr_lower=hr[1],
                hr_upper=hr[2],
                p_logrank=p_value,
                note=note,
            )  # fmt: skip
        )
    return out


def _design(adsl: pd.DataFrame, covariates: list[str]) -> tuple[pd.DataFrame, dict]:
    """Booleans as 0/1 (term = the column), categoricals as level codes vs the first level."""
    frame = pd.DataFrame(index=adsl.index)
    reference = {}
    for col in covariates:
        values = adsl[col]
        if values.dtype == "boolean" or values.dtype == bool:
            frame[col] = values.astype("Float64")
        elif pd.api.types.is_numeric_dtype(values):
            frame[col] = values.astype("Float64")
        else:
            levels = group_levels(values, col)
            frame[col] = values.astype("string")
            reference[col] = levels[0] if levels else None
    return frame, reference


def cox_tables(
    adsl: pd.DataFrame,
    protocol: Protocol,
    covariates: list[str],
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> pd.DataFrame:
    """Univariable Cox models (one per covariate) and the multivariable model, per endpoint
    with ``cox``."""
    covariates = [c for c in covariates if c in adsl.columns]
    rows: list[dict] = []
    for endpoint in (e.key for e in endpoints if e.cox):
        t, e = f"{endpoint}_months", f"{endpoint}_event"
        models = [("univariable", [c]) for c in covariates]
        if len(covariates) > 1:
            models.append(("multivariable", covariates))
        for model, terms in models:
            design, reference = _design(adsl, terms)
            data = pd.concat([adsl[[t, e]], design], axis=1).dropna()
            try:
                fit = cox_ph(data, t, e, terms, reference=reference,
                             conf_level=protocol.survival.conf_level, ties=COX_TIES)  # fmt: skip
            except OncorweError as exc:  # kept as a row: a model that cannot be fitted says why
                rows.append(
                    dict(
                        model=model,
                        endpoint=endpoint.upper(),
                        term=", ".join(terms),
                        label=", ".join(terms),
                        n=len(data),
                        events=int(data[e].sum()),
                        note=f"not estimable: {exc}",
                    )  # fmt: skip
                )
                continue
            for term, r in fit.summary.iterrows():
                rows.append(
                    dict(
                        model=model,
                        endpoint=endpoint.upper(),
                        term=str(term),
                        label=_term_label(str(term), terms),
                        n=fit.n,
                        events=int(fit.n_events),
                        hr=r.hr,
                        hr_lower=r.hr_lower,
                        hr_upper=r.hr_upper,
                        p=r.p,
                        note="",
                    )  # fmt: skip
                )
    return pd.DataFrame(rows, columns=COX_COLUMNS)


def _term_label(term: str, covariates: list[str]) -> str:
    for col in sorted(covariates, key=len, reverse=True):
        if term.startswith(col):
            label = VARIABLE_LABELS.get(col, (col, ()))[0]
            level = term[len(col) :]
            return f"{label}: {LEVEL_LABELS.get(level, level)}" if level else f"{label} (yes vs no)"
    return term
