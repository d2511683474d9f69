"""Privacy by default: identifier columns seeded into the demo data are flagged, dropped before
the study store, and no seeded value reaches any file a run writes."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from leak_search import leak_finder
from oncorwe.cli import main
from oncorwe.io.sources import read_source
from oncorwe.privacy.deidentify import DROPPED_RULE, drop_identifier_columns
from oncorwe.privacy.identifiers import chinese_id_checksum_ok, detect_identifiers
from oncorwe.synth import seed_twin_path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
WESTERN = ["John Smith", "Mary Johnson", "Robert Brown", "Linda Davis", "James Wilson"]
REGIONS = ["110105", "310104", "440305", "330106", "510107", "420106"]
STREETS = ["漕溪北路", "中山东一路", "建国门外大街", "天河路", "南京西路"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def chinese_id(i: int, birth: str) -> str:
    """An 18-character citizen ID with a valid GB 11643-1999 check digit."""
    body = REGIONS[i % len(REGIONS)] + birth.replace("-", "") + f"{(i * 37) % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def fake_identifiers(n: int) -> pd.DataFrame:
    """Realistic fake identifiers for ``n`` patients, one column per kind (and per style)."""
    rows = []
    for i in range(n):
        birth = f"{1940 + i % 35}-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        chinese = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 5) % len(GIVEN)]
        rows.append(
            {
                "full_name": WESTERN[i % 5] if i % 4 == 0 else chinese,
                "联系人": SURNAMES[(i + 3) % len(SURNAMES)]
                + GIVEN[(i * 3 + 1) % len(GIVEN)]
                + "华",
                "phone": f"13{8 + i % 2}{(i * 7919) % 10**8:08d}",
                "contact": f"+86 139 {(i * 131) % 10**4:04d} {(i * 977) % 10**4:04d}",
                "email": f"patient.{i:03d}.{['wang', 'li', 'smith'][i % 3]}@hospital-mail.cn",
                "id_card": chinese_id(i, birth),
                "misc_code": chinese_id(i + 500, f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}"),
                "mrn": f"ZY{20190000 + i * 13:08d}",
                "address": (
                    f"上海市徐汇区{STREETS[i % 5]}{10 + i}号"
                    if i % 3
                    else f"{100 + i} {['Baker', 'Elm', 'Oak'][i % 3]} Street"
                ),
                "date_of_birth": birth,
            }
        )
    return pd.DataFrame(rows)


SEEDED = {
    "patients": [
        "full_name",
        "联系人",
        "phone",
        "contact",
        "email",
        "id_card",
        "misc_code",
        "mrn",
        "address",
        "date_of_birth",
    ],
    "adverse_events": ["reporter_phone"],
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, list[str]]:
    """A copy of the demo data with identifier columns; returns (folder, every seeded value)."""
    folder = tmp_path_factory.mktemp("seeded")
    shutil.copytree(seed_twin_path(), folder, dirs_exist_ok=True)
    patients = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
    fake = fake_identifiers(len(patients))
    pd.concat([patients, fake], axis=1).to_csv(folder / "patients.csv", index=False)
    events = pd.read_csv(folder / "adverse_events.csv", dtype=str, keep_default_na=False)
    events["reporter_phone"] = [f"010-6275{(i * 53) % 10**4:04d}" for i in range(len(events))]
    events.to_csv(folder / "adverse_events.csv", index=False)
    values = set(fake.to_numpy().ravel()) | set(events["reporter_phone"])
    return folder, sorted(values)


def test_fake_id_cards_have_valid_checksums():
    fake = fake_identifiers(60)
    assert chinese_id_checksum_ok(fake["id_card"].astype("string")).all()
    assert chinese_id_checksum_ok(fake["misc_code"].astype("string")).all()


def test_every_seeded_column_is_dropped_and_no_canonical_one(seeded):
    folder, _ = seeded
    raw = read_source(folder)
    cleaned, dropped = drop_identifier_columns(raw)
    flagged = dropped.groupby("table")["column"].apply(sorted).to_dict()
    assert flagged == {table: sorted(columns) for table, columns in SEEDED.items()}
    assert (dropped["rule"] == DROPPED_RULE).all()
    for table, columns in SEEDED.items():
        assert not set(columns) & set(cleaned.tables[table].columns)
    # the finding names the column and the kind, never a value
    _, values = seeded
    text = dropped.to_csv()
    assert not [v for v in values if v in text]
    # canonical columns are never flagged, even when contract columns are checked too
    demo = read_source(seed_twin_path())
    for name, frame in demo.tables.items():
        assert detect_identifiers(frame, table=name, include_contract=True).empty, name


def test_allow_identifiers_keeps_the_columns(seeded):
    folder, _ = seeded
    raw = read_source(folder)
    kept, dropped = drop_identifier_columns(raw, allow=True)
    assert kept is raw and dropped.empty


def _texts_of(path: Path) -> list[bytes]:
    """The file's bytes and every decoded form a value could hide in: zip members (docx,
    xlsx), Parquet and DuckDB tables as CSV text, the PDF's text."""
    data = path.read_bytes()
    out = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            out += [archive.read(member) for member in archive.namelist()]
    if path.suffix == ".parquet":
        out.append(pd.read_parquet(path).to_csv().encode())
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        for schema, table in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall():
            frame = con.execute(f'SELECT * FROM "{schema}"."{table}"').df()
            out.append((frame.to_csv() + ",".join(map(str, frame.columns))).encode())
        con.close()
    if path.suffix == ".pdf" and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout
        out.append(text)
    return out


def test_no_seeded_value_reaches_any_output(seeded, tmp_path, capsys):
    folder, values = seeded
    out = tmp_path / "out"
    assert main(["run", "--data", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("privacy:") == sum(map(len, SEEDED.values()))
    assert "'full_name'" in printed and "'date_of_birth'" in printed
    findings = pd.read_csv(out / "validation.csv")
    dropped = findings[findings["rule"] == DROPPED_RULE]
    assert sorted(zip(dropped["table"], dropped["column"], strict=True)) == sorted(
        (t, c) for t, cols in SEEDED.items() for c in cols
    )
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"study.duckdb", "report.html", "results.json", "validation.csv"} <= {
        p.name for p in files
    }
    find = leak_finder([v.encode("utf-8") for v in values])
    leaks = {}
    for path in files:
        for blob in _texts_of(path):
            found = [n.decode() for n in find(blob)]
            if found:
                leaks[str(path.relative_to(out))] = found[:3]
    assert not leaks, leaks
    # the seeded column names themselves are only in the findings, not in the data stores
    with duckdb.connect(str(out / "study.duckdb"), read_only=True) as con:
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns()").fetchall()}
    assert not columns & {c for cols in SEEDED.values() for c in cols}
