"""What a fitted Cox model keeps of its data, so that concordance, survival curves and the
proportional-hazards test can be computed after the fit (as R keeps ``y``, ``x`` and the strata).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import as_float_array
from oncorwe.stats._cox_likelihood import RiskSets


@dataclass(frozen=True, eq=False)
class CoxFitData:
    """Arrays of a Cox fit (one row per data row, in the order handed in).

    Attributes
    ----------
    risk_sets : the risk-set index (holds the centred design ``risk_sets.x``).
    beta : fitted coefficients. means : covariate means used for centring (R's ``fit$means``).
    time, event, entry (or None), weights (ones when unweighted), stratum (codes 0..k-1),
    cluster (codes or None), strata_levels, strata_column.
    term_columns : for each term, ``(column, level)``; ``level`` is None for a numeric column.
    references : categorical column -> reference level.
    """

    risk_sets: RiskSets
    beta: np.ndarray
    means: np.ndarray
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    weights: np.ndarray
    stratum: np.ndarray
    cluster: np.ndarray | None
    strata_levels: tuple
    strata_column: str | None
    term_columns: tuple[tuple[str, Any], ...]
    references: dict

    @property
    def linear_predictor(self) -> np.ndarray:
        """Centred linear predictor ``(x - means) beta``, R's ``fit$linear.predictors``."""
        return self.risk_sets.x @ self.beta


def term_columns(data: pd.DataFrame, covariates: list[str], terms: tuple[str, ...],
                 references: dict[str, Any]) -> tuple[tuple[str, Any], ...]:  # fmt: skip
    """Map each design term back to its column and (for a categorical column) its level."""
    out = []
    for name in covariates:
        if name not in references:
            out.append((name, None))
            continue
        levels = sorted(data[name].astype(object).unique().tolist(), key=str)
        out.extend((name, level) for level in levels if level != references[name])
    if len(out) != len(terms):  # the design and this map disagree: a programming error
        raise RuntimeError("term map does not match the design")
    return tuple(out)


def new_design(fit: CoxFitData, newdata: pd.DataFrame) -> np.ndarray:
    """Centred design rows (k x p) of ``newdata`` with the fit's dummy coding."""
    if not isinstance(newdata, pd.DataFrame) or len(newdata) == 0:
        raise StatsInputError("newdata: a non-empty pandas DataFrame is needed")
    absent = sorted({c for c, _ in fit.term_columns if c not in newdata})
    if absent:
        raise StatsInputError(f"newdata: covariate columns missing: {absent}")
    columns = []
    for name, level in fit.term_columns:
        if level is None:
            columns.append(as_float_array(f"newdata[{name!r}]", newdata[name]))
        else:
            values = newdata[name].astype(object).to_numpy()
            known = {lvl for col, lvl in fit.term_columns if col == name} | {fit.references[name]}
            unknown = [v for v in values if v not in known]
            if unknown:
                raise StatsInputError(
                    f"newdata[{name!r}]: level {unknown[0]!r} was not in the fitted data "
                    f"(levels: {sorted(known, key=str)})"
                )
            columns.append((values == level).astype(float))
    return np.column_stack(columns) - fit.means
