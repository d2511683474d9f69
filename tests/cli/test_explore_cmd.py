"""``oncorwe explore``: a path that is not a study is a short error and exit code 2."""

from oncorwe.cli import main


def test_missing_path_is_an_error_not_a_traceback(tmp_path, capsys):
    code = main(["explore", str(tmp_path / "no-such-run")])
    err = " ".join(capsys.readouterr().err.split())  # the console may wrap long lines
    assert code == 2
    assert "does not exist" in err and "Traceback" not in err


def test_help(capsys):
    assert main(["explore", "--help"]) == 0
    assert "127.0.0.1" in " ".join(capsys.readouterr().out.split())
