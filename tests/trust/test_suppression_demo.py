"""The shareable demo (built-in protocol hcc-rt-ici, ``privacy.shareable = true``): in the
exported CSV files no declared relation has exactly one hidden cell, no hidden count can be
worked out from the others, a count repeated by two tables is hidden in both or neither, and
the flow diagram reads what the attrition table reads."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from oncorwe.analysis.study import analyse_study
from oncorwe.io.sources import read_source
from oncorwe.privacy.cell_system import build_cell_system
from oncorwe.privacy.disclosure_audit import exposed_cells
from oncorwe.privacy.exported import EXPORTED_TABLES, PATIENT_LEVEL_TABLES, additivity_of
from oncorwe.privacy.suppression import suppress_tables
from oncorwe.protocol import load_protocol
from oncorwe.report import write_report
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

HIDDEN = ("<5", "[c]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(tables before suppression, the report folder) of the shareable demo run."""
    protocol = load_protocol("hcc-rt-ici")
    protocol = replace(protocol, privacy=replace(protocol.privacy, shareable=True))
    accepted = validate_tables(read_source(seed_twin_path())).accepted
    outputs, _, _ = analyse_study(accepted, protocol, synthetic=True)
    min_cell = protocol.privacy.min_cell
    shared = replace(outputs, tables=suppress_tables(outputs.tables, min_cell), min_cell=min_cell)
    out = tmp_path_factory.mktemp("shareable_demo")
    write_report(shared, out, pdf=False)
    tables = {k: v for k, v in outputs.tables.items() if k not in PATIENT_LEVEL_TABLES}
    return tables, out


def exported(out, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv", comment="#", dtype=str).fillna("")


@pytest.fixture(scope="module")
def pattern(demo):
    """The cell system of the demo's tables and the cells the exported CSV files hide."""
    tables, out = demo
    system = build_cell_system(tables, {k: additivity_of(k) for k, v in tables.items()})
    hidden = np.zeros(system.values.size, dtype=bool)
    for name in tables:
        first, rows, columns = system.layout[name]
        if columns:
            text = exported(out, name)[columns].to_numpy()
            hidden[first : first + rows * len(columns)] = np.isin(text, HIDDEN).ravel()
    return system, hidden


def test_the_demo_has_small_cells_in_the_declared_tables(pattern):
    """The checks below mean something: most declared tables of the demo hide cells (in
    attrition, baseline_by_group, response, field_response, adverse_events when written)."""
    system, hidden = pattern
    with_hidden = set()
    for name in set(EXPORTED_TABLES) & set(system.layout):
        first, rows, columns = system.layout[name]
        if hidden[first : first + rows * len(columns)].any():
            with_hidden.add(name)
    assert len(with_hidden) >= 4, with_hidden


def test_shown_counts_are_true_and_none_is_small(demo, pattern):
    tables, out = demo
    system, hidden = pattern
    for name in tables:
        first, rows, columns = system.layout[name]
        text = exported(out, name)[columns].to_numpy().ravel()
        values = system.values[first : first + rows * len(columns)]
        shown = ~np.isin(text, HIDDEN) & (text != "")
        numbers = text[shown].astype(float)
        np.testing.assert_array_equal(numbers, values[shown], err_msg=name)
        assert not ((numbers >= 1) & (numbers < 5)).any(), name


def test_a_repeated_count_is_hidden_in_every_table_or_in_none(pattern):
    system, hidden = pattern
    by_cell = pd.Series(hidden[: system.printed.sum()]).groupby(
        system.canon[: system.printed.sum()]
    )
    assert (by_cell.nunique() == 1).all()


def test_no_declared_relation_has_exactly_one_hidden_cell(pattern):
    system, hidden = pattern
    on_canon = np.zeros_like(hidden)
    on_canon[system.canon[hidden]] = True
    remainders = ~system.printed & (system.values >= 1) & (system.values < 5)
    on_canon |= remainders  # counts no table shows: hidden when small (else harmless)
    # patients without an event (n - events ...): a reader does not know them, so a relation
    # with such a count of 5 or more is covered by it
    unknown = system.unseen & (system.values >= 5)
    per_relation = (system.members & on_canon).sum(axis=1)
    covered = (system.members & unknown).any(axis=1)
    declared = [n for n in system.names if n in EXPORTED_TABLES]  # cox's are survival's relations
    assert {"attrition", "response", "field_response", "eqd2", "adverse_events", "survival",
            "subgroups", "duration_of_response"} <= set(declared)  # fmt: skip
    lonely = [system.names[i] for i in np.flatnonzero((per_relation == 1) & ~covered)]
    assert lonely == []
    # and no combination of relations pins a hidden count (linear programming audit)
    primary = (system.values >= 1) & (system.values < 5)
    exposed = exposed_cells(system.sign, system.values, on_canon | unknown, primary, 5)
    assert not (exposed & ~unknown).any()


def test_counts_repeated_across_tables_are_joined_in_the_demo(demo, pattern):
    """cox repeats survival's n and events; subgroups' levels are Table 1's and the
    treatment table's counts; eqd2's SBRT and conventional rows are treatment's SBRT yes/no;
    the responders of the duration of response are the unconfirmed ORR; subgroups' levels
    add up to survival's n and events."""
    tables, _ = demo
    system, _ = pattern
    cox, survival = system.cells_of("cox"), system.cells_of("survival")
    assert set(cox[:, 0]) <= set(survival[:, 0]) and set(cox[:, 1]) <= set(survival[:, 1])
    subgroups, treatment = system.cells_of("subgroups"), system.cells_of("treatment")
    sequence = (tables["subgroups"]["variable"] == "sequence").to_numpy()
    assert set(subgroups[sequence, 0]) <= set(treatment[:, 0])
    assert set(subgroups[~sequence, 0]) <= set(system.cells_of("baseline")[:, 0])
    eqd2 = system.cells_of("eqd2")
    assert set(eqd2[1:, 0]) <= set(treatment[:, 0])
    dor = system.cells_of("duration_of_response")
    assert set(dor[:, 0]) <= set(system.cells_of("response")[:, 0])
    # a survival count is the total of a sum over subgroups' levels
    assert set(survival[:, :2].ravel()) & set(system.total)


def _flow_texts(svg: str) -> list[str]:
    """The remaining / excluded texts of the flow diagram, in order (SVG text comments)."""
    comments = [html.unescape(c) for c in re.findall(r"<!-- (.*?) -->", svg)]
    return [c for c in comments if c.startswith(("n = ", "Excluded: "))]


def test_the_flow_diagram_reads_the_attrition_table(demo):
    _, out = demo
    attrition = exported(out, "attrition")
    expected = []
    for row in attrition.itertuples():
        expected.append(f"n = {row.n_remaining}")
        if row.n_excluded != "0":  # shown counts here are all 5 or more: "<n> patients"
            expected.append(f"Excluded: {row.n_excluded} patients")
    assert "n = [c]" in expected and "Excluded: <5 patients" in expected
    assert _flow_texts((out / "figures" / "flow.svg").read_text(encoding="utf-8")) == expected
    page = (out / "report.html").read_text(encoding="utf-8")
    boxes = re.findall(r"<strong>n = (.*?)</strong>", page)
    assert [html.unescape(b) for b in boxes] == attrition["n_remaining"].tolist()
