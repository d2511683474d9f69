"""oncorwe.derive"""

from oncorwe.derive.best_response import best_overall_response, response_rates
from oncorwe.derive.ctcae import check_ae_terms, ctcae_soc, derive_lab_grades, grade_lab
from oncorwe.derive.field_response import abscopal_response, derive_field_responses
from oncorwe.derive.irecist_bor import irecist_best_overall_response
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
from oncorwe.derive.recist import derive_time_point_response
from oncorwe.derive.response_checks import check_assessments
from oncorwe.derive.rild import derive_rild

__all__ = [
    "ALPHA_BETA_LIVER",
    "ALPHA_BETA_TUMOR",
    "abscopal_response",
    "albi_grade",
    "albi_score",
    "bclc_stage",
    "bed",
    "best_overall_response",
    "check_ae_terms",
    "check_assessments",
    "child_pugh_class",
    "child_pugh_score",
    "ctcae_soc",
    "derive_field_responses",
    "derive_lab_grades",
    "derive_rild",
    "derive_time_point_response",
    "eqd2",
    "grade_lab",
    "irecist_best_overall_response",
    "pvtt_to_cheng",
    "pvtt_to_vp",
    "response_rates",
]
