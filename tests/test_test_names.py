"""Test modules have unique basenames: the suite uses pytest's default import mode (no
``__init__.py`` in tests/), which cannot collect two test files with one name."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_every_test_module_has_a_name_of_its_own():
    names = Counter(path.name for path in TESTS.rglob("*.py"))
    assert [name for name, count in names.items() if count > 1] == []
