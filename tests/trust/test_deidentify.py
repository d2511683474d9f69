"""``oncorwe deidentify``: keyed pseudonyms, per-patient date shifts that keep every interval,
study days, ages over 89, and a Safe Harbor report."""

from __future__ import annotations

import json
import re
from functools import partial
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from conftest import results_only
from oncorwe.cli import main
from oncorwe.cohort.time_origin import time_origin_frame
from oncorwe.privacy.deidentify import (
    MAX_SHIFT_DAYS,
    date_offsets,
    deidentify_source,
    load_or_create_key,
    pseudonyms,
)
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path

KEY_A, KEY_B = bytes(range(32)), bytes(range(1, 33))
BUILTIN = (resources.files("oncorwe.protocol") / "builtin" / "hcc-rt-ici.toml").read_text()


def _leaves(value, path=""):
    """Every number and word of a results.json, keyed by its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def wide_protocol(folder: Path) -> Path:
    """The built-in protocol with an enrolment window no shift can cross (see the test)."""
    text = re.sub(r"enrolment_start = \S+", "enrolment_start = 1990-01-01", BUILTIN)
    text = re.sub(r"enrolment_end = \S+", "enrolment_end = 2040-12-31", text)
    path = folder / "wide.toml"
    path.write_text(text)
    return path


def test_pseudonyms_are_keyed_and_stable():
    ids = pd.Series(["SYN-001", "SYN-002", "SYN-001", None], dtype="string")
    a = pseudonyms(ids, KEY_A)
    assert a[0] == a[2] and a[0] != a[1] and pd.isna(a[3])
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", v) for v in a.dropna())
    assert (pseudonyms(ids, KEY_A).dropna() == a.dropna()).all()
    assert not set(pseudonyms(ids, KEY_B).dropna()) & set(a.dropna())


def test_date_offsets_are_per_patient_nonzero_and_bounded():
    ids = pd.Series([f"SYN-{i:04d}" for i in range(5000)], dtype="string")
    offsets = date_offsets(ids, KEY_A)
    assert offsets.abs().max() <= MAX_SHIFT_DAYS and (offsets != 0).all()
    assert offsets.min() < -170 and offsets.max() > 170  # the whole range is used
    assert abs(offsets.mean()) < 10  # centred
    assert (date_offsets(ids, KEY_A) == offsets).all()
    assert (date_offsets(ids, KEY_B) != offsets).mean() > 0.95


def test_key_file_is_created_secret_and_reused(tmp_path):
    path = tmp_path / "k.key"
    key = load_or_create_key(path)
    assert len(key) == 32 and oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_or_create_key(path) == key


def test_ages_over_89_birth_year_and_identifier_columns(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in seed_twin_path().iterdir():
        (data / name.name).write_bytes(name.read_bytes())
    patients = pd.read_csv(data / "patients.csv", dtype=str, keep_default_na=False)
    patients.loc[:2, "age_at_index"] = ["90", "97", "89"]
    patients["birth_date"] = "1931-05-17"
    patients["phone"] = "13812345678"
    patients["notes"] = "free text"
    patients.to_csv(data / "patients.csv", index=False)
    summary = deidentify_source(data, tmp_path / "out", KEY_A)
    out = pd.read_csv(tmp_path / "out" / "patients.csv", dtype=str, keep_default_na=False)
    assert list(out["age_at_index"][:3]) == ["90", "90", "89"]
    assert summary.ages_capped == 2
    assert set(out["birth_date"]) == {"1931"} and summary.birth_dates_to_year == len(out)
    assert "phone" not in out and "notes" not in out
    reasons = {column: reason for _, column, reason in summary.dropped_columns}
    assert reasons == {"phone": "identifier (phone)", "notes": "not in contract"}
    text = "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert "13812345678" not in text and "SYN-0" not in text and "1931-05" not in text


def test_same_key_same_bytes_and_different_key_different_ids(tmp_path):
    for name, key in (("a1", KEY_A), ("a2", KEY_A), ("b", KEY_B)):
        deidentify_source(seed_twin_path(), tmp_path / name, key)
    files = sorted(p.name for p in (tmp_path / "a1").iterdir())
    for name in files:
        assert (tmp_path / "a1" / name).read_bytes() == (tmp_path / "a2" / name).read_bytes()
    a = pd.read_csv(tmp_path / "a1" / "patients.csv")
    b = pd.read_csv(tmp_path / "b" / "patients.csv")
    assert not set(a["patient_id"]) & set(b["patient_id"])
    assert (a["diagnosis_date"] != b["diagnosis_date"]).mean() > 0.95


def test_study_days_relative_to_the_time_origin(tmp_path):
    origin = partial(time_origin_frame, protocol=load_protocol("hcc-rt-ici"))
    summary = deidentify_source(
        seed_twin_path(), tmp_path / "out", KEY_A, dates="study_day", time_origin=origin
    )
    rt = pd.read_csv(tmp_path / "out" / "radiotherapy.csv")
    ici = pd.read_csv(tmp_path / "out" / "systemic_therapy.csv")
    assert "start_date" not in rt and {"start_date_day", "end_date_day"} <= set(rt.columns)
    first_rt = rt.groupby("patient_id")["start_date_day"].min()
    first_ici = (
        ici[ici["drug_class"].isin(["pd1", "pdl1", "ctla4"])]
        .groupby("patient_id")["start_date_day"]
        .min()
    )
    day0 = pd.concat([first_rt, first_ici], axis=1).min(axis=1)
    assert (day0 == 0).all()  # the first of RT or ICI is day 0 (protocol hcc-rt-ici)
    assert summary.no_origin == 0
    patients = pd.read_csv(tmp_path / "out" / "patients.csv")
    assert not [c for c in patients.columns if c.endswith("_date")]


def test_study_days_need_the_time_origin(tmp_path):
    from oncorwe.errors import InputError

    with pytest.raises(InputError, match="needs the protocol's time origin"):
        deidentify_source(seed_twin_path(), tmp_path / "out", KEY_A, dates="study_day")
    assert not (tmp_path / "out").exists()


def test_deidentified_demo_gives_identical_results(tmp_path, capsys):
    """Every interval is kept, so every number of results.json is the same.

    The protocol's enrolment window is widened for both runs: the built-in window
    (2018-01-01 to 2021-12-31) is a calendar rule, and a shift of up to 180 days moves some
    patients' time origin across it (4 of 108 demo patients with one key). Apply the calendar
    eligibility before de-identifying, or widen the window, when the cohort must be the same.
    """
    key_file = tmp_path / "secret" / "k.key"
    assert main(["deidentify", str(seed_twin_path()), "--out", str(tmp_path / "deid"),
                 "--key-file", str(key_file)]) == 0  # fmt: skip
    assert key_file.is_file() and not list((tmp_path / "deid").glob("*.key"))
    key_text = key_file.read_text().strip()
    for path in (tmp_path / "deid").iterdir():
        assert key_text not in path.read_text()
    report = (tmp_path / "deid" / "deidentification_report.md").read_text()
    assert "164.514(b)(2)" in report and "(R)" in report and "NOT Safe Harbor" in report
    protocol = wide_protocol(tmp_path)
    for name, data in (("a", seed_twin_path()), ("b", tmp_path / "deid")):
        args = ["run", "--data", str(data), "--out", str(tmp_path / name)]
        with results_only():  # the report is tested on the demo
            assert main([*args, "--protocol", str(protocol)]) == 0
    a = dict(_leaves(json.loads((tmp_path / "a" / "results.json").read_text())))
    b = dict(_leaves(json.loads((tmp_path / "b" / "results.json").read_text())))
    # provenance (input file hashes) differs by design; every number and word else is equal
    differ = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    assert {k.split("[")[0] for k in differ} <= {".meta.provenance.inputs"}, sorted(differ)[:10]
    assert a[".cohort.n"] == b[".cohort.n"] > 100
    numbers = [k for k, v in a.items() if isinstance(v, int | float) and not isinstance(v, bool)]
    assert len(numbers) > 150


def test_refuses_a_key_inside_the_output_or_a_non_empty_output(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["deidentify", str(seed_twin_path()), "--out", str(out),
                 "--key-file", str(out / "k.key")])  # fmt: skip
    assert code == 2 and "inside the output folder" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.csv").write_text("x")
    code = main(["deidentify", str(seed_twin_path()), "--out", str(tmp_path / "full"),
                 "--key-file", str(tmp_path / "k.key")])  # fmt: skip
    assert code == 2 and "not empty" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("text", ["", "zz", "00ff"])
def test_a_bad_key_file_is_an_input_error(tmp_path, text):
    from oncorwe.errors import InputError

    path = tmp_path / "k.key"
    path.write_text(text)
    with pytest.raises(InputError, match="not an oncorwe key file"):
        load_or_create_key(path)
