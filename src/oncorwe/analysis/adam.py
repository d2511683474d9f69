"""The analysis datasets in CDISC ADaM shape (ADSL, ADTTE, ADRS, ADAE), for R, SAS or a sponsor.

Variable names follow ADaM where one exists (ADaMIG; pharmaverse admiral / admiralonco
conventions, docs/references/adam.md): ``USUBJID`` (the study pseudonym), ``TRTSDT`` (the time
origin: first RT or ICI), ``PARAMCD/PARAM/STARTDT/ADT/AVAL/CNSR/EVNTDESC`` in ADTTE (AVAL in
days, no +1), ``PARAMCD = BOR/CBOR`` with ``AVALC`` in ADRS, ``AEDECOD/AEBODSYS/ATOXGRN`` in ADAE.
Study-specific variables keep their oncorwe names in upper case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from oncorwe.derive.ctcae import ctcae_soc

STUDYID = "ONCORWE"
PARQUET_COMPRESSION = "snappy"  # what pandas' ``to_parquet`` writes, as every ADaM file has

ADSL_NAMES = {
    "patient_id": "USUBJID",
    "index_date": "TRTSDT",
    "age": "AGE",
    "sex": "SEX",
}
ADTTE_NAMES = {
    "patient_id": "USUBJID",
    "paramcd": "PARAMCD",
    "param": "PARAM",
    "startdt": "STARTDT",
    "adt": "ADT",
    "aval": "AVAL",
    "aval_months": "AVALMO",
    "cnsr": "CNSR",
    "evntdesc": "EVNTDESC",
    "srcdom": "SRCDOM",
}


def _upper(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    out = frame.rename(columns=names)
    out.columns = [c.upper() for c in out.columns]
    out.insert(0, "STUDYID", STUDYID)
    return out


def adsl(frame: pd.DataFrame) -> pd.DataFrame:
    """One record per subject; ``AGEU = YEARS``."""
    out = _upper(frame, ADSL_NAMES)
    out.insert(out.columns.get_loc("AGE") + 1, "AGEU", "YEARS")
    return out


def adtte(frame: pd.DataFrame) -> pd.DataFrame:
    """One record per subject per parameter (each endpoint of ``oncorwe.derive.endpoints``
    with ``adtte``); ``AVALU = DAYS``."""
    out = _upper(frame, ADTTE_NAMES)
    out.insert(out.columns.get_loc("AVAL") + 1, "AVALU", "DAYS")
    return out


def adrs(frame: pd.DataFrame) -> pd.DataFrame:
    """Best overall response per subject: ``PARAMCD`` BOR (unconfirmed) or CBOR (confirmed),
    ``PARCAT3`` the criteria, ``AVALC`` the response, ``ADT`` its date."""
    out = pd.DataFrame(
        {
            "USUBJID": frame["patient_id"],
            "PARAMCD": frame["confirmed"].map({False: "BOR", True: "CBOR"}),
            "PARAM": frame["confirmed"].map(
                {False: "Best Overall Response", True: "Best Confirmed Overall Response"}
            ),
            "PARCAT3": frame["criteria"],
            "AVALC": frame["bor"],
            "ADT": frame["bor_date"],
        }
    )
    out.insert(0, "STUDYID", STUDYID)
    return out


def adae(frame: pd.DataFrame) -> pd.DataFrame:
    """Worst grade per subject and term: ``AEDECOD``, ``AEBODSYS`` (CTCAE v5.0 SOC), ``ATOXGRN``
    and ``ATOXGR``, ``ASTDT`` (first onset), ``TRTEMFL`` = ``Y`` for treatment-emergent rows and
    null otherwise (``treatment_emergent``, protocol safety window; all ``Y`` without it)."""
    emergent = frame.get("treatment_emergent", pd.Series(True, index=frame.index))
    out = pd.DataFrame(
        {
            "USUBJID": frame["patient_id"],
            "AEDECOD": frame["term"],
            "AEBODSYS": ctcae_soc(frame["term"]).to_numpy(),
            "ATOXGRN": frame["worst_grade"],
            "ATOXGR": frame["worst_grade"].astype("string"),
            "ASTDT": frame["first_onset_date"],
            "TRTEMFL": emergent.astype(bool).map({True: "Y", False: pd.NA}).astype("string"),
        }
    )
    out.insert(0, "STUDYID", STUDYID)
    return out


def write_parquet_batches(frames: Iterable[pd.DataFrame], path: Path) -> Path:
    """Write ``frames`` (one data set in order, at least one frame, all of the same columns and
    dtypes) to one Parquet file, a row group per frame; memory follows one frame. One frame
    gives the bytes of ``frame.to_parquet(path, index=False)`` (pandas metadata from the first
    frame, so the dtypes read back are the frames')."""
    writer = None
    try:
        for frame in frames:
            if writer is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                writer = pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION)
            else:
                table = pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=False)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def parquet_frames(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The rows of Parquet file ``path`` as frames of at most ``rows`` rows with the dtypes it
    was written from (at least one frame, empty when the file has no rows)."""
    source = pq.ParquetFile(path)
    schema = source.schema_arrow  # with the pandas metadata that restores the dtypes
    empty = True
    for batch in source.iter_batches(batch_size=rows):
        empty = False
        yield pa.Table.from_batches([batch], schema=schema).to_pandas()
    if empty:
        yield schema.empty_table().to_pandas()
