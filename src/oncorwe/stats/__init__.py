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
from oncorwe.stats.one_sample import (
    BinomialTest,
    LandmarkTest,
    OneSampleLogRank,
    ReferenceCurve,
    binomial_test,
    landmark_test,
    one_sample_logrank,
    reference_curve,
)
from oncorwe.stats.ph_test import PHTest, ph_test
from oncorwe.stats.quantiles import QuantileEstimate
from oncorwe.stats.rmst import RMST, RMSTComparison, rmst, rmst_difference
from oncorwe.stats.weighting import IPTW, iptw, standardized_mean_differences

__all__ = [
    "BinomialCI",
    "BinomialTest",
    "Concordance",
    "CoxModel",
    "CoxSurvival",
    "CumulativeIncidence",
    "FineGrayModel",
    "GrayTest",
    "IPTW",
    "KaplanMeier",
    "LandmarkTest",
    "LogRankTest",
    "OneSampleLogRank",
    "PHTest",
    "QuantileEstimate",
    "RMST",
    "RMSTComparison",
    "ReferenceCurve",
    "binomial_ci",
    "binomial_test",
    "concordance",
    "cox_ph",
    "cox_survival",
    "cumulative_incidence",
    "fine_gray",
    "follow_up",
    "gray_test",
    "iptw",
    "kaplan_meier",
    "landmark_test",
    "logrank",
    "one_sample_logrank",
    "ph_test",
    "reference_curve",
    "rmst",
    "rmst_difference",
    "standardized_mean_differences",
]
