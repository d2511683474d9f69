"""The report states the response windows the best responses were derived with (protocol
response.confirmation_min_days / stable_disease_min_days), never fixed numbers."""

from __future__ import annotations

from dataclasses import replace

from oncorwe.analysis.study import analyse_study
from oncorwe.protocol import load_protocol
from oncorwe.report.display import response_windows_text
from oncorwe.report.lesion_specs import LESION_SPECS
from oncorwe.report.specs import RenderContext, _note_text
from small_study import accepted_tables


def test_windows_come_from_the_protocol():
    protocol = load_protocol("hcc-rt-ici")
    response = replace(protocol.response, confirmation_min_days=35, stable_disease_min_days=56)
    outputs, _, _ = analyse_study(accepted_tables(), replace(protocol, response=response))
    text = response_windows_text(outputs.results)
    assert "at least 35 days later" in text and "from 56 days after" in text
    assert "confirmation_min_days" not in outputs.results.to_dict()["meta"]
    spec = next(s for s in LESION_SPECS if s.name == "response_by_criteria")
    note = _note_text(spec.footnotes[0], RenderContext(response_windows=text))
    assert "at least 35 days later" in note and "{" not in note


def test_defaults_without_recorded_windows():
    assert "at least 28 days later" in response_windows_text(None)
    assert "from 42 days after" in response_windows_text(None)
