"""Row filters over the cohort, from text such as ``"child_pugh_class == 'B' and age >= 60"``.

The text is parsed by Python's own parser (``ast.parse``, which builds a syntax tree and runs
nothing) and the tree is then read by a small interpreter that accepts only what a filter needs:

- a comparison of a cohort column with a literal: ``==, !=, <, <=, >, >=``, chains such as
  ``60 <= age < 70``, ``in`` / ``not in`` a list or tuple of literals;
- ``is None`` / ``is not None`` for missing values;
- ``and``, ``or``, ``not`` and parentheses.

Anything else (a function call, an attribute, arithmetic, a name that is not a column) is an
error that names the column or the construct. Neither ``eval`` nor ``DataFrame.query`` ever
sees the text: both can run arbitrary code.

A missing value never satisfies a comparison (SQL's rule): ``age < 60`` and ``age >= 60``
both leave out a patient whose age is missing, and so does ``not (age < 60)``.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.errors import InputError

COMPARISONS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
"""Comparison operators a filter may use, and what each does on a column."""
SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
MAX_LENGTH = 2_000


class FilterError(InputError):
    """A ``where`` filter that cannot be read or does not fit the cohort's columns."""


def parse_where(text: str) -> ast.Expression:
    """Parse a filter into a syntax tree (nothing is run); errors name the position."""
    if not isinstance(text, str) or not text.strip():
        raise FilterError("where: the filter is empty; write e.g. \"sequence == 'concurrent'\"")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"where: the filter is longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FilterError(
            f"where: cannot read {text!r} (column {exc.offset}): write comparisons such as "
            "\"age >= 60 and sex == 'F'\""
        ) from None


def filter_mask(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` that satisfy the filter ``text``.

    Parameters
    ----------
    frame : one row per patient (the cohort); filters may name any of its columns.
    text : the filter, e.g. ``"child_pugh_class == 'B' and pvtt_present == True"``.

    Returns
    -------
    numpy bool array, one value per row; missing values satisfy no comparison.

    Raises
    ------
    FilterError
        The text is not a filter, names an unknown column, or compares a column with a value
        of another kind (e.g. text with a number); the message names the column and value.
    """
    tree = parse_where(text)
    mask = _Reader(frame).read(tree.body)
    return np.asarray(mask, dtype=bool)


def apply_where(frame: pd.DataFrame, text: str | None) -> pd.DataFrame:
    """The rows of ``frame`` that satisfy ``text`` (all rows for None), index kept."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return frame
    return frame[filter_mask(frame, text)]


class _Reader:
    """Reads a parsed filter against one frame; every node type it accepts has a method."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def read(self, node: ast.AST) -> np.ndarray:
        if isinstance(node, ast.BoolOp):
            parts = [self.read(value) for value in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return combine.reduce(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._negate(node.operand)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        raise FilterError(f"where: {_shown(node)} is not a comparison; {_HINT}")

    def _negate(self, operand: ast.AST) -> np.ndarray:
        # not (age < 60) keeps missing ages out, as SQL's NOT over UNKNOWN
        inner = self.read(operand)
        return ~inner & self._known(operand)

    def _known(self, node: ast.AST) -> np.ndarray:
        names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
        known = np.ones(len(self.frame), dtype=bool)
        for name in names:
            known &= self.column(name).notna().to_numpy(dtype=bool)
        return known

    def column(self, name: str) -> pd.Series:
        if name not in self.frame.columns:
            close = [c for c in self.frame.columns if name.lower() in str(c).lower()]
            hint = f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else ""
            raise FilterError(f"where: no column {name!r} in the cohort{hint}")
        return self.frame[name]

    def _compare(self, node: ast.Compare) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            mask &= self._one_comparison(left, op, right)
            left = right
        return mask

    def _one_comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> np.ndarray:
        both = isinstance(left, ast.Name) and isinstance(right, ast.Name)
        if both and left.id in self.frame.columns and right.id not in self.frame.columns:
            _literal(right, left.id)  # sex == F: raises, asking for quotes
        if isinstance(left, ast.Name) == isinstance(right, ast.Name):
            raise FilterError(
                f"where: {_shown(left)} {_op_text(op)} {_shown(right)} must compare one cohort "
                "column with a value"
            )
        flipped = not isinstance(left, ast.Name)
        name = (right if flipped else left).id
        value = _literal(left if flipped else right, name)
        series = self.column(name)
        if isinstance(op, ast.In | ast.NotIn):
            if flipped or not isinstance(value, tuple):
                raise FilterError(f"where: column {name!r}: write {name} in ['a', 'b']")
            return self._membership(series, name, value, isinstance(op, ast.NotIn))
        if isinstance(op, ast.Is | ast.IsNot):
            if value is not None:
                raise FilterError(f"where: column {name!r}: 'is' only tests None (missing)")
            missing = series.isna().to_numpy(dtype=bool)
            return missing if isinstance(op, ast.Is) else ~missing
        if type(op) not in COMPARISONS:
            raise FilterError(f"where: column {name!r}: operator {_op_text(op)} not allowed")
        if flipped:  # 60 <= age is age >= 60
            op = _MIRRORED.get(type(op), type(op))()
        return self._apply(series, name, op, value)

    def _apply(self, series: pd.Series, name: str, op: ast.cmpop, value: Any) -> np.ndarray:
        _check_kind(series, name, value)
        known = series.notna().to_numpy(dtype=bool)
        if value is None:
            raise FilterError(f"where: column {name!r}: use 'is None' to find missing values")
        values = series[known].to_numpy(dtype=object)
        out = np.zeros(len(series), dtype=bool)
        try:  # elementwise over an object array: one vectorised comparison
            out[known] = np.asarray(COMPARISONS[type(op)](values, value), dtype=bool)
        except TypeError:
            raise FilterError(
                f"where: column {name!r}: cannot compare its values with {value!r} "
                f"using {SYMBOLS[type(op)]}"
            ) from None
        return out

    def _membership(self, series: pd.Series, name: str, values: tuple, negate: bool):
        for value in values:
            _check_kind(series, name, value)
        known = series.notna().to_numpy(dtype=bool)
        inside = series.isin([v for v in values if v is not None]).to_numpy(dtype=bool)
        return known & (~inside if negate else inside)


_MIRRORED = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
_HINT = "write comparisons such as \"age >= 60 and sex == 'F'\" joined by and / or / not"


def _literal(node: ast.AST, column: str) -> Any:
    """A constant, a negative number, or a list/tuple of those; nothing else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand, column)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return -inner
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(_literal(item, column) for item in node.elts)
    if isinstance(node, ast.Name):
        raise FilterError(
            f"where: column {column!r} compared with {node.id!r}: put text values in quotes, "
            f"e.g. {column} == '{node.id}'"
        )
    raise FilterError(f"where: column {column!r}: {_shown(node)} is not a plain value")


def _check_kind(series: pd.Series, name: str, value: Any) -> None:
    """Text columns take text values; numeric and yes/no columns take numbers / True/False."""
    if value is None:
        return
    textual = pd.api.types.is_string_dtype(series) or series.dtype == object
    if pd.api.types.is_bool_dtype(series):
        ok = isinstance(value, bool) or value in (0, 1)
        expected = "True or False"
    elif textual:
        ok = isinstance(value, str)
        expected = "text in quotes"
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        expected = "a number"
    if not ok:
        raise FilterError(
            f"where: column {name!r} ({series.dtype}) compared with {value!r}: expected {expected}"
        )


def _op_text(op: ast.cmpop) -> str:
    names = {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
    return SYMBOLS.get(type(op)) or names.get(type(op), type(op).__name__)


def _shown(node: ast.AST) -> str:
    try:
        return repr(ast.unparse(node))
    except (ValueError, TypeError, AttributeError):  # pragma: no cover - unparse of odd nodes
        return type(node).__name__
