"""Each rule that the package once wrote in several places is written in one module.

Every entry names a rule, a pattern that only its written-out form matches, and the module that
holds it; any other module of the package writing it again fails the test (the others read the
name that module gives it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oncorwe"

ONCE = {
    "days per month (365.25 / 12)": (r"\b30\.4375\b", "protocol/model.py"),
    "the response words, best first": (
        r'"CR",\s*"PR",\s*"SD",\s*"NON-CR/NON-PD",\s*"PD",\s*"NE"',
        "io/schema.py",
    ),
    "the criteria names": (r'"RECIST1\.1",\s*"mRECIST",\s*"iRECIST"', "protocol/model.py"),
    "exact (Clopper-Pearson) binomial limits": (r"\bbeta\.ppf\(", "stats/binomial.py"),
    "the ICI drug classes": (r'\(\s*"pd1",\s*"pdl1",\s*"ctla4"\s*\)', "protocol/model.py"),
    "the CR/PR confirmation and SD windows": (
        r"^\s*(confirmation_min_days|stable_disease_min_days)\s*(:\s*int)?\s*=\s*\d",
        "protocol/model.py",
    ),
    "the best-response options": (
        r"^\s*(ref_confirm|ref_start_window)\s*:",
        "derive/response_options.py",
    ),
    "the term -> system organ class normalisation": (
        r"term\S*\.(str\.)?strip\(\)\.(str\.)?lower\(\)",
        "derive/ctcae.py",
    ),
}


def _writers(pattern: str) -> set[str]:
    found = re.compile(pattern, re.MULTILINE)
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if found.search(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("rule", sorted(ONCE))
def test_the_rule_is_written_in_one_module(rule):
    pattern, home = ONCE[rule]
    assert _writers(pattern) == {home}


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("days per month (365.25 / 12)", "months = days / 30.4375"),
        (
            "the response words, best first",
            'VALUES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")',
        ),
        ("the ICI drug classes", 'classes = ("pd1", "pdl1", "ctla4")'),
        ("the CR/PR confirmation and SD windows", "    confirmation_min_days: int = 28"),
        ("the best-response options", "    ref_confirm: int = REF_CONFIRM_DAYS,"),
        (
            "the term -> system organ class normalisation",
            'frame["term"].str.strip().str.lower().map(lookup)',
        ),
    ],
)
def test_each_pattern_finds_the_rule_written_out(rule, text):
    assert re.search(ONCE[rule][0], text, re.MULTILINE)
