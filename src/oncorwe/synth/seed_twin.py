"""The seed twin: a synthetic cohort that reproduces the reference study's published numbers.

``generate_seed_twin()`` draws, from one fixed seed, a cohort of 108 eligible patients with
metastatic or recurrent HCC treated with radiotherapy and an immune checkpoint inhibitor, plus 14
records the ``hcc-rt-ici`` protocol excludes (5 locally advanced, 4 without an ICI, 5 whose time
origin lies outside 2018-2021), in the canonical input format (``oncorwe.io.schema``). Every
value is synthetic: no real patient's data went into it. The tables ship with the package
(``seed_twin_path()``); ``write_seed_twin()`` writes them again, byte for byte.

Steps of the generator, each with its own random stream spawned from the seed so that a change in
one step does not reshuffle the others: baseline characteristics (``patients``), RT courses and
ICI plan (``treatment``), survival with calibration of the Kaplan-Meier medians (``survival``),
tumour assessments and progression sites (``response``), systemic therapy rows (``systemic``),
adverse events (``toxicity``), laboratory values (``labs``) and lesion measurements that
explain the recorded mRECIST responses (``lesions``).

References
----------
.. [1] Zhai Y, et al. Combined radiation and immune checkpoint inhibitor therapy for metastatic or
   recurrent hepatocellular carcinoma: a real-world study of 108 patients. Front Immunol.
   2025;16:1594577. doi:10.3389/fimmu.2025.1594577
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from oncorwe.io.schema import TABLES
from oncorwe.synth.calibration import calibrate
from oncorwe.synth.labs import TESTS, draw_labs
from oncorwe.synth.lesions import draw_lesions
from oncorwe.synth.patients import day_number, draw_patients
from oncorwe.synth.response import draw_assessments, draw_progression_events
from oncorwe.synth.survival import Parameters, draw_latent
from oncorwe.synth.systemic import derive_systemic_rows
from oncorwe.synth.targets import SEED_STUDY
from oncorwe.synth.toxicity import draw_adverse_events
from oncorwe.synth.treatment import draw_treatment

SEED = 1594577  # the reference article's number in Frontiers in Immunology
FIRST_CUTOFF = "2022-06-30"  # where the search for the data cut-off date starts
# "lesions" is last: SeedSequence.spawn gives the earlier streams the same children as before
STREAMS = (
    "patients",
    "treatment",
    "survival",
    "response",
    "systemic",
    "toxicity",
    "labs",
    "lesions",
)
TABLE_ORDER = (
    "patients",
    "radiotherapy",
    "systemic_therapy",
    "tumor_assessments",
    "progression_events",
    "adverse_events",
    "labs",
    "lesions",
)
PATIENT_DECIMALS = {
    "bilirubin_umol_l": 1,
    "albumin_g_l": 1,
    "inr": 2,
    "platelets_10e9_l": 0,
    "alt_u_l": 0,
    "ast_u_l": 0,
    "afp_ng_ml": 1,
    "largest_tumor_cm": 1,
}


@dataclass(frozen=True)
class SeedTwin:
    """The generated tables (all values as CSV text) and the calibrated survival parameters."""

    tables: dict[str, pd.DataFrame]
    parameters: Parameters
    seed: int


def iso(days) -> list[str]:
    """ISO dates of day numbers (days since 1970-01-01); NaN gives an empty string."""
    out = []
    for d in np.asarray(days, dtype=float):
        out.append("" if np.isnan(d) else str(np.datetime64(int(d), "D")))
    return out


def _text(values, decimals: int | None = None) -> list[str]:
    """Numbers as CSV text: fixed decimals, or the shortest form (55, 1.5); NaN/None -> ''."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        elif isinstance(v, (bool, np.bool_)):
            out.append("true" if v else "false")
        elif decimals is not None:
            out.append(f"{float(v):.{decimals}f}")
        elif isinstance(v, (int, np.integer)):
            out.append(str(int(v)))
        elif isinstance(v, (float, np.floating)):
            out.append(f"{float(v):g}" if float(v) != int(v) else str(int(v)))
        else:
            out.append(str(v))
    return out


def _patients_table(frame: pd.DataFrame, outcome: pd.DataFrame) -> pd.DataFrame:
    last = frame["index_day"].to_numpy() + outcome["os_days"].to_numpy()
    dead = outcome["dead"].to_numpy()
    data = {
        "patient_id": frame["patient_id"],
        "sex": frame["sex"],
        "age_at_index": _text(frame["age_at_index"]),
        "diagnosis_date": iso(frame["diagnosis_day"]),
    }
    for name in TABLES["patients"].column_names:
        if name in data or name not in frame.columns:
            continue
        data[name] = _text(frame[name], PATIENT_DECIMALS.get(name))
    data["last_contact_date"] = iso(last)
    data["vital_status"] = np.where(dead, "dead", "alive")
    data["death_date"] = iso(np.where(dead, last, np.nan))
    order = [c for c in TABLES["patients"].column_names if c in data]
    return pd.DataFrame(data)[order]


def _event_table(name: str, rows: pd.DataFrame, frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """Turn a record/offset frame into a canonical table; ``columns`` maps name -> text list."""
    data = {"patient_id": frame["patient_id"].to_numpy()[rows["record"].to_numpy()]}
    data.update(columns)
    table = pd.DataFrame(data)
    order = [c for c in TABLES[name].column_names if c in table.columns]
    return table[order]


def _dates(rows: pd.DataFrame, frame: pd.DataFrame, column: str) -> list[str]:
    return iso(frame["index_day"].to_numpy()[rows["record"].to_numpy()] + rows[column].to_numpy())


def _sorted(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def build_seed_twin(seed: int = SEED) -> SeedTwin:
    """Generate the seed twin and keep the calibrated parameters (see ``generate_seed_twin``)."""
    streams = np.random.SeedSequence(seed).spawn(len(STREAMS))
    rng = {name: np.random.default_rng(s) for name, s in zip(STREAMS, streams, strict=True)}
    targets = SEED_STUDY
    frame = draw_patients(rng["patients"])
    eligible = frame["group"].to_numpy() == "eligible"
    courses, plan = draw_treatment(rng["treatment"], frame, targets)
    latent = draw_latent(rng["survival"], frame, plan, courses)
    index_day = frame["index_day"].to_numpy()
    params, outcome = calibrate(latent, index_day, eligible, targets, day_number(FIRST_CUTOFF))
    assessments = draw_assessments(rng["response"], outcome, latent.scans, eligible, targets)
    progression = draw_progression_events(
        rng["response"], frame, outcome, courses, eligible, targets
    )
    systemic = derive_systemic_rows(rng["systemic"], plan, outcome)
    adverse = draw_adverse_events(rng["toxicity"], frame, plan, courses, outcome, eligible, targets)
    responded = assessments.loc[
        (assessments["criteria"] == "mRECIST") & assessments["overall_response"].isin(["CR", "PR"]),
        "record",
    ]
    responders = np.isin(np.arange(len(frame)), responded.unique())
    labs = draw_labs(rng["labs"], frame, courses, outcome, adverse, responders)
    lab_decimals = [TESTS[t][1] for t in labs["test"]]
    # lesions: drawn from the recorded responses, on their own stream (changes no other table)
    lesions = draw_lesions(rng["lesions"], frame, courses, assessments, progression)
    tables = {
        "patients": _patients_table(frame, outcome),
        "radiotherapy": _event_table(
            "radiotherapy",
            courses,
            frame,
            {
                "course_id": courses["course_id"].to_numpy(),
                "start_date": _dates(courses, frame, "start_off"),
                "end_date": _dates(courses, frame, "end_off"),
                "target": courses["target"].to_numpy(),
                "technique": courses["technique"].to_numpy(),
                "total_dose_gy": _text(courses["total_dose_gy"]),
                "fractions": _text(courses["fractions"]),
            },
        ),
        "systemic_therapy": _event_table(
            "systemic_therapy",
            systemic,
            frame,
            {
                "agent": systemic["agent"].to_numpy(),
                "drug_class": systemic["drug_class"].to_numpy(),
                "start_date": _dates(systemic, frame, "start_off"),
                "end_date": _dates(systemic, frame, "end_off"),
                "cycles": _text(systemic["cycles"], 0),
                "stop_reason": systemic["stop_reason"].to_numpy(),
            },
        ),
        "tumor_assessments": _event_table(
            "tumor_assessments",
            assessments,
            frame,
            {
                "assessment_date": _dates(assessments, frame, "offset"),
                "criteria": assessments["criteria"].to_numpy(),
                "overall_response": assessments["overall_response"].to_numpy(),
            },
        ),
        "progression_events": _event_table(
            "progression_events",
            progression,
            frame,
            {
                "progression_date": _dates(progression, frame, "offset"),
                "site": progression["site"].to_numpy(),
            },
        ),
        "adverse_events": _event_table(
            "adverse_events",
            adverse,
            frame,
            {
                "term": adverse["term"].to_numpy(),
                "grade": _text(adverse["grade"]),
                "onset_date": _dates(adverse, frame, "onset_off"),
                "attribution": adverse["attribution"].to_numpy(),
                "serious": _text(adverse["serious"].astype(bool)),
            },
        ),
        "labs": _event_table(
            "labs",
            labs,
            frame,
            {
                "lab_date": _dates(labs, frame, "offset"),
                "test": labs["test"].to_numpy(),
                "value": [f"{v:.{d}f}" for v, d in zip(labs["value"], lab_decimals, strict=True)],
                "uln": _text(labs["uln"]),
            },
        ),
        # lesions (oncorwe.synth.lesions)
        "lesions": _event_table(
            "lesions",
            lesions,
            frame,
            {
                "assessment_date": _dates(lesions, frame, "offset"),
                "lesion_id": lesions["lesion_id"].to_numpy(),
                "lesion_class": lesions["lesion_class"].to_numpy(),
                "organ": lesions["organ"].to_numpy(),
                "is_lymph_node": _text(lesions["is_lymph_node"].astype(bool)),
                "in_rt_field": _text(lesions["in_rt_field"].astype(bool)),
                "diameter_mm": _text(lesions["diameter_mm"], 1),
                "status": lesions["status"].fillna("").to_numpy(),
            },
        ),
    }
    sort_keys = {
        "patients": ["patient_id"],
        "radiotherapy": ["patient_id", "course_id"],
        "systemic_therapy": ["patient_id", "start_date", "agent"],
        "tumor_assessments": ["patient_id", "assessment_date", "criteria"],
        "progression_events": ["patient_id", "progression_date", "site"],
        "adverse_events": ["patient_id", "onset_date", "term", "grade"],
        "labs": ["patient_id", "lab_date", "test"],
        "lesions": ["patient_id", "assessment_date", "lesion_id"],
    }
    tables = {name: _sorted(tables[name], sort_keys[name]) for name in TABLE_ORDER}
    return SeedTwin(tables=tables, parameters=params, seed=seed)


def generate_seed_twin(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Generate the seed twin's tables.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the shipped cohort uses ``SEED``. Another seed gives
        another cohort calibrated to the same published numbers.

    Returns
    -------
    dict of str to DataFrame
        ``patients, radiotherapy, systemic_therapy, tumor_assessments, progression_events,
        adverse_events, labs, lesions``, every value as its CSV text (ISO dates, ``true``/``false``,
        empty string for missing).
    """
    return build_seed_twin(seed).tables


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write one table as UTF-8 CSV with ``\\n`` line ends (the shipped files' format)."""
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_seed_twin(directory, seed: int = SEED) -> Path:
    """Write the seed twin as one CSV per table into ``directory`` (created); return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in generate_seed_twin(seed).items():
        write_table(table, directory / f"{name}.csv")
    return directory


def seed_twin_path() -> Path:
    """Folder of the seed twin's CSV files shipped inside the package."""
    return Path(__file__).resolve().parent / "data" / "hcc_rt_ici"
