"""oncorwe.stats: survival and proportion statistics on arrays, validated against R."""

from oncorwe.stats.binomial import BinomialCI, binomial_ci
from oncorwe.stats.competing_risks import CumulativeIncidence, cumulative_incidence
from oncorwe.stats.cox import CoxModel, cox_ph
from oncorwe.stats.cox_concordance import Concordance, concordance
from oncorwe.stats.cox_survival import CoxSurvival, cox_survival
from oncorwe.stats.fine_gray import FineGrayModel, fine_gray
from oncorwe.stats.gray_test import GrayTest, gray_test
from oncorwe.stats.kaplan_meier import KaplanMeier, follow_up, kaplan_meier
from oncorwe.stats.logrank import LogRankTest, logrank
from oncorwe.stats.ph_test import PHTest, ph_test
from oncorwe.stats.quantiles import QuantileEstimate

__all__ = [
    "BinomialCI",
    "Concordance",
    "CoxModel",
    "CoxSurvival",
    "CumulativeIncidence",
    "FineGrayModel",
    "GrayTest",
    "KaplanMeier",
    "LogRankTest",
    "PHTest",
    "QuantileEstimate",
    "binomial_ci",
    "concordance",
    "cox_ph",
    "cox_survival",
    "cumulative_incidence",
    "fine_gray",
    "follow_up",
    "gray_test",
    "kaplan_meier",
    "logrank",
    "ph_test",
]
