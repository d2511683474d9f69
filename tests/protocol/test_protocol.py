import datetime as dt

import pytest

from oncorwe.errors import ProtocolError
from oncorwe.protocol import builtin_protocols, load_protocol, protocol_from_dict


def test_builtin_encodes_seed_study_defaults():
    p = load_protocol("hcc-rt-ici")
    assert "hcc-rt-ici" in builtin_protocols()
    assert p.eligibility.enrolment_start == dt.date(2018, 1, 1)
    assert p.eligibility.enrolment_end == dt.date(2021, 12, 31)
    assert p.eligibility.disease_settings == ("de_novo_metastatic", "recurrent")
    assert p.time_origin.rule == "first_of_rt_or_ici"
    assert (p.treatment.concurrency_days_before_rt, p.treatment.concurrency_days_after_rt) == (
        30,
        30,
    )
    assert p.response.criteria == "mRECIST" and p.response.confirmation is False
    assert p.survival.days_per_month == 30.4375
    assert p.safety.ctcae_version == "5.0"


def test_every_setting_reaches_the_methods_rows():
    p = load_protocol("hcc-rt-ici")
    settings = {row[0] for row in p.methods_rows()}
    for section, values in p.to_dict().items():
        if section in ("source", "study"):
            continue
        for key in values:
            assert f"{section}.{key}" in settings


def test_file_protocol(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[study]\nname = "x"\ntitle = "X"\n[eligibility]\n'
        "enrolment_start = 2019-01-01\nenrolment_end = 2020-12-31\n"
        '[response]\ncriteria = "RECIST1.1"\n'
    )
    p = load_protocol(path)
    assert p.response.criteria == "RECIST1.1"
    assert p.survival.conf_type == "log-log"  # default kept


@pytest.mark.parametrize(
    "data, message",
    [
        ({"study": {"name": "x", "title": "t"}}, "eligibility"),
        ({"study": {"name": "x", "title": "t"}, "eligibility": {}, "extra": {}}, "unknown section"),
        (
            {
                "study": {"name": "x", "title": "t"},
                "eligibility": {
                    "enrolment_start": dt.date(2020, 1, 1),
                    "enrolment_end": dt.date(2019, 1, 1),
                },
            },
            "before enrolment_start",
        ),
        (
            {
                "study": {"name": "x", "title": "t"},
                "eligibility": {
                    "enrolment_start": dt.date(2019, 1, 1),
                    "enrolment_end": dt.date(2020, 1, 1),
                },
                "survival": {"conf_typ": "log"},
            },
            "unknown setting",
        ),
    ],
)
def test_bad_protocols_name_the_problem(data, message):
    with pytest.raises(ProtocolError, match=message):
        protocol_from_dict(data, "test")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ProtocolError, match="neither a built-in"):
        load_protocol(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\n")
    with pytest.raises(ProtocolError, match="not valid TOML"):
        load_protocol(bad)


@pytest.mark.parametrize(
    "written, expected",
    [("30", 30), ("90", 90), ("0", 0), ('"none"', None), ('""', None), (None, None)],
)
def test_treatment_emergent_window(tmp_path, written, expected):
    path = tmp_path / "window.toml"
    text = (
        '[study]\nname = "x"\ntitle = "X"\n[eligibility]\n'
        "enrolment_start = 2019-01-01\nenrolment_end = 2020-12-31\n[safety]\n"
    )
    if written is not None:
        text += f"treatment_emergent_days_after_last_dose = {written}\n"
    path.write_text(text)
    p = load_protocol(path)
    assert p.safety.treatment_emergent_days_after_last_dose == expected
    row = [r for r in p.methods_rows() if r[0] == "safety.treatment_emergent_days_after_last_dose"]
    assert row[0][1] == ("none" if expected is None else str(expected))


@pytest.mark.parametrize("written", ["-1", '"thirty"', "30.0", "true"])
def test_treatment_emergent_window_refused(tmp_path, written):
    path = tmp_path / "window.toml"
    path.write_text(
        '[study]\nname = "x"\ntitle = "X"\n[eligibility]\n'
        "enrolment_start = 2019-01-01\nenrolment_end = 2020-12-31\n[safety]\n"
        f"treatment_emergent_days_after_last_dose = {written}\n"
    )
    with pytest.raises(ProtocolError, match="treatment_emergent_days_after_last_dose"):
        load_protocol(path)


def test_builtin_treatment_emergent_window_has_no_end():
    # the reference study's abstract states no window: every AE from day 0 on counts
    assert load_protocol("hcc-rt-ici").safety.treatment_emergent_days_after_last_dose is None
