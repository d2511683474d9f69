"""The response and group labels of the suppression declarations are the analysis's own."""

from __future__ import annotations

from oncorwe.analysis.compare import OVERALL as ANALYSIS_OVERALL
from oncorwe.analysis.summarize import DISEASE_CONTROL, OBJECTIVE
from oncorwe.derive.irecist_bor import IRECIST_DISEASE_CONTROL, IRECIST_RESPONDER
from oncorwe.privacy.additivity import CONTROL_CATEGORIES, OVERALL, RESPONDER_CATEGORIES


def test_labels_agree_with_the_analysis():
    assert OVERALL == ANALYSIS_OVERALL
    assert RESPONDER_CATEGORIES == (*OBJECTIVE, *IRECIST_RESPONDER)
    stable = [c for c in DISEASE_CONTROL if c not in OBJECTIVE]
    stable += [c for c in IRECIST_DISEASE_CONTROL if c not in IRECIST_RESPONDER]
    assert CONTROL_CATEGORIES == tuple(stable)
