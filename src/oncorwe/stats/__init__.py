"""oncorwe.stats: survival and proportion statistics on arrays, validated against R."""

from oncorwe.stats.binomial import BinomialCI, binomial_ci
from oncorwe.stats.cox import CoxModel, cox_ph
from oncorwe.stats.kaplan_meier import KaplanMeier, follow_up, kaplan_meier
from oncorwe.stats.logrank import LogRankTest, logrank
from oncorwe.stats.quantiles import QuantileEstimate

__all__ = [
    "BinomialCI",
    "CoxModel",
    "KaplanMeier",
    "LogRankTest",
    "QuantileEstimate",
    "binomial_ci",
    "cox_ph",
    "follow_up",
    "kaplan_meier",
    "logrank",
]
