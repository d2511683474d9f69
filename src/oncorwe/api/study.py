"""A study in a notebook: load once, then ask for tables, curves and models by name.

``Study.load`` runs the same analysis as ``oncorwe run`` (``oncorwe.analysis.study.analyse_study``
over the accepted rows of a study store), so every number equals the report's. The methods
re-run only the statistics, on the cohort subset a ``where`` filter selects
(:mod:`oncorwe.api.where`). In shareable output (protocol ``privacy.shareable``) every table is
suppressed as the report's (``oncorwe.privacy.suppression``).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from oncorwe.analysis.compare import baseline_by_group
from oncorwe.analysis.describe import BASELINE_VARIABLES, describe
from oncorwe.analysis.safety import adverse_events_by_term
from oncorwe.analysis.study import AnalysisDatasets, analyse_study
from oncorwe.analysis.subgroups import cox_tables
from oncorwe.analysis.summarize import response_table
from oncorwe.api.results import SurvivalResult, TableResult
from oncorwe.api.survival import find_endpoint, survival_by
from oncorwe.api.where import FilterError, apply_where
from oncorwe.cohort import Cohort
from oncorwe.derive import child_pugh_class
from oncorwe.derive.toxicity import treatment_emergent
from oncorwe.errors import AnalysisError, InputError
from oncorwe.intake import take_in
from oncorwe.io.schema import TABLES
from oncorwe.io.store import StudyStore
from oncorwe.privacy.suppression import suppress_tables
from oncorwe.protocol import Protocol, load_protocol
from oncorwe.results import StudyOutputs, StudyResults

STORE_NAME = "study.duckdb"
DEFAULT_PROTOCOL = "hcc-rt-ici"


def read_accepted(store_path: Path) -> dict[str, pd.DataFrame]:
    """The accepted rows of every table of a study store."""
    with StudyStore(store_path, read_only=True) as store:
        names = store.table_names("accepted")
        return {name: store.accepted(name) for name in TABLES if name in names}


def _run_meta(folder: Path) -> dict[str, Any]:
    """``meta`` of a run's ``results.json`` beside its store (protocol name, synthetic)."""
    path = folder / "results.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("meta", {})


def _store_in(path: Path) -> Path | None:
    if path.is_file() and path.suffix == ".duckdb":
        return path
    if path.is_dir() and (path / STORE_NAME).is_file():
        return path / STORE_NAME
    return None


def _taken_in(data: Path, protocol: Protocol) -> dict[str, pd.DataFrame]:
    """Read and validate a data folder or workbook into a temporary store (as ``oncorwe run``)."""
    with tempfile.TemporaryDirectory(prefix="oncorwe-study-") as folder:
        store = Path(folder) / STORE_NAME
        take_in(data, store_path=store, drop_identifiers=not protocol.privacy.allow_identifiers)
        return read_accepted(store)


@dataclass(frozen=True, eq=False)  # holds DataFrames: compared by identity
class Study:
    """One analysed study: its cohort, datasets, report outputs and protocol.

    Create it with :meth:`Study.load`. Attributes are the analysis' own values (read-only);
    the methods return :class:`~oncorwe.api.results.TableResult` or
    :class:`~oncorwe.api.results.SurvivalResult` objects.

    Attributes
    ----------
    protocol : the study protocol (``oncorwe.protocol.Protocol``).
    outputs : what the report is written from (``results`` = ``results.json``, ``tables``).
    datasets : the ADaM-shaped datasets (ADSL, ADTTE, ADRS, ADAE, timeline).
    selection : the cohort selection (patients, attrition, exclusions).
    synthetic : the data are synthetic (the demo twin).
    """

    protocol: Protocol
    outputs: StudyOutputs
    datasets: AnalysisDatasets
    selection: Cohort
    synthetic: bool = False

    @classmethod
    def load(
        cls,
        path_or_store: str | Path,
        protocol: str | Path | Protocol | None = None,
        *,
        synthetic: bool | None = None,
    ) -> Study:
        """Load and analyse a study.

        Parameters
        ----------
        path_or_store : a data folder (CSV/Parquet) or ``.xlsx`` workbook, which is read and
            validated as by ``oncorwe run``; or a run's ``study.duckdb`` (or its output folder),
            whose accepted rows are analysed again.
        protocol : a built-in protocol name, a TOML file or a ``Protocol``; default: the one
            named in the run's ``results.json``, else ``"hcc-rt-ici"``.
        synthetic : mark outputs as synthetic; default: as the run's ``results.json`` says, or
            True for the shipped seed twin.

        Returns
        -------
        Study

        Raises
        ------
        InputError
            The path does not exist or cannot be read as a study.
        AnalysisError
            No patient record was accepted.
        """
        path = Path(path_or_store)
        if not path.exists():
            raise InputError(f"Study.load: {path} does not exist")
        store = _store_in(path)
        meta = _run_meta(store.parent) if store is not None else {}
        if not isinstance(protocol, Protocol):
            protocol = load_protocol(protocol or meta.get("protocol") or DEFAULT_PROTOCOL)
        if synthetic is None:
            synthetic = bool(meta.get("synthetic", False)) or _is_seed_twin(path)
        accepted = read_accepted(store) if store is not None else _taken_in(path, protocol)
        if accepted.get("patients") is None or accepted["patients"].empty:
            raise AnalysisError(f"Study.load: no patient record of {path} was accepted")
        outputs, datasets, selection = analyse_study(accepted, protocol, synthetic=synthetic)
        return cls(protocol, outputs, datasets, selection, synthetic)

    # --- the cohort -------------------------------------------------------------------------
    @property
    def cohort(self) -> pd.DataFrame:
        """One row per patient (the ADSL) plus ``child_pugh_class`` (A/B/C from the score).

        Returns
        -------
        pandas.DataFrame
            A copy; filters (``where=``) may name any of its columns.
        """
        adsl = self.datasets.adsl.copy()
        adsl["child_pugh_class"] = pd.array(
            child_pugh_class(adsl["child_pugh_score"], with_score=False), dtype="string"
        )
        return adsl

    @property
    def results(self) -> StudyResults:
        """The headline numbers (``oncorwe.results.StudyResults``: what ``results.json`` holds,
        without data-quality counts), as typed, frozen results; ``results.survival["os"]`` and
        ``results["survival"]["os"]`` read the same object."""
        return self.outputs.results

    @property
    def min_cell(self) -> int | None:
        """The small-cell threshold when the protocol asks for shareable output, else None."""
        privacy = self.protocol.privacy
        return privacy.min_cell if privacy.shareable else None

    def _table(self, name: str, title: str, frame: pd.DataFrame, notes=()) -> TableResult:
        if self.min_cell is not None:
            frame = suppress_tables({name: frame}, self.min_cell)[name]
            notes = (*notes, f"Counts below {self.min_cell} suppressed (shareable output).")
        return TableResult(name, title, frame, tuple(notes))

    def _subset(self, where: str | None) -> pd.DataFrame:
        subset = apply_where(self.cohort, where)
        if subset.empty:
            raise AnalysisError(f"where: no patient matches {where!r}")
        return subset

    @staticmethod
    def _where_note(where: str | None) -> tuple[str, ...]:
        return (f"Patients with {where}.",) if where else ()

    @property
    def attrition(self) -> TableResult:
        """Patients left after each eligibility step (the report's flow diagram)."""
        return self._table("attrition", "Cohort selection", self.selection.attrition)

    def table1(self, by: str | None = None, where: str | None = None) -> TableResult:
        """Baseline characteristics (Table 1), overall or by a column, with tests and SMDs.

        Parameters
        ----------
        by : a column of :attr:`cohort` (e.g. ``"sequence"``), or None for the overall table.
        where : a filter over :attr:`cohort` (e.g. ``"child_pugh_class == 'A'"``).

        Returns
        -------
        TableResult
            ``baseline`` (overall) or ``baseline_by_group`` (the report's columns).
        """
        subset = self._subset(where)
        if by is None:
            frame = describe(subset, BASELINE_VARIABLES)
            return self._table(
                "baseline", "Baseline characteristics", frame, self._where_note(where)
            )
        if by not in subset.columns:
            raise FilterError(f"table1: no column {by!r} in the cohort")
        frame = baseline_by_group(subset, by)
        title = f"Baseline characteristics by {by}"
        return self._table("baseline_by_group", title, frame, self._where_note(where))

    def km(
        self, endpoint: str = "os", by: str | None = None, where: str | None = None
    ) -> SurvivalResult:
        """Kaplan-Meier curves of an endpoint, overall or by a column, on a subset.

        Parameters
        ----------
        endpoint : ``"os"``, ``"pfs"``, ``"lc"`` or ``"ttf"``.
        by : a categorical column of :attr:`cohort` (e.g. ``"sequence"``), or None.
        where : a filter over :attr:`cohort`, e.g. ``"child_pugh_class == 'B'"``.

        Returns
        -------
        SurvivalResult
            Medians with CI, landmark rates, log-rank p and hazard ratios; ``.plot()`` draws the
            curves with their number-at-risk table.
        """
        return survival_by(
            self.cohort, self.protocol, endpoint, by, where, synthetic=self.synthetic
        )

    def cox(
        self, endpoint: str = "os", covariates: list[str] | None = None, where: str | None = None
    ) -> TableResult:
        """Cox models of an endpoint: one univariable model per covariate and the multivariable.

        Parameters
        ----------
        endpoint : a declared endpoint (``"os"``, ``"pfs"``, ``"lc"``, ``"ttf"``).
        covariates : columns of :attr:`cohort`; default the protocol's ``cox_covariates``.
        where : a filter over :attr:`cohort`.

        Returns
        -------
        TableResult
            The report's ``cox`` columns (``model, endpoint, term, label, n, events, hr,
            hr_lower, hr_upper, p, note``), complete cases, Efron ties.
        """
        declared = find_endpoint(endpoint, self.cohort.columns)
        name = declared.key
        chosen = list(self.protocol.subgroups.cox_covariates if covariates is None else covariates)
        subset = self._subset(where)
        missing = [c for c in chosen if c not in subset.columns]
        if missing or not chosen:
            raise FilterError(f"cox: no column(s) {missing} in the cohort" if missing else
                              "cox: name at least one covariate")  # fmt: skip
        # the report's models (analysis.subgroups.cox_tables) for this one endpoint
        table = cox_tables(subset, self.protocol, chosen, endpoints=[replace(declared, cox=True)])
        return self._table("cox", f"Cox models of {name.upper()}", table, self._where_note(where))

    def response(
        self, criteria: str | None = None, confirmed: bool | None = None, where: str | None = None
    ) -> TableResult:
        """Best overall response, ORR and DCR (exact CI) under a set of criteria.

        Parameters
        ----------
        criteria : ``"mRECIST"``, ``"RECIST1.1"`` or ``"iRECIST"`` among those the protocol
            derives; default the primary criteria.
        confirmed : confirmed responses only; default the protocol's setting.
        where : a filter over :attr:`cohort`; the denominator is the filtered cohort.

        Returns
        -------
        TableResult
            The report's ``response`` columns (``criteria, confirmed, category, n, pct,
            ci_lower, ci_upper``).
        """
        criteria = criteria or self.protocol.response.criteria
        confirmed = self.protocol.response.confirmation if confirmed is None else confirmed
        adrs = self.datasets.adrs
        derived = sorted(adrs["criteria"].astype(str).unique())
        if criteria not in derived:
            raise FilterError(f"response: criteria {criteria!r} not derived; derived: {derived}")
        subset = self._subset(where)
        rows = adrs[
            (adrs["criteria"] == criteria)
            & (adrs["confirmed"] == confirmed)
            & adrs["patient_id"].isin(subset["patient_id"])
        ]
        frame = response_table(rows, len(subset), criteria, confirmed)
        title = f"Best overall response ({criteria}, {'confirmed' if confirmed else 'unconfirmed'})"
        return self._table("response", title, frame, self._where_note(where))

    def adverse_events(self, min_grade: int = 1, where: str | None = None) -> TableResult:
        """Treatment-emergent adverse events by term (patients by worst grade, CTCAE v5.0).

        Parameters
        ----------
        min_grade : keep the terms with at least one patient at this grade or above (1-5).
        where : a filter over :attr:`cohort`; percentages are of the filtered cohort.

        Returns
        -------
        TableResult
            The report's ``adverse_events`` columns, terms by descending frequency.
        """
        if min_grade not in (1, 2, 3, 4, 5):
            raise FilterError(f"adverse_events: min_grade {min_grade!r} is not a grade 1-5")
        subset = self._subset(where)
        adae = treatment_emergent(self.datasets.adae)
        adae = adae[adae["patient_id"].isin(subset["patient_id"])]
        table = adverse_events_by_term(adae, len(subset))
        keep = adae.loc[adae["worst_grade"].astype(int) >= min_grade, "term"].unique()
        table = table[table["term"].isin(keep)].reset_index(drop=True)
        title = "Adverse events" + (f", grade {min_grade} or higher" if min_grade > 1 else "")
        return self._table("adverse_events", title, table, self._where_note(where))

    def report(self, out: str | Path) -> Path:
        """Write the study's report (HTML, Word, tables, figures) and ``results.json``.

        Parameters
        ----------
        out : output folder (created).

        Returns
        -------
        pathlib.Path
            The ``report.html`` written (shareable output suppressed as ``oncorwe run``).
        """
        from oncorwe.pipeline import write_results_json
        from oncorwe.report import write_report

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        write_results_json(self.outputs.results, folder / "results.json")
        outputs = self.outputs
        if self.min_cell is not None:
            tables = suppress_tables(outputs.tables, self.min_cell)
            outputs = replace(outputs, tables=tables, min_cell=self.min_cell)
        return write_report(outputs, folder)

    def __repr__(self) -> str:
        flag = ", synthetic" if self.synthetic else ""
        return f"Study({self.protocol.study.name!r}, {len(self.datasets.adsl)} patients{flag})"


def _is_seed_twin(path: Path) -> bool:
    from oncorwe.synth import seed_twin_path

    try:
        return path.resolve() == Path(seed_twin_path()).resolve()
    except OSError:
        return False
