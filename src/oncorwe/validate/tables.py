"""``validate_tables``: type, check and split a study's tables into accepted and quarantined rows.

Nothing is lost: every row read ends in exactly one of ``accepted`` or ``quarantined``, and the
reconciliation table proves it per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from oncorwe.io.coerce import clean_text
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import FINDING_COLUMNS, RawSource, check_structure, empty_findings

# importing the check modules registers their rules (each rule has its stage)
from oncorwe.validate import checks_columns, checks_cross, checks_tables, checks_values  # noqa: F401
from oncorwe.validate.checks_values import load_synonyms
from oncorwe.validate.rules import Work, ordered_checks, ordered_rules

RECONCILIATION_COLUMNS = ("table", "read", "accepted", "quarantined")


class Reconciled:
    """What every validation result reports: rows read = accepted + quarantined per table."""

    reconciliation: pd.DataFrame

    def reconciliation_lines(self) -> list[str]:
        """``patients: read 120 = accepted 118 + quarantined 2`` for every table."""
        return [
            f"{r.table}: read {r.read} = accepted {r.accepted} + quarantined {r.quarantined}"
            for r in self.reconciliation.itertuples()
        ]


@dataclass(frozen=True)
class ValidationResult(Reconciled):
    """What validation found.

    Attributes
    ----------
    accepted : table -> typed DataFrame of rows without errors (dates datetime64[ns], int
        Int64, num float64, bool boolean, text/list/extra columns string), with ``_row`` and a
        ``<column>_imputed`` flag for every partial-date column.
    quarantined : table -> rows with at least one error, as text (as read), with ``_row`` and
        ``_rules`` (the error rules, ``;``-separated).
    findings : one row per problem: ``table, row, column, value, rule, severity, message``.
    reconciliation : ``table, read, accepted, quarantined`` with read = accepted + quarantined.
    """

    accepted: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    reconciliation: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no row was quarantined and no error was found (warnings allowed)."""
        return bool((self.findings["severity"] != "error").all())


def _prepare(raw: RawSource | dict[str, pd.DataFrame]):
    """Text tables with a 0..n-1 index and ``_row``; read findings."""
    if isinstance(raw, RawSource):
        tables, read_findings = raw.tables, raw.findings
    else:
        tables, read_findings = raw, empty_findings()
        check_structure({name: frame for name, frame in tables.items() if name in TABLES})
    text = {name: text_table(tables[name]) for name in TABLES if name in tables}
    return text, read_findings


def text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as read -> stripped text (missing tokens NA), 0..n-1 index, ``_row`` first."""
    frame = frame.reset_index(drop=True)
    if "_row" not in frame.columns:
        frame.insert(0, "_row", pd.array(range(1, len(frame) + 1), dtype="Int64"))
    cleaned = {c: clean_text(frame[c]) for c in frame.columns if c != "_row"}
    return pd.DataFrame({"_row": frame["_row"].astype("Int64"), **cleaned}, index=frame.index)


def run_checks(work: Work, skip: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Run every registered check (but those of the rules in ``skip``) in order; return all
    findings of ``work`` with the row position ``_pos`` (NA for table-level findings)."""
    for rule_, check in ordered_checks():
        if rule_.id in skip:
            continue
        found = check(work)
        if found is not None and len(found):
            work.findings.append(found)
    frames = [f for f in work.findings if len(f)]
    findings = pd.concat(frames, ignore_index=True) if frames else empty_findings()
    if "_pos" not in findings.columns:
        findings["_pos"] = pd.NA
    return findings


def _read_finding_positions(read_findings: pd.DataFrame, text: dict) -> pd.DataFrame:
    """Give row-level read findings the row position they refer to (``_pos``)."""
    found = read_findings.copy()
    found["_pos"] = pd.NA
    for name, frame in text.items():
        lookup = pd.Series(frame.index, index=frame["_row"].to_numpy())
        here = (found["table"] == name) & found["row"].notna()
        found.loc[here, "_pos"] = found.loc[here, "row"].map(lookup).to_numpy()
    return found


def _split(work: Work, findings: pd.DataFrame):
    accepted, quarantined, counts = {}, {}, []
    errors = findings[(findings["severity"] == "error") & findings["_pos"].notna()]
    for name, text in work.text.items():
        mine = errors[errors["table"] == name]
        unique = mine.drop_duplicates(["_pos", "rule"])
        # object-dtype sum concatenates in C: "a;" + "b;" per row, then drop the last ";"
        rules = (unique["rule"].astype(object) + ";").groupby(unique["_pos"]).sum().str[:-1]
        bad = text.index.isin(rules.index.astype("int64"))
        typed = work.typed[name]
        accepted[name] = typed.loc[~bad].reset_index(drop=True)
        held = text.loc[bad].copy()
        held["_rules"] = pd.array(rules.reindex(held.index).to_numpy(), dtype="string")
        quarantined[name] = held.reset_index(drop=True)
        counts.append((name, len(text), int((~bad).sum()), int(bad.sum())))
    reconciliation = pd.DataFrame(counts, columns=list(RECONCILIATION_COLUMNS))
    broken = reconciliation[
        reconciliation["read"] != reconciliation["accepted"] + reconciliation["quarantined"]
    ]
    if len(broken):  # an internal invariant, not input validation
        raise RuntimeError(f"row counts do not reconcile: {broken.to_dict('records')}")
    return accepted, quarantined, reconciliation


def validate_tables(
    raw: RawSource | dict[str, pd.DataFrame],
    *,
    synonyms: str | Path | pd.DataFrame | None = None,
) -> ValidationResult:
    """Validate a study's tables against the data contract and every registered rule.

    Parameters
    ----------
    raw : a ``RawSource`` (from ``oncorwe.io.sources.read_source``) or a dict of text
        DataFrames by table name. Without a ``_row`` column, ``_row`` is the 1-based position.
    synonyms : a category mapping file (CSV ``table,column,synonym,value``) or frame, added to
        oncorwe's default synonyms (``oncorwe/validate/synonyms.csv``).

    Returns
    -------
    ValidationResult

    Notes
    -----
    Steps: 1. strip text, map missing tokens to NA, give every table a typed copy;
    2. run the checks in registry order (``oncorwe.validate.rules.RULES``): lab units and
    category synonyms, types, partial dates,
    required, allowed, ranges, duplicates and keys, table rules, then cross-table rules (which
    see earlier patient errors, so quarantined patients cascade); 3. quarantine every row with
    an error; 4. reconcile counts per table.

    References
    ----------
    docs/data_dictionary.md (canonical study input, contract v1).
    """
    # step 1
    text, read_findings = _prepare(raw)
    typed = {name: frame.copy() for name, frame in text.items()}
    work = Work(text=text, typed=typed, synonyms=load_synonyms(synonyms))
    work.findings.append(_read_finding_positions(read_findings, text))
    # step 2
    findings = run_checks(work)
    # step 3
    accepted, quarantined, reconciliation = _split(work, findings)
    # step 4 (checked inside _split); findings in rule order, then table and row
    order = {r.id: k for k, r in enumerate(ordered_rules())}
    findings = (
        findings.assign(_order=findings["rule"].map(order))
        .sort_values(["_order", "table", "row"], kind="stable")
        .reset_index(drop=True)
    )
    findings = findings[list(FINDING_COLUMNS)].astype({"row": "Int64"})
    return ValidationResult(accepted, quarantined, findings, reconciliation)


def first_error_class(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings of the first rule (in check order) that has errors: ``--strict`` output."""
    errors = findings[findings["severity"] == "error"]
    if errors.empty:
        return errors
    return errors[errors["rule"] == errors["rule"].iloc[0]]
