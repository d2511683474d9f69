"""oncorwe.stats: survival and proportion statistics on arrays, validated against R."""

from oncorwe.stats.binomial import BinomialCI, binomial_ci
from oncorwe.stats.cox import CoxModel, cox_ph
from oncorwe.stats.cox_concordance import Concordance, concordance
from oncorwe.stats.cox_survival import CoxSurvival, cox_survival
from oncorwe.stats.kaplan_meier import KaplanMeier, follow_up, kaplan_meier
from oncorwe.stats.logrank import LogRankTest, logrank
from oncorwe.stats.quantiles import QuantileEstimate

__all__ = [
    "BinomialCI",
    "Concordance",
    "CoxModel",
    "CoxSurvival",
    "KaplanMeier",
    "LogRankTest",
    "QuantileEstimate",
    "binomial_ci",
    "concordance",
    "cox_ph",
    "cox_survival",
    "follow_up",
    "kaplan_meier",
    "logrank",
]
