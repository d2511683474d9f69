"""Linear-quadratic dose conversions: biologically effective dose (BED) and EQD2.

Both functions accept scalars, numpy arrays or pandas Series (broadcast together) and return the
same kind: a float for scalar input, a Series (index of the first Series argument) when any
argument is a Series, otherwise an ndarray. Missing values (NaN) propagate; impossible values
(negative dose, fewer than one fraction, alpha/beta <= 0) raise :class:`DoseInputError`.

Given Ibis columns (a derivation written for every engine, ``oncorwe.derive.treatment``), they
return the same formula as an Ibis expression, evaluated where the data are (no checks: the
validator has already refused impossible doses and fractions). The formula is written once
(``_bed``, ``_eqd2``) for both, with the operations in the same order, so an engine computing in
IEEE double precision gives the same value to the last digit.

References
----------
.. [1] Fowler JF. The linear-quadratic formula and progress in fractionated radiotherapy.
   Br J Radiol 1989;62:679-694 (BED = nd(1 + d/(alpha/beta))).
.. [2] Hall EJ, Giaccia AJ. Radiobiology for the Radiologist, 7th ed., ch. 23 (BED, EQD2);
   equations as listed at http://individual.utoronto.ca/dtsang/rbapp_web/equations.html.
.. [3] Joiner MC, van der Kogel AJ. Basic Clinical Radiobiology, 4th ed. (EQD2 = BED/(1+2/ab)).
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.errors import InputError

# Tumour alpha/beta: 10 Gy, the convention for HCC (doses reported as "Gy10"; e.g. Son et al.,
# Oncotarget 2015, PMC4747233, "total dose > 60 Gy10"); docs/references/radiobiology.md.
ALPHA_BETA_TUMOR = 10.0
# Normal liver alpha/beta: 3 Gy, the usual late-responding-tissue convention (Hall & Giaccia;
# Joiner & van der Kogel). Some liver SBRT work uses 2 Gy (PMC4915544: BED2 thresholds ~40 Gy
# cirrhotic / ~70 Gy normal liver) and Son et al. (Radiat Oncol 2013;8:61) estimated ~8 Gy for
# hepatitis-background liver. oncorwe defaults to 3 and always reports the value used; pass
# ALPHA_BETA_LIVER_ALTERNATIVE (2 Gy) to reproduce the BED2 literature.
ALPHA_BETA_LIVER = 3.0
ALPHA_BETA_LIVER_ALTERNATIVE = 2.0
# EQD2 reference dose per fraction (Gy): the "2" in EQD2 (Joiner & van der Kogel).
REFERENCE_DOSE_PER_FRACTION = 2.0


_NAMES = ("total_dose", "fractions", "alpha_beta")


class DoseInputError(InputError, ValueError):
    """A dose, fraction count or alpha/beta cannot be used in the linear-quadratic model."""


def _as_array(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DoseInputError(f"{name}: value {value!r} is not numeric") from exc
    return arr


def _first_bad(name: str, arr: np.ndarray, bad: np.ndarray, rule: str) -> None:
    flat = np.flatnonzero(bad.reshape(-1))
    if flat.size:
        position = int(flat[0])
        value = float(arr.reshape(-1)[position])
        raise DoseInputError(
            f"table radiotherapy, row {position}, column {name}: value {value!r} violates rule "
            f"'{rule}'; correct the record or exclude the course"
        )


def _check(total_dose: Any, fractions: Any, alpha_beta: Any):
    values = (total_dose, fractions, alpha_beta)
    arrays = [_as_array(name, v) for name, v in zip(_NAMES, values, strict=True)]
    try:
        dose, n, ab = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        message = f"total_dose, fractions and alpha_beta do not broadcast: {exc}"
        raise DoseInputError(message) from exc
    with np.errstate(invalid="ignore"):
        _first_bad("total_dose_gy", dose, dose < 0, "total dose >= 0 Gy")
        _first_bad("fractions", n, n < 1, "fractions >= 1")
        _first_bad("alpha_beta", ab, ab <= 0, "alpha/beta > 0 Gy")
    return dose, n, ab


def _is_expression(*values: Any) -> bool:
    return any(isinstance(v, ir.Expr) for v in values)


def _bed(dose, n, ab):
    """BED = D * (1 + d / (alpha/beta)), d = D / n: numpy arrays or Ibis expressions."""
    return dose * (1.0 + (dose / n) / ab)


def _eqd2(dose, n, ab):
    """EQD2 = D * (d + alpha/beta) / (2 + alpha/beta): numpy arrays or Ibis expressions."""
    return dose * ((dose / n) + ab) / (REFERENCE_DOSE_PER_FRACTION + ab)


def _wrap(result: np.ndarray, *inputs: Any):
    for value in inputs:
        if isinstance(value, pd.Series):
            return pd.Series(np.broadcast_to(result, value.shape), index=value.index, dtype=float)
    if result.ndim == 0:
        return float(result)
    return result


def _evaluate(formula, total_dose, fractions, alpha_beta):
    """``formula`` of Ibis expressions as an expression; of numbers, arrays or Series checked
    (:func:`_check`) and returned in the inputs' shape."""
    if _is_expression(total_dose, fractions, alpha_beta):
        return formula(total_dose, fractions, alpha_beta)
    dose, n, ab = _check(total_dose, fractions, alpha_beta)
    return _wrap(formula(dose, n, ab), total_dose, fractions, alpha_beta)


def bed(total_dose, fractions, alpha_beta):
    """Biologically effective dose, BED = D * (1 + d / (alpha/beta)) with d = D / n.

    Parameters
    ----------
    total_dose : float, array-like or Ibis numeric expression
        Total physical dose D in Gy (>= 0).
    fractions : float or array-like
        Number of fractions n (>= 1).
    alpha_beta : float or array-like
        alpha/beta ratio in Gy (> 0), e.g. :data:`ALPHA_BETA_TUMOR` or :data:`ALPHA_BETA_LIVER`.

    Returns
    -------
    float, ndarray, Series or Ibis expression
        BED in Gy (same shape as the broadcast inputs).

    Raises
    ------
    DoseInputError
        Negative dose, fewer than one fraction, or alpha/beta <= 0.

    References
    ----------
    Fowler, Br J Radiol 1989;62:679; Hall & Giaccia, Radiobiology for the Radiologist, ch. 23.

    Examples
    --------
    >>> bed(45.0, 3, ALPHA_BETA_TUMOR)
    112.5
    """
    return _evaluate(_bed, total_dose, fractions, alpha_beta)


def eqd2(total_dose, fractions, alpha_beta):
    """Equivalent dose in 2-Gy fractions, EQD2 = D * (d + alpha/beta) / (2 + alpha/beta).

    Identical to BED / (1 + 2 / (alpha/beta)); at d = 2 Gy, EQD2 = D for any alpha/beta.

    Parameters
    ----------
    total_dose, fractions, alpha_beta
        As in :func:`bed`.

    Returns
    -------
    float, ndarray or Series
        EQD2 in Gy.

    References
    ----------
    Joiner & van der Kogel, Basic Clinical Radiobiology, 4th ed.; Hall & Giaccia, ch. 23.

    Examples
    --------
    >>> eqd2(40.0, 5, ALPHA_BETA_TUMOR)
    60.0
    """
    return _evaluate(_eqd2, total_dose, fractions, alpha_beta)
