"""A one-million-row table goes through `oncorwe validate`: every row accounted for, no crash.

Not a timing test (timings live in benchmarks/); it checks that size alone breaks nothing. Marked
slow: `make check-slow` (and CI) runs it, `make test` does not.
"""

import shutil

import numpy as np
import pandas as pd
import pytest

from oncorwe.cli import main
from oncorwe.synth import seed_twin_path

ROWS = 1_000_000


@pytest.mark.slow
def test_million_adverse_events_reconcile(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(seed_twin_path(), data)
    patients = pd.read_csv(data / "patients.csv", comment="#")
    ids = patients["patient_id"].to_numpy()
    # onset on the last contact: after diagnosis and never after death
    onset = dict(zip(ids, patients["last_contact_date"], strict=True))
    rng = np.random.default_rng(1)
    grades = rng.integers(1, 6, size=ROWS).astype(object)
    grades[:7] = "9"  # seven rows break the grade rule and must be quarantined, not lost
    who = ids[rng.integers(0, len(ids), size=ROWS)]
    frame = pd.DataFrame(
        {
            "patient_id": who,
            # distinct terms: exact duplicates (contract columns) would rightly be quarantined
            "term": pd.Series(np.arange(ROWS)).map("Event {:07d}".format).to_numpy(),
            "grade": grades,
            "onset_date": pd.Series(who).map(onset).to_numpy(),
        }
    )
    frame.to_csv(data / "adverse_events.csv", index=False)
    code = main(["validate", str(data), "--out", str(tmp_path)])
    text = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert f"adverse_events: read {ROWS} = accepted {ROWS - 7} + quarantined 7" in text
