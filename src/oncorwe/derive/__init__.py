"""oncorwe.derive"""

from oncorwe.derive.best_response import best_overall_response, response_rates
from oncorwe.derive.radiobiology import ALPHA_BETA_LIVER, ALPHA_BETA_TUMOR, bed, eqd2
from oncorwe.derive.response_checks import check_assessments

__all__ = [
    "ALPHA_BETA_LIVER",
    "ALPHA_BETA_TUMOR",
    "bed",
    "best_overall_response",
    "check_assessments",
    "eqd2",
    "response_rates",
]
