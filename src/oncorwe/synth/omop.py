"""The seed twin as an OMOP CDM v5.4 database, with the concept ids oncorwe ships.

Every contract field of the seed twin is written where docs/omop.md says oncorwe reads it
(``oncorwe.io.omop``), so that the OMOP twin and the contract-format twin give the same
results. The CDM tables hold the columns oncorwe reads and the CDM's required ones.
Everything here is synthetic: it contains no real patient's data.

References
----------
OHDSI, "OMOP Common Data Model v5.4", https://ohdsi.github.io/CommonDataModel/cdm54.html
OHDSI Oncology Working Group, "Episode and Episode Event" (the Oncology extension).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from oncorwe.engine import connect
from oncorwe.io.omop.concepts import concept_of, concept_rows, load_concept_sets
from oncorwe.io.omop.layout import (
    CDM_TABLES,
    EHR,
    FIELD_CONCEPTS,
    PROCEDURE_FIELD,
    RECORD_ATTRIBUTES,
    patient_attributes,
)
from oncorwe.synth.seed_twin import seed_twin_path


def build_omop_twin(
    data: str | Path | None = None, concepts: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The contract tables of ``data`` (default: the seed twin) as OMOP CDM tables.

    Steps
    -----
    1. person, observation_period and death from patients; patient fields as observations.
    2. the HCC diagnosis and the adverse events as condition occurrences.
    3. systemic therapy as drug exposures, radiotherapy courses as procedures.
    4. labs, time-point responses and lesions as measurements; progression as episodes.
    5. the fields of a record that the CDM has no column for as observations linked to it.
    """
    concepts = load_concept_sets() if concepts is None else concepts
    tables = _read_contract(Path(data) if data is not None else seed_twin_path())
    writer = _Writer(concepts, tables["patients"])
    # step 1
    writer.persons()
    # step 2
    writer.conditions(tables["adverse_events"])
    # step 3
    writer.drugs(tables["systemic_therapy"])
    writer.procedures(tables["radiotherapy"])
    # step 4
    writer.labs(tables.get("labs"))
    writer.responses(tables["tumor_assessments"])
    writer.lesions(tables.get("lesions"))
    writer.progression(tables.get("progression_events"))
    return writer.frames()


def write_omop(engine, frames: dict[str, pd.DataFrame]) -> None:
    """Create (or replace) each CDM table of ``frames`` in ``engine`` (``oncorwe.engine``)."""
    for name, frame in frames.items():
        types = CDM_TABLES[name]
        engine.load(name, _arrow(frame.reindex(columns=list(types)), types), types)


def write_omop_duckdb(path: str | Path, data: str | Path | None = None) -> Path:
    """Write the OMOP twin of ``data`` (default: the seed twin) into a DuckDB file."""
    path = Path(path)
    path.unlink(missing_ok=True)
    with connect("duckdb", path) as engine:
        write_omop(engine, build_omop_twin(data))
    return path


def _read_contract(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)
        for p in sorted(folder.glob("*.csv"))
    }


def _arrow(frame: pd.DataFrame, types: dict[str, str]) -> pa.Table:
    columns = {}
    for name, kind in types.items():
        values = frame[name]
        if kind == "date":
            dates = pd.to_datetime(values, format="%Y-%m-%d")
            columns[name] = pa.array(
                [None if pd.isna(d) else d.date() for d in dates], type=pa.date32()
            )
        elif kind == "int64":
            columns[name] = pa.array(pd.to_numeric(values).astype("Int64"), type=pa.int64())
        elif kind == "float64":
            columns[name] = pa.array(pd.to_numeric(values), type=pa.float64())
        else:
            columns[name] = pa.array(values.astype(object).where(values.notna(), None), pa.string())
    return pa.table(columns)


class _Writer:
    """Accumulates CDM rows with running ids, one list of dicts per CDM table."""

    def __init__(self, concepts: pd.DataFrame, patients: pd.DataFrame) -> None:
        self.concepts = concepts
        self.patients = patients
        self.person = {pid: i + 1 for i, pid in enumerate(patients["patient_id"])}
        self.rows: dict[str, list[dict]] = {}
        self.progressive: dict[tuple[str, str], int] = {}
        self.lookup = {
            (r.table, r.column, r.value): (int(r.concept_id), str(r.source_value))
            for r in concepts[::-1].itertuples()  # the first row of a value wins
        }

    def concept(self, table: str, column: str, value: str = "") -> tuple[int, str]:
        found = self.lookup.get((table, column, value))
        return found if found is not None else concept_of(self.concepts, table, column, value)

    def add(self, table: str, **row) -> int:
        rows = self.rows.setdefault(table, [])
        row = {f"{table}_id": len(rows) + 1, **row}
        rows.append(row)
        return row[f"{table}_id"]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: pd.DataFrame(rows) for name, rows in self.rows.items()}

    def attribute(self, table, column, value, person_id, date, event=None, field=0) -> None:
        """One contract field as an observation, linked to its record by ``event``."""
        if value is None:
            return
        concept, source = self.concept(table, column)
        numeric = column in RECORD_ATTRIBUTES.get(table, {}).get("numeric", ()) or (
            table == "patients" and column in patient_attributes()["numeric"]
        )
        self.add(
            "observation",
            person_id=person_id,
            observation_concept_id=concept,
            observation_date=date,
            observation_type_concept_id=EHR,
            value_as_number=value if numeric else None,
            value_as_string=None if numeric else value,
            observation_source_value=source,
            observation_event_id=event,
            obs_event_field_concept_id=field if event is not None else None,
        )

    def persons(self) -> None:
        hcc, hcc_source = self.concept("patients", "diagnosis_date")
        for p in self.patients.to_dict("records"):
            pid = self.person[p["patient_id"]]
            gender, _ = self.concept("patients", "sex", p["sex"])
            year = int(p["diagnosis_date"][:4]) - int(p["age_at_index"] or 0)
            self.rows.setdefault("person", []).append(
                {
                    "person_id": pid,
                    "gender_concept_id": gender,
                    "year_of_birth": year,
                    "race_concept_id": 0,
                    "ethnicity_concept_id": 0,
                    "person_source_value": p["patient_id"],
                    "gender_source_value": p["sex"],
                }
            )
            self.add(
                "observation_period",
                person_id=pid,
                observation_period_start_date=p["diagnosis_date"],
                observation_period_end_date=p["last_contact_date"],
                period_type_concept_id=EHR,
            )
            if p["vital_status"] == "dead":
                self.rows.setdefault("death", []).append(
                    {"person_id": pid, "death_date": p["death_date"], "death_type_concept_id": EHR}
                )
            self.add(
                "condition_occurrence",
                person_id=pid,
                condition_concept_id=hcc,
                condition_start_date=p["diagnosis_date"],
                condition_type_concept_id=EHR,
                condition_source_value=hcc_source,
            )
            for column in patient_attributes()["all"]:
                self.attribute("patients", column, p[column], pid, p["diagnosis_date"])

    def conditions(self, events: pd.DataFrame) -> None:
        for e in events.to_dict("records"):
            pid = self.person[e["patient_id"]]
            event = self.add(
                "condition_occurrence",
                person_id=pid,
                condition_concept_id=0,
                condition_start_date=e["onset_date"],
                condition_type_concept_id=EHR,
                condition_source_value=e["term"],
            )
            self._linked("adverse_events", e, pid, e["onset_date"], event)

    def drugs(self, therapy: pd.DataFrame) -> None:
        """Each line of therapy as a Treatment Regimen episode over its administrations.

        A warehouse holds one drug_exposure per administration; the Oncology extension's
        Treatment Regimen episode spans the line (episode_end_date empty: ongoing) and
        episode_event links it to its exposures. The twin writes the first and, for a line
        that ended later, the last administration.
        """
        regimen, regimen_source = self.concept("systemic_therapy", "regimen")
        for t in therapy.to_dict("records"):
            pid = self.person[t["patient_id"]]
            concept, source = self.concept("systemic_therapy", "agent", t["agent"])
            episode = self.add(
                "episode",
                person_id=pid,
                episode_concept_id=regimen,
                episode_start_date=t["start_date"],
                episode_end_date=t["end_date"],
                episode_object_concept_id=0,  # the regimen concept (e.g. HemOnc) when known
                episode_type_concept_id=EHR,
                episode_source_value=regimen_source,
            )
            days = [t["start_date"]]
            if t["end_date"] is not None and t["end_date"] != t["start_date"]:
                days.append(t["end_date"])
            for i, day in enumerate(days):
                last = i == len(days) - 1
                exposure = self.add(
                    "drug_exposure",
                    person_id=pid,
                    drug_concept_id=concept,
                    drug_exposure_start_date=day,
                    drug_exposure_end_date=day,
                    verbatim_end_date=None,
                    drug_type_concept_id=EHR,
                    stop_reason=t["stop_reason"] if last else None,
                    drug_source_value=source,
                )
                self.link(episode, exposure, "drug_exposure")
            self._linked("systemic_therapy", t, pid, t["start_date"], episode)

    def link(self, episode: int, event: int, table: str) -> None:
        """An episode_event row: ``event`` (an id of ``table``) belongs to ``episode``."""
        self.rows.setdefault("episode_event", []).append(
            {
                "episode_id": episode,
                "event_id": event,
                "episode_event_field_concept_id": FIELD_CONCEPTS[table],
            }
        )

    def procedures(self, courses: pd.DataFrame) -> None:
        for c in courses.to_dict("records"):
            pid = self.person[c["patient_id"]]
            concept, source = self.concept("radiotherapy", "technique", c["technique"] or "")
            event = self.add(
                "procedure_occurrence",
                person_id=pid,
                procedure_concept_id=concept,
                procedure_date=c["start_date"],
                procedure_end_date=c["end_date"],
                procedure_type_concept_id=EHR,
                procedure_source_value=source,
            )
            self._linked("radiotherapy", c, pid, c["start_date"], event, PROCEDURE_FIELD)

    def labs(self, labs: pd.DataFrame | None) -> None:
        for r in [] if labs is None else labs.to_dict("records"):
            concept, source = self.concept("labs", "test", r["test"])
            self._measurement(r["patient_id"], concept, source, r["lab_date"], r["value"], r["uln"])

    def responses(self, assessments: pd.DataFrame) -> None:
        for r in assessments.to_dict("records"):
            concept, source = self.concept("tumor_assessments", "criteria", r["criteria"])
            event = self._measurement(
                r["patient_id"], concept, source, r["assessment_date"], None, None,
                r["overall_response"],
            )  # fmt: skip
            if r["overall_response"] == "PD":  # the evidence of a progression on that day
                self.progressive[(r["patient_id"], r["assessment_date"])] = event

    def lesions(self, lesions: pd.DataFrame | None) -> None:
        concept, source = self.concept("lesions", "diameter_mm")
        for r in [] if lesions is None else lesions.to_dict("records"):
            date = r["assessment_date"]
            event = self._measurement(
                r["patient_id"], concept, source, date, r["diameter_mm"], None
            )
            self._linked("lesions", r, self.person[r["patient_id"]], date, event)

    def progression(self, events: pd.DataFrame | None) -> None:
        concept, source = self.concept("progression_events", "progression_date")
        for r in [] if events is None else events.to_dict("records"):
            pid = self.person[r["patient_id"]]
            event = self.add(
                "episode",
                person_id=pid,
                episode_concept_id=concept,
                episode_start_date=r["progression_date"],
                episode_end_date=None,
                episode_object_concept_id=concept_rows(self.concepts, "patients", "diagnosis_date")[
                    "concept_id"
                ].iloc[0],
                episode_type_concept_id=EHR,
                episode_source_value=source,
            )
            evidence = self.progressive.get((r["patient_id"], r["progression_date"]))
            if evidence is not None:
                self.link(event, evidence, "measurement")
            self._linked("progression_events", r, pid, r["progression_date"], event)

    def _measurement(self, patient_id, concept, source, date, number, high, value=None) -> int:
        return self.add(
            "measurement",
            person_id=self.person[patient_id],
            measurement_concept_id=concept,
            measurement_date=date,
            measurement_type_concept_id=EHR,
            value_as_number=number,
            range_high=high,
            value_source_value=value,
            measurement_source_value=source,
        )

    def _linked(self, table, record, pid, date, event, field=0) -> None:
        for column in RECORD_ATTRIBUTES[table]["all"]:
            self.attribute(table, column, record[column], pid, date, event, field)
