"""Privacy of a study's inputs: drop identifier columns, and write a pseudonymised copy.

``drop_identifier_columns`` is the pipeline's guard (privacy by default): extra input columns
that look like direct identifiers (``oncorwe.privacy.identifiers``) are removed before
validation, so they never reach the study store, a quarantine export or a report. Each dropped
column is one finding ``privacy.identifier_column_dropped`` naming the table, the column and
the kind, never a value.

``deidentify_source`` writes a copy of a study in the canonical CSV format with

- patient ids replaced by a keyed hash: ``P-`` + the first 12 hex digits of
  HMAC-SHA256(key, patient id);
- every date of a patient shifted by the same secret offset (1 to 180 days earlier or later,
  derived from the key and the patient id, so intervals are kept), or converted to study days
  (``<column>_day``, day 0 = the protocol's time origin, given by the caller);
- ages over 89 set to 90 ("90 or older"), birth dates reduced to the year;
- every non-contract column dropped (identifier-like or not: free text may hold anything).

The key never enters the output. ``oncorwe.privacy.deidentify_report`` writes what was done per
HIPAA Safe Harbor item. This module sits just above ``io`` (see ``oncorwe.privacy``): the time
origin of study-day mode is a cohort rule, so the caller passes it in as a function.

References
----------
HIPAA Privacy Rule, 45 CFR 164.514(b)(2) (Safe Harbor) and 164.514(c) (re-identification
codes); RFC 2104 (HMAC).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.coerce import parse_date, parse_int
from oncorwe.io.export import write_tables
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import FINDING_COLUMNS, RawSource, read_source
from oncorwe.privacy.identifiers import detect_identifiers

TimeOrigin = Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]
"""The protocol's time origin: tables ``patients``, ``radiotherapy`` and ``systemic_therapy``
registered in a DuckDB connection -> one row per patient with ``patient_id`` and
``index_date`` (``oncorwe.cohort.time_origin.derive_time_origin`` with its protocol)."""

DROPPED_RULE = "privacy.identifier_column_dropped"  # described in io.sources.READ_RULES
KEY_BYTES = 32  # 256-bit HMAC key (RFC 2104: at least the hash output length)
ID_HEX_DIGITS = 12  # 48 bits: a collision among 1e5 patients has probability ~2e-5 (checked)
MAX_SHIFT_DAYS = 180  # date shift in [-180, -1] or [1, 180] days, never 0
AGE_CAP = 90  # Safe Harbor (C): ages over 89 are aggregated into "90 or older"
DateMode = Literal["shift", "study_day"]


def drop_identifier_columns(
    raw: RawSource, *, allow: bool = False
) -> tuple[RawSource, pd.DataFrame]:
    """Remove identifier-like extra columns from every table of ``raw``.

    Parameters
    ----------
    raw : the study as read.
    allow : keep them (protocol ``privacy.allow_identifiers``); the validator then warns
        (``privacy.identifier_column``).

    Returns
    -------
    (source without those columns, with the findings added to its read findings; the new
    findings alone, columns ``FINDING_COLUMNS``: ``value`` is the kind, never a value).
    """
    if allow:
        return raw, pd.DataFrame(columns=list(FINDING_COLUMNS))
    rows, tables = [], dict(raw.tables)
    for name, frame in raw.tables.items():
        found = detect_identifiers(frame, table=name)
        if found.empty:
            continue
        tables[name] = frame.drop(columns=list(found["column"]))
        rows += dropped_findings(name, found)
    dropped = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    if dropped.empty:
        return raw, dropped
    findings = (
        pd.concat([raw.findings, dropped], ignore_index=True) if len(raw.findings) else dropped
    )
    return replace(raw, tables=tables, findings=findings), dropped


def dropped_findings(table: str, found: pd.DataFrame) -> list[dict]:
    """Findings (rule ``privacy.identifier_column_dropped``) for the identifier columns of
    ``table`` that ``detect_identifiers`` found; the value is the kind, never a value."""
    return [
        {
            "table": table,
            "row": None,
            "column": hit.column,
            "value": hit.kind,
            "rule": DROPPED_RULE,
            "severity": "warning",
            "message": f"{table}: column '{hit.column}' looks like "
            f"{hit.kind.replace('_', ' ')} ({hit.evidence}) and was dropped before the "
            f"study store and every output (rule {DROPPED_RULE}; set "
            "privacy.allow_identifiers = true in the protocol to keep it)",
        }
        for hit in found.itertuples()
    ]


def load_or_create_key(path: str | Path) -> bytes:
    """Read the secret key (hex text) from ``path``, or create one with ``secrets``.

    A new key file is written with owner-only permissions (0600). Keep it apart from the
    de-identified copy: with the key, pseudonyms and date offsets can be recomputed.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(KEY_BYTES) + "\n", encoding="ascii")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise InputError(
            f"{path} is not an oncorwe key file (hex text of at least 16 bytes). Give the key "
            "file of an earlier de-identification, or a path that does not exist yet to create one."
        )
    return key


def check_key_outside(key_file: Path, out_dir: Path, data_path: Path) -> None:
    """Refuse a key file inside the output folder or inside the data folder (a key kept with
    the copy would let anyone recompute the pseudonyms and date offsets)."""
    key, out, data = Path(key_file).resolve(), Path(out_dir).resolve(), Path(data_path).resolve()
    for folder, what in ((out, "the output folder"), (data, "the data folder")):
        if key.is_relative_to(folder) and (what != "the data folder" or data.is_dir()):
            raise InputError(
                f"The key file {key_file} is inside {what}; keep it apart from the data "
                "(give --key-file a path elsewhere)."
            )


def _digest(key: bytes, purpose: str, value: str) -> bytes:
    return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()


def pseudonyms(ids: pd.Series, key: bytes) -> pd.Series:
    """``P-<12 hex>`` for every patient id (HMAC-SHA256 with ``key``); missing stays missing."""
    unique = ids.dropna().unique()
    mapping = {v: "P-" + _digest(key, "id", str(v)).hex()[:ID_HEX_DIGITS] for v in unique}
    if len(set(mapping.values())) < len(mapping):
        raise InputError("Two patient ids got the same pseudonym; use a new key file.")
    return ids.map(mapping).astype("string")


def date_offsets(ids: pd.Series, key: bytes) -> pd.Series:
    """Per-patient date shift in days, in [-180, -1] or [1, 180], from the key and the id."""
    unique = ids.dropna().unique()
    draws = np.array(
        [int.from_bytes(_digest(key, "date", str(v))[:4], "big") for v in unique], dtype=np.int64
    ) % (2 * MAX_SHIFT_DAYS)
    offsets = np.where(draws < MAX_SHIFT_DAYS, draws - MAX_SHIFT_DAYS, draws - MAX_SHIFT_DAYS + 1)
    return ids.map(dict(zip(unique, offsets.tolist(), strict=True))).astype("Int64")


@dataclass(frozen=True)
class DeidentificationSummary:
    """What ``deidentify_source`` did, in counts and names (never values, offsets or the key).

    Attributes
    ----------
    out_dir : the folder written.
    dates : ``shift`` or ``study_day``.
    rows : rows written per table.
    patients : distinct patient ids.
    dropped_columns : (table, column, reason) of every column not carried over.
    dates_changed : date values shifted or converted.
    dates_unreadable : date values that could not be read and were left empty.
    dates_completed : partial dates completed to the first day before shifting.
    ages_capped : ages over 89 written as 90.
    birth_dates_to_year : birth dates reduced to their year.
    no_origin : patients without a time origin (study-day mode: day 0 = their first date).
    """

    out_dir: Path
    dates: DateMode
    rows: dict[str, int]
    patients: int
    dropped_columns: tuple[tuple[str, str, str], ...]
    dates_changed: int
    dates_unreadable: int
    dates_completed: int
    ages_capped: int
    birth_dates_to_year: int
    no_origin: int


def _contract_only(raw: RawSource) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str, str]]]:
    tables, dropped = {}, []
    for name, frame in raw.tables.items():
        kinds = dict(detect_identifiers(frame, table=name)[["column", "kind"]].to_numpy())
        keep = [c for c in TABLES[name].column_names if c in frame.columns]
        for column in frame.columns:
            if column not in keep and column != "_row":
                reason = f"identifier ({kinds[column]})" if column in kinds else "not in contract"
                dropped.append((name, str(column), reason))
        tables[name] = frame[keep].reset_index(drop=True)
    return tables, dropped


def _date_columns(name: str, frame: pd.DataFrame) -> list[str]:
    return [c.name for c in TABLES[name].columns if c.type == "date" and c.name in frame.columns]


def _origins(typed: dict[str, pd.DataFrame], time_origin: TimeOrigin) -> tuple[pd.Series, int]:
    """Day 0 per (original) patient id: the protocol's time origin or, for a patient without
    one, the patient's first date; and the number of such patients."""
    con = duckdb.connect()
    for name in ("patients", "radiotherapy", "systemic_therapy"):  # required tables
        con.register(name, typed[name])
    origin = time_origin(con).set_index("patient_id")["index_date"]
    con.close()
    first = (
        pd.concat(
            [
                frame.melt(id_vars="patient_id", value_vars=_date_columns(name, frame))
                for name, frame in typed.items()
                if _date_columns(name, frame)
            ]
        )
        .groupby("patient_id")["value"]
        .min()
    )
    origin = pd.to_datetime(origin)
    return origin.reindex(first.index.union(origin.index)).fillna(first), int(origin.isna().sum())


def deidentify_source(
    data_path: str | Path,
    out_dir: str | Path,
    key: bytes,
    *,
    dates: DateMode = "shift",
    time_origin: TimeOrigin | None = None,
    encoding: str | None = None,
) -> DeidentificationSummary:
    """Write a pseudonymised copy of a study into ``out_dir`` (CSV, canonical columns).

    Steps: 1. read and keep the contract columns only; 2. parse dates and ages; 3. dates:
    shift per patient or convert to study days; 4. ages over 89 -> 90, birth dates -> year;
    5. patient ids -> keyed pseudonyms; 6. write the tables.

    ``time_origin`` (study-day mode only, required there) gives day 0 per patient: the
    protocol's rule, ``TimeOrigin``.
    """
    # step 1
    if dates not in ("shift", "study_day"):
        raise InputError(f"--dates must be shift or study_day, not '{dates}'.")
    if dates == "study_day" and time_origin is None:
        raise InputError("--dates study_day needs the protocol's time origin (day 0).")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty; give a new folder for the de-identified copy.")
    raw = read_source(data_path, encoding=encoding)
    tables, dropped = _contract_only(raw)
    # step 2
    parsed = {
        name: {c: parse_date(frame[c]) for c in _date_columns(name, frame)}
        for name, frame in tables.items()
    }
    typed = {
        name: frame[["patient_id"]]
        .assign(**{c: p["value"] for c, p in parsed[name].items()})
        .assign(**({"drug_class": frame["drug_class"]} if "drug_class" in frame else {}))
        for name, frame in tables.items()
    }
    counts = dict.fromkeys(("changed", "unreadable", "completed", "ages", "years"), 0)
    origins, no_origin = None, 0
    # step 3
    if time_origin is not None and dates == "study_day":
        origins, no_origin = _origins(typed, time_origin)
    for name, frame in tables.items():
        ids = frame["patient_id"]
        for key_, n in _table_dates(frame, parsed[name], key, origins).items():
            counts[key_] += n
        # step 4
        ages, capped = _cap_ages(frame)
        counts["ages"] += capped
        if ages is not None:
            frame["age_at_index"] = ages
        if "birth_date" in frame:
            year = parsed[name]["birth_date"]["value"].dt.year.astype("Int64")
            frame["birth_date"] = year.astype("string")
            counts["years"] = int(year.notna().sum())
        # step 5
        frame["patient_id"] = pseudonyms(ids, key)
    # step 6
    out.mkdir(parents=True, exist_ok=True)
    write_tables(tables, out, "csv")
    return DeidentificationSummary(
        out_dir=out,
        dates=dates,
        rows={name: len(frame) for name, frame in tables.items()},
        patients=int(tables["patients"]["patient_id"].nunique()),
        dropped_columns=tuple(dropped),
        dates_changed=counts["changed"],
        dates_unreadable=counts["unreadable"],
        dates_completed=counts["completed"],
        ages_capped=counts["ages"],
        birth_dates_to_year=counts["years"],
        no_origin=no_origin,
    )


def _table_dates(
    frame: pd.DataFrame, parsed: dict[str, pd.DataFrame], key: bytes, origins: pd.Series | None
) -> dict[str, int]:
    """Shift every date column of ``frame`` in place (or, given ``origins``, replace it by
    ``<column>_day``); birth dates are left to the caller. Returns counts."""
    ids = frame["patient_id"]
    shift = pd.to_timedelta(date_offsets(ids, key).astype("float64"), unit="D")
    counts = dict.fromkeys(("changed", "unreadable", "completed"), 0)
    for column, p in parsed.items():
        if column == "birth_date":
            continue
        value = p["value"]
        counts["unreadable"] += int(p["bad"].sum())
        counts["completed"] += int(p["partial"].notna().sum())
        counts["changed"] += int(value.notna().sum())
        if origins is None:
            frame[column] = (value + shift).dt.strftime("%Y-%m-%d").astype("string")
        else:
            frame[f"{column}_day"] = (value - ids.map(origins)).dt.days.astype("Int64")
            del frame[column]
    return counts


def _cap_ages(frame: pd.DataFrame) -> tuple[pd.Series | None, int]:
    """Ages over 89 -> 90 (Safe Harbor C); unreadable ages are left as written."""
    if "age_at_index" not in frame:
        return None, 0
    value, _ = parse_int(frame["age_at_index"])
    over = (value > AGE_CAP - 1).fillna(False).astype(bool)
    return frame["age_at_index"].mask(over, str(AGE_CAP)), int(over.sum())
