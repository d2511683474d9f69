"""oncorwe.derive"""

from oncorwe.derive.radiobiology import ALPHA_BETA_LIVER, ALPHA_BETA_TUMOR, bed, eqd2

__all__ = ["ALPHA_BETA_LIVER", "ALPHA_BETA_TUMOR", "bed", "eqd2"]
