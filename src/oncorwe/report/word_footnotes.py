"""Real Word footnotes: the OOXML footnotes part that python-docx has no API for.

A footnote in WordprocessingML is a ``w:footnote`` element in ``word/footnotes.xml`` (a part
related to the main document with the footnotes relationship), referenced from the text by a run
holding ``w:footnoteReference w:id=N``. Word also expects the separator (-1) and continuation
separator (0) footnotes to exist. Word, LibreOffice and python-docx then see a footnote, numbered
and placed at the foot of the page, not a superscript imitation.

References
----------
.. [1] ECMA-376 Part 1, 17.11 "Footnotes and Endnotes" (``w:footnotes``, ``w:footnote``,
   ``w:footnoteReference``, ``w:footnoteRef``).
.. [2] python-openxml/python-docx issue #1: "feature: footnotes" (no footnote API).
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
PART_NAME = "/word/footnotes.xml"
EMPTY_FOOTNOTES = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
    "<w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0"/>'
    "</w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)
FOOTNOTE_FONT_HALF_POINTS = 16


def footnotes_part(document) -> XmlPart:
    """The document's footnotes part, created and related on first use."""
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            return rel.target_part
    part = XmlPart(
        PackURI(PART_NAME), CONTENT_TYPE, parse_xml(EMPTY_FOOTNOTES), document.part.package
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    _declare_separators(document)
    return part


def _declare_separators(document) -> None:
    """``w:footnotePr`` in settings naming the separator notes, as Word itself writes it
    (schema order: before ``w:compat``)."""
    settings = document.settings.element
    if settings.find(qn("w:footnotePr")) is not None:
        return
    declaration = parse_xml(
        f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
    )
    compat = settings.find(qn("w:compat"))
    if compat is not None:
        compat.addprevious(declaration)
    else:
        settings.append(declaration)


def _superscript_run(child: str) -> str:
    return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>{child}</w:r>'


def _superscript_text(text: str) -> str:
    return f'<w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>{text}</w:t>'


def add_footnote(document, paragraph: Paragraph, text: str) -> int:
    """Append a footnote reference to ``paragraph`` and the note ``text``; returns its id.

    Parameters
    ----------
    document : a ``docx.Document``.
    paragraph : where the reference mark goes (e.g. a table caption).
    text : the footnote's text.
    """
    part = footnotes_part(document)
    root = part.element
    ids = [int(n.get(qn("w:id"))) for n in root.findall(qn("w:footnote"))]
    note_id = max(ids + [0]) + 1
    note = parse_xml(
        f'<w:footnote {nsdecls("w")} w:id="{note_id}"><w:p>'
        f'<w:pPr><w:spacing w:after="0"/></w:pPr>'
        f"{_superscript_run('<w:footnoteRef/>')}"
        f'<w:r><w:rPr><w:sz w:val="{FOOTNOTE_FONT_HALF_POINTS}"/></w:rPr>'
        f'<w:t xml:space="preserve"> </w:t></w:r></w:p></w:footnote>'
    )
    note.findall(".//" + qn("w:t"))[-1].text = " " + text  # set as text: escaped by lxml
    root.append(note)
    reference = parse_xml(
        f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="{note_id}"/></w:r>'
    )
    paragraph._p.append(reference)
    return note_id


def add_footnotes(document, paragraph: Paragraph, texts: Sequence[str]) -> list[int]:
    """One footnote per text on ``paragraph``; returns their ids.

    Adjacent marks are separated by a superscript comma (``2,3,4``): run together, marks 2 to 6
    print as one number, "23456", in Word and LibreOffice alike.
    """
    ids = []
    for index, text in enumerate(texts):
        if index:
            paragraph._p.append(parse_xml(f"<w:r {nsdecls('w')}>{_superscript_text(',')}</w:r>"))
        ids.append(add_footnote(document, paragraph, text))
    return ids


def footnote_texts(document) -> dict[int, str]:
    """The user footnotes of a document (id -> text), e.g. to check a written file.

    Separator notes are told by their ``w:type``, not their id: oncorwe and Word number them
    -1 and 0, LibreOffice 0 and 1.
    """
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            root = parse_xml(rel.target_part.blob)
            return {
                int(n.get(qn("w:id"))): "".join(t.text or "" for t in n.iter(qn("w:t"))).strip()
                for n in root.findall(qn("w:footnote"))
                if n.get(qn("w:type"), "normal") == "normal"
            }
    return {}
