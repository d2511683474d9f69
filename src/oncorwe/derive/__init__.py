"""oncorwe.derive"""

from oncorwe.derive.best_response import best_overall_response, response_rates
from oncorwe.derive.liver import (
    albi_grade,
    albi_score,
    bclc_stage,
    child_pugh_class,
    child_pugh_score,
    pvtt_to_cheng,
    pvtt_to_vp,
)
from oncorwe.derive.radiobiology import ALPHA_BETA_LIVER, ALPHA_BETA_TUMOR, bed, eqd2
from oncorwe.derive.response_checks import check_assessments

__all__ = [
    "ALPHA_BETA_LIVER",
    "ALPHA_BETA_TUMOR",
    "albi_grade",
    "albi_score",
    "bclc_stage",
    "bed",
    "best_overall_response",
    "check_assessments",
    "child_pugh_class",
    "child_pugh_score",
    "eqd2",
    "pvtt_to_cheng",
    "pvtt_to_vp",
    "response_rates",
]
