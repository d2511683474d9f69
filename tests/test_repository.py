"""The repository speaks about the product: no machine path, no working-agreement file, no
pointer to reference notes outside the repository and no development-process wording in the
package, its documentation, the README or the benchmarks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("src", "docs", "benchmarks", "README.md")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".csv", ".html", ".j2", ".css", ".json", ".R", ""}

# Each pattern names something that only makes sense on the author's machine or in the story of
# how the code was written; none can occur in text about the product.
FORBIDDEN = {
    "machine path": re.compile(r"(?<![\w.])/(work|root|home/\w+)/|(?<![\w.])/tmp/\w"),
    "working-agreement file": re.compile(r"TEAM_NOTES|working agreement", re.IGNORECASE),
    "reference notes outside the repository": re.compile(
        r"\.\./shared\b|\bshared/(reference|data)\b|\b(SEED_STUDY|DATA_MODEL|domain"
        r"|anchors_software|STYLE)\.md\b"
    ),
    "development-process wording": re.compile(
        r"\bissue \d+\b|\bsession \d+\b|\b(this|previous|last|next) session\b"
        r"|\bother sessions\b|\bthe lead('s)?\b|\bworktree\b|#\s*-{2,}\s*end\b",
        re.IGNORECASE,
    ),
}


def tracked_files() -> list[Path]:
    """Files under CHECKED: git's tracked files in a clone, else every file on disk."""
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():
        listed = subprocess.run(
            [git, "ls-files", "-z", "--", *CHECKED],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name]
    paths = [ROOT / "README.md"]
    for folder in CHECKED[:-1]:
        paths += [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    return paths


def text_files() -> list[Path]:
    return [p for p in tracked_files() if p.suffix in TEXT_SUFFIXES and p.is_file()]


def test_the_checked_folders_hold_files():
    names = {p.relative_to(ROOT).parts[0] for p in text_files()}
    assert {"src", "docs", "benchmarks", "README.md"} <= names


@pytest.mark.parametrize("kind", sorted(FORBIDDEN))
def test_no_file_mentions(kind):
    pattern = FORBIDDEN[kind]
    hits = []
    for path in text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert hits == [], f"{kind}:\n" + "\n".join(hits)


def test_no_working_agreement_file():
    assert not (ROOT / "docs" / "TEAM_NOTES.md").exists()


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("machine path", "see /work/main/src"),
        ("machine path", "written to /tmp/out.csv"),
        ("working-agreement file", "docs/TEAM_NOTES.md"),
        ("reference notes outside the repository", "(see ../shared/reference/x.md)"),
        ("reference notes outside the repository", "as DATA_MODEL.md says"),
        ("development-process wording", "privacy (issue 6): dropped"),
        ("development-process wording", "measured in this session"),
        ("development-process wording", "    # --- end shareable"),
    ],
)
def test_each_pattern_finds_what_it_is_for(kind, text):
    assert FORBIDDEN[kind].search(text)


@pytest.mark.parametrize(
    "text",
    [
        "python-openxml/python-docx issue #1: feature: footnotes",
        "the Python session reads the store",
        "tmp_path / 'out'",
        "a shared fixture; shared/derived columns",
        "https://example.org/tmp/x",
        "one lead lesion; lead = min(5, n)",
        "# --- Child-Pugh",
    ],
)
def test_legitimate_text_passes(text):
    assert not any(pattern.search(text) for pattern in FORBIDDEN.values())
