"""The mapping file as written: docs/mapping_example.toml, the complete example that
docs/mapping.md explains, is exactly what `oncorwe map` writes for the synthetic hospital
workbook (which `oncorwe run --mapping` takes to the published numbers with no hand edit:
tests/synth/test_hospital_workbook.py), and it reads back."""

import datetime as dt
from pathlib import Path

from oncorwe.io.mapping.propose import propose_mapping
from oncorwe.io.mapping.spec import load_mapping
from oncorwe.io.mapping.write import render_mapping
from oncorwe.privacy.identifiers import detect_identifiers
from oncorwe.synth.hospital_workbook import write_hospital_workbook

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "mapping_example.toml"
DAY = dt.date(2026, 1, 1)


def test_the_documented_example_is_what_oncorwe_map_writes(tmp_path):
    book = write_hospital_workbook(tmp_path / "study.xlsx", language="zh")
    proposal = propose_mapping(book, detect_identifiers=detect_identifiers)
    text = render_mapping(proposal, DAY, tmp_path)
    # to refresh it after a deliberate change: EXAMPLE.write_text(text, encoding="utf-8")
    assert text == EXAMPLE.read_text(encoding="utf-8")
    mapping = load_mapping(EXAMPLE)
    tables = {block.table for block in mapping.blocks}
    assert {"patients", "radiotherapy", "systemic_therapy", "adverse_events"} <= tables
    assert mapping.sheets["患者信息"].drop == ("姓名", "住院号", "联系电话")
