"""Design matrices for regression models: numeric columns as they are, categorical columns as
treatment (dummy) contrasts against a reference level, named as R names them (``sexF`` ...).

References
----------
Higham NJ. Accuracy and Stability of Numerical Algorithms, 2nd ed. SIAM 2002 (rounding errors
of inner products, section 3.1-3.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import as_float_array


@dataclass(frozen=True, eq=False)
class Design:
    """A checked model matrix: ``matrix`` (n x p), ``terms`` (column names), ``references``
    (categorical column -> reference level)."""

    matrix: np.ndarray
    terms: tuple[str, ...]
    references: dict[str, Any]


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _dummies(name: str, series: pd.Series, reference: Any) -> tuple[np.ndarray, list[str], Any]:
    """Treatment contrasts: one 0/1 column per non-reference level (levels sorted)."""
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise StatsInputError(f"{name}: {int(missing.sum())} missing value(s) (first at row {row})")
    # each value hashed once; a level's column compares integer codes, not the values
    codes, distinct = pd.factorize(series)
    distinct = distinct.tolist()
    levels = sorted(distinct, key=str)
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise StatsInputError(f"{name}: reference level {reference!r} is not among {levels}")
    if len(levels) < 2:
        raise StatsInputError(f"{name}: only one level ({levels[0]!r}); it cannot be a covariate")
    kept = [level for level in levels if level != reference]
    position = {id(level): i for i, level in enumerate(distinct)}
    matrix = np.column_stack([(codes == position[id(level)]).astype(float) for level in kept])
    return matrix, [f"{name}{level}" for level in kept], reference


def build_design(
    data: pd.DataFrame, covariates: list[str], reference: dict[str, Any] | None = None
) -> Design:
    """Model matrix of ``covariates`` from ``data`` with R-style dummy coding and term names.

    Raises :class:`StatsInputError` for a missing column, missing values, a constant column or a
    design whose columns are linearly dependent (naming the dependent terms).
    """
    reference = dict(reference or {})
    absent = [c for c in covariates if c not in data.columns]
    if absent:
        raise StatsInputError(f"covariates not in the data: {absent}")
    if not covariates:
        raise StatsInputError("covariates: at least one covariate is needed")
    blocks, terms, references = [], [], {}
    for name in covariates:
        series = data[name]
        if _is_categorical(series):
            # text stays as stored (no Python string per row); other values as objects
            values = series if isinstance(series.dtype, pd.StringDtype) else series.astype(object)
            matrix, names, level = _dummies(name, values, reference.get(name))
            references[name] = level
        else:
            matrix, names = as_float_array(name, series)[:, None], [name]
        blocks.append(matrix)
        terms.extend(names)
    design = np.column_stack(blocks)
    _check_rank(design, terms)
    return Design(design, tuple(terms), references)


# Full column rank is certain without an SVD of the n x p design when the smallest eigenvalue of
# the centred cross-product exceeds this fraction of the largest: forming the cross-product moves
# its eigenvalues by at most about n p eps times the largest (Higham 2002, section 3.5), far
# less than this margin, and matrix_rank's threshold on the squared singular values is smaller
# still ((n eps)^2 of the largest); near-dependent designs get the SVD as before
WELL_CONDITIONED = 1e-6


def _clearly_full_rank(centred: np.ndarray) -> bool:
    n, p = centred.shape
    if n * p * np.finfo(float).eps > WELL_CONDITIONED / 100:
        return False
    eigenvalues = np.linalg.eigvalsh(centred.T @ centred)
    return bool(eigenvalues[0] > WELL_CONDITIONED * eigenvalues[-1])


def _check_rank(design: np.ndarray, terms: list[str]) -> None:
    """Raise when a column is constant or the centred columns are linearly dependent."""
    centred = design - design.mean(axis=0)
    constant = np.flatnonzero(np.all(centred == 0, axis=0))
    if constant.size:
        raise StatsInputError(f"covariate {terms[constant[0]]!r} is constant; remove it")
    if _clearly_full_rank(centred):
        return
    rank = np.linalg.matrix_rank(centred)
    if rank < design.shape[1]:
        # find the first column that adds nothing to the ones before it
        for j in range(1, design.shape[1] + 1):
            if np.linalg.matrix_rank(centred[:, :j]) < j:
                raise StatsInputError(
                    f"collinear covariates: {terms[j - 1]!r} is a linear combination of "
                    f"{list(terms[: j - 1])}; remove one of them"
                )
