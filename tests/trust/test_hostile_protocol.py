"""Hostile protocol TOML: every one is a ProtocolError with a message, exit 2 on the command
line, never a traceback."""

import subprocess
import sys
from importlib import resources

import pytest

from oncorwe.cli import main
from oncorwe.errors import ProtocolError
from oncorwe.protocol import load_protocol

BUILTIN = (resources.files("oncorwe.protocol") / "builtin" / "hcc-rt-ici.toml").read_text()
MINIMAL = '[study]\nname = "x"\ntitle = "y"\n[eligibility]\nenrolment_start = 2018-01-01\n'
MINIMAL_END = "enrolment_end = 2021-12-31\n"


def _with(setting_section: str, line: str) -> str:
    """The built-in protocol with ``line`` replacing the setting of the same key."""
    key = line.split("=")[0].strip()
    out, section = [], ""
    for old in BUILTIN.splitlines():
        if old.startswith("["):
            section = old.strip("[]")
        if section == setting_section and old.split("=")[0].strip() == key:
            old = line
        out.append(old)
    return "\n".join(out) + "\n"


HOSTILE = {
    "deep_array": MINIMAL + MINIMAL_END + "[subgroups]\nvariables = " + "[" * 5000 + "]" * 5000,
    "deep_inline_table": MINIMAL + MINIMAL_END + "x = " + "{a = " * 5000 + "1" + "}" * 5000,
    "deep_dotted_sections": MINIMAL + MINIMAL_END + "[" + ".".join(["a"] * 2000) + "]\n",
    "huge_string": MINIMAL.replace('"y"', '"' + "A" * 2_000_000 + '"') + MINIMAL_END,
    "huge_key": MINIMAL + MINIMAL_END + "k" * 100_000 + " = 1\n",
    "nul_byte": MINIMAL + MINIMAL_END + 'x = "a\x00b"\n',
    "not_toml_binary": "\x89PNG\r\n\x1a\n\x00\x00",
    "conf_level_text": _with("survival", 'conf_level = "ninety-five"'),
    "conf_level_bool": _with("survival", "conf_level = true"),
    "days_per_month_list": _with("survival", "days_per_month = [30]"),
    "landmarks_text_items": _with("survival", 'landmark_months = ["six", 12]'),
    "landmarks_not_list": _with("survival", "landmark_months = 6"),
    "enrolment_as_text": _with("eligibility", 'enrolment_start = "2018-01-01"'),
    "enrolment_as_datetime": _with("eligibility", "enrolment_start = 2018-01-01T00:00:00"),
    "require_rt_text": _with("eligibility", 'require_radiotherapy = "yes"'),
    "criteria_number": _with("response", "criteria = 1"),
    "criteria_unknown": _with("response", 'criteria = "WHO"'),
    "rule_table": _with("time_origin", "rule = { a = 1 }"),
    "confirmation_days_float": _with("response", "confirmation_min_days = 28.5"),
    "title_number": _with("study", "title = 3"),
    "section_not_table": BUILTIN.replace("[treatment]", "treatment = 3\n[x_treatment]"),
    "privacy_min_cell_text": _with("privacy", 'min_cell = "5"'),
    "privacy_min_cell_zero": _with("privacy", "min_cell = 0"),
    "privacy_min_cell_negative": _with("privacy", "min_cell = -3"),
    "privacy_shareable_text": _with("privacy", 'shareable = "true"'),
    "privacy_allow_number": _with("privacy", "allow_identifiers = 1"),
    "privacy_unknown_setting": BUILTIN + "leak = true\n",
    "huge_integer": _with("treatment", "concurrency_days_before_rt = 99999999999999999999"),
    "nan_level": _with("survival", "conf_level = nan"),
    "inf_days": _with("survival", "days_per_month = -inf"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_protocol_is_a_protocol_error(tmp_path, name, capsys):
    path = tmp_path / f"{name}.toml"
    path.write_text(HOSTILE[name], encoding="utf-8", errors="surrogateescape")
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    message = str(caught.value)
    assert str(path) in message
    assert len(message) < 2000  # a huge value is never echoed back whole
    # the command line: exit 2 and a message, no traceback
    assert main(["protocols", str(path)]) == 2
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err + printed.out
    assert "Error:" in printed.err


def test_the_builtin_protocol_still_loads_with_privacy_defaults():
    privacy = load_protocol("hcc-rt-ici").privacy
    assert (privacy.allow_identifiers, privacy.shareable, privacy.min_cell) == (False, False, 5)


def test_privacy_section_is_optional():
    p = load_protocol_text(MINIMAL + MINIMAL_END)
    assert p.privacy.min_cell == 5 and not p.privacy.shareable


def load_protocol_text(text):
    import tomllib

    from oncorwe.protocol.load import protocol_from_dict

    return protocol_from_dict(tomllib.loads(text), "text")


def test_command_line_process_shows_no_traceback(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text(HOSTILE["deep_array"])
    run = subprocess.run(
        [sys.executable, "-m", "oncorwe.cli", "protocols", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "nests" in run.stderr
