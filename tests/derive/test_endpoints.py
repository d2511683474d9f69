"""Endpoints declared as data: protocol-driven sources, values that never become query text, and
an endpoint added by one declaration (intrahepatic PFS) reaching results.json, ADTTE, the
survival table and the KM figure. Every value is worked out by hand from the six-patient study's
dates."""

import dataclasses
import json

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis import adam
from oncorwe.analysis.study import analyse_study
from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive import sources
from oncorwe.derive.conditions import AllOf, AnyOf, PatientHas, Where
from oncorwe.derive.endpoints import ENDPOINTS, OS, TTF, Endpoint, derive_endpoints
from oncorwe.derive.time_to_event import DateSource, derive_time_to_event
from oncorwe.engine.tables import contract_tables
from oncorwe.pipeline import write_results_json
from oncorwe.protocol import load_protocol
from oncorwe.report.figure_set import km_figures
from oncorwe.report.write import core_tables, landmarks_frame

# Intrahepatic progression: a progression record outside the irradiated volume but in the liver,
# or inside it when the patient's radiotherapy targeted the liver or the portal vein thrombus.
intrahepatic_progression = DateSource(
    "Intrahepatic progression (progression record)",
    "progression_events",
    "progression_date",
    condition=AnyOf(
        (
            Where("site", "==", "intrahepatic_out_of_field"),
            AllOf(
                (
                    Where("site", "==", "in_field"),
                    PatientHas("radiotherapy", Where("target", "in", ("liver", "pvtt"))),
                )
            ),
        )
    ),
    strictly_after_origin=True,
)
IHPFS = Endpoint(
    "IHPFS",
    "Intrahepatic Progression-Free Survival",
    "Intrahepatic progression-free survival",
    events=(intrahepatic_progression, sources.death),
    censors=(sources.last_assessment, sources.origin_censor),
    km_figure=True,
)
MONTH = 30.4375
T = contract_tables({"cohort": COHORT_SCHEMA})


def _engine(tables, protocol):
    return cohort_engine(tables, protocol)[0]


def _with_progression():
    """P2 progresses in field (its RT treated the lung) on 2019-08-01; P6 progresses in the liver
    outside the field on 2020-04-01; P1's in-field progression of 2019-06-10 (liver RT) stays."""
    tables = accepted_tables()
    extra = pd.DataFrame(
        {
            "patient_id": ["P2", "P6"],
            "progression_date": pd.to_datetime(["2019-08-01", "2020-04-01"]),
            "site": ["in_field", "intrahepatic_out_of_field"],
        }
    )
    tables["progression_events"] = pd.concat(
        [tables["progression_events"], extra], ignore_index=True
    )
    return tables


@pytest.fixture(scope="module")
def with_ihpfs():
    return analyse_study(
        _with_progression(), load_protocol("hcc-rt-ici"), endpoints=(*ENDPOINTS, IHPFS)
    )


def test_intrahepatic_pfs_is_derived_by_hand(with_ihpfs):
    _, data, _ = with_ihpfs
    rows = adam.adtte(data.adtte)
    ih = rows[rows["PARAMCD"] == "IHPFS"].set_index("USUBJID")
    # P1: day 0 2019-01-10, in-field (liver) progression 2019-06-10 = day 151, an event
    # P2: day 0 2019-05-01, in-field progression of a lung lesion is not intrahepatic: censored
    #     at the last assessment 2019-10-01 = day 153
    # P6: day 0 2020-01-01, intrahepatic progression 2020-04-01 = day 91 (2020 is a leap year)
    assert ih["AVAL"].to_dict() == {"P1": 151, "P2": 153, "P6": 91}
    assert ih["CNSR"].to_dict() == {"P1": 0, "P2": sources.CNSR_LAST_ASSESSMENT, "P6": 0}
    assert ih.loc["P6", "EVNTDESC"] == "Intrahepatic progression (progression record)"
    assert set(ih["PARAM"]) == {"Intrahepatic Progression-Free Survival"}
    # PFS counts P2's progression (day 92), the new endpoint does not
    pfs = rows[rows["PARAMCD"] == "PFS"].set_index("USUBJID")
    assert pfs.loc["P2", "AVAL"] == 92 and pfs.loc["P2", "CNSR"] == 0


def test_intrahepatic_pfs_reaches_results_json(with_ihpfs, tmp_path):
    outputs = with_ihpfs[0]
    write_results_json(outputs.results, tmp_path / "results.json")
    survival = json.loads((tmp_path / "results.json").read_text())["survival"]
    assert list(survival) == ["follow_up", "ihpfs", "lc", "os", "pfs", "ttf"]
    ih = survival["ihpfs"]
    # KM: events at 91 d (S = 2/3) and 151 d (S = 1/3), censored at 153 d -> median 151 d
    assert (ih["n"], ih["events"]) == (3, 2)
    assert ih["median_months"] == pytest.approx(151 / MONTH, rel=1e-12)


def test_intrahepatic_pfs_in_survival_table_and_km_figure(with_ihpfs, tmp_path):
    outputs = with_ihpfs[0]
    survival = outputs.tables["survival"]
    assert survival["endpoint"].tolist() == ["OS", "PFS", "LC", "TTF", "IHPFS"]
    shown = core_tables(outputs, landmarks_frame(outputs))["survival"][0]
    row = shown.rows[-1]
    assert row[:3] == ("Intrahepatic progression-free survival", "3", "2")
    assert row[3].startswith("5.0 (")  # 151 / 30.4375 = 4.96 months
    (tmp_path / "figures").mkdir()
    figures = km_figures(outputs, tmp_path / "figures", tmp_path)
    assert [f.name for f in figures] == ["os_km", "pfs_km", "ihpfs_km"]
    assert figures[-1].title == "Intrahepatic progression-free survival"
    assert (tmp_path / "figures" / "ihpfs_km.svg").exists()
    at_risk = pd.read_csv(tmp_path / "ihpfs_at_risk.csv", comment="#")
    assert at_risk.loc[at_risk["time"] == 0, "n_risk"].iloc[0] == 3


def test_ttf_reads_the_protocols_ici_classes():
    tables = accepted_tables()
    # P2 also received a LAG-3 antibody from day 0 (2019-05-01), stopped for toxicity on
    # 2019-07-01 (day 61); the pd1 course ended as planned
    extra = pd.DataFrame(
        {
            "patient_id": ["P2"],
            "agent": ["relatlimab"],
            "drug_class": ["lag3"],
            "start_date": pd.to_datetime(["2019-05-01"]),
            "end_date": pd.to_datetime(["2019-07-01"]),
            "cycles": pd.array([3], dtype="Int64"),
            "stop_reason": ["toxicity"],
        }
    )
    tables["systemic_therapy"] = pd.concat([tables["systemic_therapy"], extra], ignore_index=True)
    base = load_protocol("hcc-rt-ici")

    def ttf_of_p2(classes):
        eligibility = dataclasses.replace(base.eligibility, ici_classes=classes)
        protocol = dataclasses.replace(base, eligibility=eligibility)
        tte = derive_endpoints(_engine(tables, protocol), T, protocol, (TTF,))
        return tte.set_index("patient_id").loc["P2", ["aval", "cnsr"]].tolist()

    # default classes: lag3 is not an ICI, so P2 is censored at the last contact 2020-05-01
    assert ttf_of_p2(base.eligibility.ici_classes) == [366, sources.CNSR_ALIVE]
    # with lag3 declared an ICI class, its discontinuation for toxicity is the TTF event
    assert ttf_of_p2((*base.eligibility.ici_classes, "lag3")) == [61, 0]


def test_values_are_quoted_not_pasted():
    protocol = load_protocol("hcc-rt-ici")
    engine = _engine(accepted_tables(), protocol)
    param = "Survival'); DROP TABLE patients; --"
    out = engine.query(derive_time_to_event(T, "OS", param, OS.events, OS.censors))
    assert set(out["param"]) == {param}
    strange = DateSource("x", "patients", "death_date", Where("vital_status", "==", "'; --"))
    out = engine.query(derive_time_to_event(T, "OS", "OS", (strange,), OS.censors))
    assert (out["cnsr"] > 0).all()  # no patient's vital status is that text
    assert engine.query("SELECT count(*) AS n FROM patients")["n"].iloc[0] == 6


def test_a_setting_needs_the_protocol():
    with pytest.raises(ValueError, match="eligibility.ici_classes"):
        derive_time_to_event(T, "TTF", "TTF", TTF.events, TTF.censors)


@pytest.mark.parametrize("paramcd", ["os", "TOOLONGCODE", "1OS", "O S"])
def test_paramcd_follows_adam(paramcd):
    with pytest.raises(ValueError, match="PARAMCD"):
        Endpoint(paramcd, "x", "x", events=OS.events, censors=OS.censors)


def test_declared_endpoints_and_their_analyses():
    assert [e.paramcd for e in ENDPOINTS] == ["OS", "PFS", "LC", "TTF"]
    assert [e.key for e in ENDPOINTS if e.km_figure] == ["os", "pfs"]
    assert [e.key for e in ENDPOINTS if e.subgroups and e.cox] == ["os", "pfs"]
