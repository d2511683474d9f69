"""No module of the package is too long to read in one sitting."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oncorwe"
MAX_LINES = 400


def test_no_module_is_over_the_line_limit():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
