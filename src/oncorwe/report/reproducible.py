"""Byte-reproducible documents: the dates that DOCX, XLSX and the printed PDF carry.

Rules (the reproducible-builds ``SOURCE_DATE_EPOCH`` convention):

- **ZIP entry times** (DOCX, XLSX) carry no information about the study, so they are always
  fixed: ``SOURCE_DATE_EPOCH`` when it is set, otherwise 1980-01-01 00:00:00, the earliest
  time a ZIP entry can hold. Entries keep their order and are re-deflated with the same zlib
  settings, so a document's bytes depend on its content only.
- **Document dates** (``docProps/core.xml`` ``dcterms:created``/``modified``; the PDF's
  ``/CreationDate`` and ``/ModDate``) say when a report was written, so they are the current
  time unless ``SOURCE_DATE_EPOCH`` is set, in which case they are that time (UTC).
- The PDF printed by Chromium (Skia) differs from run to run only in those two dates, written
  in the uncompressed ``/Info`` dictionary as ``D:YYYYMMDDHHmmSS+00'00'``. They are rewritten in
  place with a value of exactly the same length, so no byte offset (xref table, ``startxref``)
  moves; a date of another length is left alone and reported (never a broken PDF).
- The tagged (accessible) PDF that Chromium prints names its structure elements after Blink's
  DOM node ids, ``(node00000082)``, which come from a per-process counter and shift from run to
  run by the nodes the browser happened to create first. They are renumbered by rank (the
  smallest id becomes ``node00000001``): the same width, so no offset moves, and the same
  order, so the ``/IDTree`` name tree stays sorted. This is done with or without
  ``SOURCE_DATE_EPOCH``: the ids carry no information.
- Matplotlib figures are saved without dates (``figures.style.METADATA``).

References
----------
.. [1] reproducible-builds.org, "SOURCE_DATE_EPOCH" specification.
.. [2] PKWARE APPNOTE.TXT 4.4.6 (MS-DOS date and time: years 1980-2107).
.. [3] ISO 32000-1:2008, 7.9.4 (PDF date strings) and 14.3.3 (document information dictionary).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from oncorwe.epoch import source_date_epoch

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CORE_PART = "docProps/core.xml"
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[^)]*)\)")
_PDF_NODE_ID = re.compile(rb"\(node(\d{8})\)")


def document_time() -> datetime:
    """The date a document records: ``SOURCE_DATE_EPOCH`` or now (UTC, whole seconds)."""
    return (source_date_epoch() or datetime.now(tz=UTC)).replace(microsecond=0)


def zip_time() -> tuple[int, int, int, int, int, int]:
    """The ZIP entry time: ``SOURCE_DATE_EPOCH`` (clamped to 1980..2107) or 1980-01-01."""
    when = source_date_epoch()
    if when is None:
        return ZIP_EPOCH
    year = min(max(when.year, 1980), 2107)
    if year != when.year:
        return (year, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def _core_dates(xml: bytes, when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    return _CORE_DATE.sub(lambda m: m.group(1) + stamp + m.group(3), xml)


def normalize_ooxml(path: Path) -> Path:
    """Rewrite a DOCX/XLSX package in place: fixed entry times, core-property dates set.

    Every entry keeps its name, order and content (except the two core dates); permissions and
    the "made by" system are fixed too, so the package bytes depend on the content only.
    """
    path = Path(path)
    when = document_time()
    entry_time = zip_time()
    with zipfile.ZipFile(path) as package:
        entries = [(info.filename, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries:
            if name == CORE_PART:
                data = _core_dates(data, when)
            info = zipfile.ZipInfo(name, date_time=entry_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            package.writestr(info, data, compresslevel=6)
    return path


def pdf_date(when: datetime) -> bytes:
    """``D:20231114221320+00'00'``: a PDF date string in UTC, as Skia writes it."""
    return when.strftime("D:%Y%m%d%H%M%S+00'00'").encode("ascii")


def renumber_pdf_node_ids(data: bytes) -> bytes:
    """``(nodeNNNNNNNN)`` structure ids renumbered by rank, width and order kept."""
    ids = sorted({int(m) for m in _PDF_NODE_ID.findall(data)})
    rank = {value: index for index, value in enumerate(ids, start=1)}
    return _PDF_NODE_ID.sub(lambda m: b"(node%08d)" % rank[int(m.group(1))], data)


def normalize_pdf(path: Path) -> Path:
    """Make a Chromium-printed PDF reproducible, in place, without moving any byte offset:
    structure ids renumbered (always) and dates set to ``SOURCE_DATE_EPOCH`` (when set)."""
    path = Path(path)
    data = path.read_bytes()
    rewritten = renumber_pdf_node_ids(data)
    if rewritten != data:
        path.write_bytes(rewritten)
    normalize_pdf_dates(path)
    return path


def normalize_pdf_dates(path: Path) -> bool:
    """Set ``/CreationDate`` and ``/ModDate`` to ``SOURCE_DATE_EPOCH``, in place.

    Without ``SOURCE_DATE_EPOCH`` nothing changes (the printer's own dates are true). Returns
    True when the file was rewritten.
    """
    when = source_date_epoch()
    if when is None:
        return False
    path = Path(path)
    data = path.read_bytes()
    stamp = pdf_date(when)
    mismatched = []

    def replace(match: re.Match[bytes]) -> bytes:
        if len(match.group(2)) != len(stamp):
            mismatched.append(match.group(0))
            return match.group(0)
        return match.group(0).replace(match.group(2), stamp)

    rewritten = _PDF_DATE.sub(replace, data)
    if mismatched:
        warnings.warn(
            f"{path.name}: PDF date(s) {mismatched} are not in the D:YYYYMMDDHHmmSS+00'00' form; "
            "left unchanged, so this PDF is not reproducible",
            stacklevel=2,
        )
    if rewritten != data:
        path.write_bytes(rewritten)
        return True
    return False
