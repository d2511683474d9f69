"""Validation that loses nothing: typed accepted rows, quarantined rows, findings, reconciliation.

Public API: ``validate_tables``, ``ValidationResult``, ``RULES`` (the rule registry, in check
order), ``rules_table`` and ``first_error_class``.
"""

from oncorwe.validate.rules import RULES, Rule, rules_table
from oncorwe.validate.tables import ValidationResult, first_error_class, validate_tables

__all__ = [
    "RULES",
    "Rule",
    "ValidationResult",
    "first_error_class",
    "rules_table",
    "validate_tables",
]
