"""Map an OMOP CDM v5.4 database onto the input contract, as Ibis expressions.

The expressions run where the CDM is (DuckDB, PostgreSQL, Spark); only the contract rows come
back to Python, and they go through the normal intake (``write_contract_folder`` then
``oncorwe.intake.take_in``), so validation, quarantine and reconciliation apply to them as to
any other source. Where each field is read from: ``oncorwe.io.omop.layout`` and docs/omop.md.

References
----------
OHDSI, "OMOP Common Data Model v5.4", https://ohdsi.github.io/CommonDataModel/cdm54.html
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.omop.concepts import concept_rows, load_concept_sets
from oncorwe.io.omop.layout import (
    CDM_TABLES,
    FIELD_CONCEPTS,
    RECORD_ATTRIBUTES,
    patient_attributes,
)
from oncorwe.io.schema import TABLES


def read_omop(engine, concepts: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The contract tables of the OMOP CDM behind the Ibis backend ``con``, as text frames.

    Parameters
    ----------
    engine : an engine (``oncorwe.engine.connect``) whose current schema holds the CDM.
    concepts : concept sets (``load_concept_sets``); default: those shipped with oncorwe.

    Returns
    -------
    One frame per contract table, every value as contract text (ISO dates, ``true``/``false``),
    in the contract's column order, sorted by patient and date.
    """
    concepts = load_concept_sets() if concepts is None else concepts
    missing = sorted(set(CDM_TABLES) - engine.tables())
    if missing:
        raise InputError(
            f"OMOP CDM at {engine.url}: table(s) {', '.join(missing)} not found in the "
            "current schema (rule: oncorwe reads these OMOP CDM v5.4 tables; an empty table "
            "is enough for data the CDM does not have)"
        )
    _check_observation_periods(engine)
    cdm = _Cdm(concepts)
    expressions = {
        "patients": cdm.patients(),
        "radiotherapy": cdm.radiotherapy(),
        "systemic_therapy": cdm.systemic_therapy(),
        "tumor_assessments": cdm.tumor_assessments(),
        "lesions": cdm.lesions(),
        "progression_events": cdm.progression_events(),
        "adverse_events": cdm.adverse_events(),
        "labs": cdm.labs(),
    }
    return {name: _as_contract(name, engine.query(expr)) for name, expr in expressions.items()}


def _check_observation_periods(engine) -> None:
    """Every person has an observation period (the CDM v5.4 convention; the last contact)."""
    person, period = (
        ibis.table(CDM_TABLES["person"], name="person"),
        ibis.table(CDM_TABLES["observation_period"], name="observation_period"),
    )
    lone = person.anti_join(period, "person_id").select("person_id", "person_source_value")
    found = engine.query(lone.order_by("person_id").limit(3))
    if found.empty:
        return
    first = found.iloc[0]
    raise InputError(
        f"OMOP CDM at {engine.url}: table person, row person_id {int(first['person_id'])} "
        f"(person_source_value {first['person_source_value']!r}), column person_id: no row in "
        "observation_period (rule: every person has an observation period, which gives the "
        f"last contact date; OMOP CDM v5.4 conventions); {len(found)} shown at most 3"
    )


def write_contract_folder(tables: dict[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write contract frames as ``<table>.csv`` files, the folder the intake reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, na_rep="")
    return folder


def _match(t, rows: pd.DataFrame, concept: str, source: str):
    """Rows of ``t`` in the concept set: by concept id, or for concept 0 by source value."""
    ids = [int(i) for i in rows["concept_id"] if i != 0]
    sources = [str(s) for s in rows.loc[rows["concept_id"] == 0, "source_value"]]
    match = ibis.literal(False)
    if ids:
        match = match | t[concept].isin(ids)
    if sources:
        match = match | ((t[concept] == 0) & t[source].isin(sources))
    return match


def _decode(t, rows: pd.DataFrame, concept: str, source: str, field: str = "value"):
    """The contract value (or ``group``) of each row of ``t``, from its concept."""
    branches = []
    for row in rows.itertuples():
        when = (
            t[concept] == int(row.concept_id)
            if row.concept_id != 0
            else (t[concept] == 0) & (t[source] == row.source_value)
        )
        value = getattr(row, field)
        branches.append((when, ibis.literal(value) if value else ibis.null("string")))
    return ibis.cases(*branches, else_=ibis.null("string"))


class _Cdm:
    """The CDM tables of one backend, and one expression per contract table."""

    def __init__(self, concepts: pd.DataFrame) -> None:
        self.concepts = concepts
        person = self.table("person")
        self.ids = person.select(
            "person_id",
            patient_id=person.person_source_value.fill_null(person.person_id.cast("string")),
        )

    def table(self, name: str):
        return ibis.table(CDM_TABLES[name], name=name)

    def rows(self, table: str, column: str) -> pd.DataFrame:
        return concept_rows(self.concepts, table, column)

    def attributes(self, base, key: str, table: str, columns, numeric, by: str):
        """Left-join each field held as an observation onto ``base`` (on ``key``)."""
        obs = self.table("observation")
        linked = obs.observation_event_id.notnull()
        for column in columns:
            rows = self.rows(table, column)
            hit = _match(obs, rows, "observation_concept_id", "observation_source_value")
            hit = hit & (linked if by == "observation_event_id" else ~linked)
            value = obs.value_as_number if column in numeric else obs.value_as_string
            sub = (
                obs.filter(hit)
                .group_by(_k=obs[by])
                .agg(_v=value.min())
                .rename({f"_k_{column}": "_k", column: "_v"})
            )
            base = base.left_join(sub, base[key] == sub[f"_k_{column}"]).drop(f"_k_{column}")
        return base

    def with_patient(self, t):
        return t.join(self.ids, "person_id").drop("person_id")

    def linked(self, base, key: str, table: str):
        spec = RECORD_ATTRIBUTES[table]
        return self.attributes(
            base, key, table, spec["all"], spec["numeric"], "observation_event_id"
        )

    def patients(self):
        person = self.table("person")
        gender = ("gender_concept_id", "gender_source_value")
        base = self.ids.join(person, "person_id").select(
            "person_id", "patient_id", sex=_decode(person, self.rows("patients", "sex"), *gender)
        )
        cond = self.table("condition_occurrence")
        hcc = _match(
            cond, self.rows("patients", "diagnosis_date"), "condition_concept_id",
            "condition_source_value",
        )  # fmt: skip
        diagnosis = (
            cond.filter(hcc)
            .group_by("person_id")
            .agg(diagnosis_date=cond.condition_start_date.min())
        )
        period = self.table("observation_period")
        last = period.group_by("person_id").agg(
            last_contact_date=period.observation_period_end_date.max()
        )
        death = self.table("death")
        died = death.group_by("person_id").agg(death_date=death.death_date.min())
        base = (
            base.left_join(diagnosis, "person_id")
            .drop("person_id_right")
            .left_join(last, "person_id")
            .drop("person_id_right")
            .left_join(died, "person_id")
            .drop("person_id_right")
        )
        base = base.mutate(vital_status=ibis.ifelse(base.death_date.notnull(), "dead", "alive"))
        spec = patient_attributes()
        base = self.attributes(
            base, "person_id", "patients", spec["all"], spec["numeric"], "person_id"
        )
        return base.drop("person_id")

    def radiotherapy(self):
        proc = self.table("procedure_occurrence")
        rows = self.rows("radiotherapy", "technique")
        base = proc.filter(
            _match(proc, rows, "procedure_concept_id", "procedure_source_value")
        ).select(
            "person_id",
            "procedure_occurrence_id",
            start_date=proc.procedure_date,
            end_date=proc.procedure_end_date,
            technique=_decode(proc, rows, "procedure_concept_id", "procedure_source_value"),
        )
        base = self.linked(base, "procedure_occurrence_id", "radiotherapy")
        base = base.mutate(
            course_id=base.course_id.fill_null(base.procedure_occurrence_id.cast("string"))
        )
        return self.with_patient(base.drop("procedure_occurrence_id"))

    def systemic_therapy(self):
        """Treatment Regimen episodes, and the drug exposures outside any regimen."""
        drug = self.table("drug_exposure")
        rows = self.rows("systemic_therapy", "agent")
        keys = ("drug_concept_id", "drug_source_value")
        drugs = drug.filter(_match(drug, rows, *keys)).mutate(
            agent=_decode(drug, rows, *keys),
            drug_class=_decode(drug, rows, *keys, field="group"),
        )
        linked = self.regimen_events()
        single = drugs.anti_join(linked, drugs.drug_exposure_id == linked.event_id).select(
            "person_id",
            "stop_reason",
            "agent",
            "drug_class",
            record_id=drugs.drug_exposure_id,
            start_date=drugs.drug_exposure_start_date,
            end_date=drugs.verbatim_end_date,
        )
        single = self.linked(single, "record_id", "systemic_therapy")
        regimens = self.regimens(drugs, linked)
        both = single.union(regimens.select(*single.columns))
        return self.with_patient(both.drop("record_id"))

    def regimen_events(self):
        """(episode_id, event_id) of every drug exposure linked to a Treatment Regimen episode."""
        episode, event = self.table("episode"), self.table("episode_event")
        rows = self.rows("systemic_therapy", "regimen")
        regimen = episode.filter(
            _match(episode, rows, "episode_concept_id", "episode_source_value")
        ).select("episode_id")
        drug_field = event.episode_event_field_concept_id == FIELD_CONCEPTS["drug_exposure"]
        return event.filter(drug_field).join(regimen, "episode_id").select("episode_id", "event_id")

    def regimens(self, drugs, linked):
        """One contract row per Treatment Regimen episode: its dates, its exposures' agent."""
        episode = self.table("episode")
        exposures = linked.join(drugs, linked.event_id == drugs.drug_exposure_id)
        agent = exposures.group_by("episode_id").agg(
            agent=exposures.agent.min(),
            drug_class=exposures.drug_class.min(),
            stop_reason=exposures.stop_reason.max(),
        )
        base = episode.join(agent, "episode_id").select(
            "person_id",
            "stop_reason",
            "agent",
            "drug_class",
            record_id=episode.episode_id,
            start_date=episode.episode_start_date,
            end_date=episode.episode_end_date,
        )
        return self.linked(base, "record_id", "systemic_therapy")

    def tumor_assessments(self):
        m = self.table("measurement")
        rows = self.rows("tumor_assessments", "criteria")
        keys = ("measurement_concept_id", "measurement_source_value")
        base = m.filter(_match(m, rows, *keys)).select(
            "person_id",
            assessment_date=m.measurement_date,
            criteria=_decode(m, rows, *keys),
            overall_response=m.value_source_value,
        )
        return self.with_patient(base)

    def lesions(self):
        m = self.table("measurement")
        rows = self.rows("lesions", "diameter_mm")
        keys = ("measurement_concept_id", "measurement_source_value")
        base = m.filter(_match(m, rows, *keys)).select(
            "person_id",
            "measurement_id",
            assessment_date=m.measurement_date,
            diameter_mm=m.value_as_number,
        )
        base = self.linked(base, "measurement_id", "lesions")
        return self.with_patient(base.drop("measurement_id"))

    def progression_events(self):
        episode = self.table("episode")
        rows = self.rows("progression_events", "progression_date")
        keys = ("episode_concept_id", "episode_source_value")
        base = episode.filter(_match(episode, rows, *keys)).select(
            "person_id", "episode_id", progression_date=episode.episode_start_date
        )
        base = self.linked(base, "episode_id", "progression_events")
        return self.with_patient(base.drop("episode_id"))

    def adverse_events(self):
        cond = self.table("condition_occurrence")
        base = cond.select(
            "person_id",
            "condition_occurrence_id",
            term=cond.condition_source_value,
            onset_date=cond.condition_start_date,
        )
        base = self.linked(base, "condition_occurrence_id", "adverse_events")
        # an adverse event is a condition with a CTCAE grade
        base = base.filter(base.grade.notnull())
        return self.with_patient(base.drop("condition_occurrence_id"))

    def labs(self):
        m = self.table("measurement")
        rows = self.rows("labs", "test")
        keys = ("measurement_concept_id", "measurement_source_value")
        base = m.filter(_match(m, rows, *keys)).select(
            "person_id",
            lab_date=m.measurement_date,
            test=_decode(m, rows, *keys),
            value=m.value_as_number,
            uln=m.range_high,
        )
        return self.with_patient(base)


def _as_contract(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Contract text for every value, in the contract's column order, sorted."""
    columns = [c for c in TABLES[name].columns if c.name in frame.columns]
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        out[column.name] = _text(frame[column.name], column.type)
    keys = [c.name for c in columns]
    return out.sort_values(keys, kind="stable", na_position="first").reset_index(drop=True)


def _text(values: pd.Series, kind: str) -> pd.Series:
    present = values.notna()
    if kind == "date":
        text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    elif kind == "int":
        text = values.map(lambda v: str(int(v)) if pd.notna(v) else "")
    elif kind == "num":
        text = values.map(lambda v: repr(float(v)) if pd.notna(v) else "")
    else:
        text = values.astype(object).map(str)
    return text.where(present, "")
