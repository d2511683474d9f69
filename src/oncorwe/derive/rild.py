"""Radiation-induced liver disease (RILD): classic / non-classic flags, Child-Pugh and ALBI change.

Per patient, within the window after the end of liver radiotherapy (3 months by default):
the peak ALP and transaminase (ALT/AST) as multiples of the ULN, Child-Pugh score and ALBI
score / grade at baseline and at the 3-month landmark, their change, and the two RILD flags.
A table expression over the contract tables (``oncorwe.engine.tables``), run where the labs are;
one row per patient comes back.

References
----------
.. [1] Kabarriti R, Guha C. Hepatol Int 2014 (classic RILD: anicteric hepatomegaly, ascites,
   ALP raised out of proportion, 2 weeks to 3 months after RT; non-classic: transaminases
   > 5 x ULN or decline in liver function in patients with underlying liver disease).
.. [2] Toward consensus reporting of radiation-induced liver toxicity (Child-Pugh increase >= 2
   predicts survival); PMC4985424 (Child-Pugh >= 2-point rise within 3 months used as
   radiation-induced hepatic toxicity); PMC5779633 (ALBI change as an endpoint).
.. [3] docs/references/ctcae.md: the ALP > 2 x ULN cut-off and the exact non-classic composite
   are a common operationalisation, not read in a primary source.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from oncorwe.derive.liver import albi_grade, albi_score, child_pugh_score

# Window after the end of RT in which RILD is sought (3 months) [1, 2].
RILD_WINDOW_DAYS = 90
# The "3-month" Child-Pugh / ALBI value: the lab value nearest to day 90 after RT end, within
# +/- this many days (a protocol setting; no source fixes it).
LANDMARK_TOLERANCE_DAYS = 30
# Classic RILD: ALP > 2 x ULN [3, U].
CLASSIC_ALP_X_ULN = 2.0
# Non-classic RILD: transaminases > 5 x ULN (CTCAE grade >= 3); when the baseline is already
# > 5 x ULN, grade 4 (> 20 x ULN) is required [1, 3].
NON_CLASSIC_TRANSAMINASE_X_ULN = 5.0
NON_CLASSIC_TRANSAMINASE_X_ULN_ABNORMAL_BASELINE = 20.0
# Non-classic RILD: Child-Pugh score increase >= 2 points within 3 months [2].
NON_CLASSIC_CHILD_PUGH_INCREASE = 2


TRANSAMINASES = ("alt_u_l", "ast_u_l")
LANDMARK_TESTS = ("bilirubin_umol_l", "albumin_g_l", "inr")


def _peak_ratio(window: ir.Table, tests: tuple[str, ...], name: str) -> ir.Table:
    """``patient_id, name``: the highest value / ULN of ``tests`` in the window."""
    rows = window.filter(window.test.isin(list(tests)))
    return rows.group_by("patient_id").aggregate(
        **{name: (rows.value / rows.uln.nullif(0.0)).max()}
    )


def _landmarks(labs: ir.Table) -> ir.Table:
    """``patient_id`` and the value of each ``LANDMARK_TESTS`` test nearest to RT end + 90 days
    (within the tolerance; ties: the earlier date, then the lower value)."""
    rows = labs.filter(labs.test.isin(list(LANDMARK_TESTS)))
    target = rows.rt_end + ibis.interval(days=RILD_WINDOW_DAYS)
    rows = rows.mutate(_gap=rows.lab_date.delta(target, unit="day").abs())
    rows = rows.filter(rows._gap <= LANDMARK_TOLERANCE_DAYS)
    order = ibis.row_number().over(
        group_by=["patient_id", "test"], order_by=["_gap", "lab_date", "value"]
    )
    rows = rows.mutate(_order=order)
    rows = rows.filter(rows._order == 0)
    return rows.group_by("patient_id").aggregate(
        **{f"{test}_3m": rows.value.max(where=rows.test == test) for test in LANDMARK_TESTS}
    )


def _join_all(base: ir.Table, parts: list[ir.Table]) -> ir.Table:
    for part in parts:
        base = base.left_join(part, "patient_id").drop("patient_id_right")
    return base


def derive_rild(
    t: Mapping[str, ir.Table],
    rt_end: ir.Table,
    progression: ir.Table | None = None,
    new_ascites: ir.Table | None = None,
) -> ir.Table:
    """RILD flags and liver-function change at 3 months after liver radiotherapy, per patient.

    Parameters
    ----------
    t : the contract tables: ``labs`` (``patient_id, lab_date, test, value, uln``) and
        ``patients`` (baseline ``bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy``
        and ``alt_u_l, ast_u_l`` for the abnormal-baseline rule).
    rt_end : table ``patient_id, rt_end``: end date of the (last) liver RT course; only these
        patients are assessed.
    progression : optional table ``patient_id, progression_date`` (the first progression); a
        progression within the window suppresses both flags (RILD requires absence of
        progression [1]).
    new_ascites : optional table ``patient_id, new_ascites`` (bool), new or worse ascites within
        the window (a clinical finding the labs table does not hold). Without it
        ``classic_rild`` is the laboratory criterion only.

    Returns
    -------
    Ibis table, one row per patient of ``rt_end`` (ordered by patient): ``peak_alp_x_uln,
    peak_transaminase_x_uln, baseline_transaminase_x_uln, child_pugh_baseline, child_pugh_3m,
    child_pugh_change, albi_baseline, albi_3m, albi_change, albi_grade_baseline,
    albi_grade_3m, progression_in_window, classic_rild, non_classic_rild``.

    Steps
    -----
    1. Labs in (RT end, RT end + 90 days]; peak ALP and ALT/AST multiples of the ULN.
    2. Child-Pugh and ALBI at the 3-month landmark (lab components nearest day 90; ascites and
       encephalopathy carried from baseline, which understates a clinical decline).
    3. Classic: ALP > 2 x ULN (and new ascites when given). Non-classic: transaminase > 5 x ULN
       (> 20 x ULN if the baseline was > 5 x ULN) or Child-Pugh rise >= 2. No progression.

    References
    ----------
    Kabarriti & Guha, Hepatol Int 2014; consensus reporting of radiation-induced liver
    toxicity; PMC4985424; PMC5779633.
    """
    ends = rt_end.select("patient_id", "rt_end")
    labs = t["labs"].join(ends, "patient_id")
    window_end = labs.rt_end + ibis.interval(days=RILD_WINDOW_DAYS)
    # step 1
    window = labs.filter((labs.lab_date > labs.rt_end) & (labs.lab_date <= window_end))
    tx = labs.filter(labs.test.isin(list(TRANSAMINASES)))
    tx_uln = tx.group_by("patient_id").aggregate(_tx_uln=tx.uln.median())
    p = t["patients"]
    base = p.select("patient_id", *LANDMARK_TESTS, "ascites", "encephalopathy", *TRANSAMINASES)
    parts = [
        base,
        _peak_ratio(window, ("alp_u_l",), "peak_alp_x_uln"),
        _peak_ratio(window, TRANSAMINASES, "peak_transaminase_x_uln"),
        tx_uln,
        _landmarks(labs),  # step 2
    ]
    if progression is not None:
        parts.append(progression.select("patient_id", _progression="progression_date"))
    if new_ascites is not None:
        parts.append(new_ascites.select("patient_id", _new_ascites="new_ascites"))
    out = _join_all(ends, parts)
    baseline_tx = ibis.greatest(out.alt_u_l, out.ast_u_l) / out._tx_uln.nullif(0.0)
    cp_base = child_pugh_score(
        out.bilirubin_umol_l, out.albumin_g_l, out.inr, out.ascites, out.encephalopathy
    )
    cp_3m = child_pugh_score(
        out.bilirubin_umol_l_3m, out.albumin_g_l_3m, out.inr_3m, out.ascites, out.encephalopathy
    )
    albi_base = albi_score(out.bilirubin_umol_l, out.albumin_g_l)
    albi_3m = albi_score(out.bilirubin_umol_l_3m, out.albumin_g_l_3m)
    out = out.mutate(
        baseline_transaminase_x_uln=baseline_tx,
        child_pugh_baseline=cp_base,
        child_pugh_3m=cp_3m,
        child_pugh_change=cp_3m - cp_base,
        albi_baseline=albi_base,
        albi_3m=albi_3m,
        albi_change=albi_3m - albi_base,
        albi_grade_baseline=albi_grade(albi_base),
        albi_grade_3m=albi_grade(albi_3m),
    )
    # step 3
    if progression is None:
        progressed = ibis.literal(False)
    else:
        progressed = (
            (out._progression > out.rt_end)
            & (out._progression <= out.rt_end + ibis.interval(days=RILD_WINDOW_DAYS))
        ).fill_null(False)
    classic = (out.peak_alp_x_uln > CLASSIC_ALP_X_ULN).fill_null(False)
    if new_ascites is not None:
        classic = classic & out._new_ascites.fill_null(False)
    return out.select(
        "patient_id",
        "peak_alp_x_uln",
        "peak_transaminase_x_uln",
        "baseline_transaminase_x_uln",
        "child_pugh_baseline",
        "child_pugh_3m",
        "child_pugh_change",
        "albi_baseline",
        "albi_3m",
        "albi_change",
        "albi_grade_baseline",
        "albi_grade_3m",
        progression_in_window=progressed,
        classic_rild=classic & ~progressed,
        non_classic_rild=_non_classic(out) & ~progressed,
    ).order_by("patient_id")


def _non_classic(out: ir.Table) -> ir.BooleanValue:
    """Transaminase > 5 x ULN (> 20 x if baseline > 5 x ULN) or Child-Pugh rise >= 2 [1, 2].

    The patients table holds no ULN: the baseline ALT/AST is compared with the median ULN of
    the patient's ALT/AST lab rows (``baseline_transaminase_x_uln``).
    """
    high = (out.baseline_transaminase_x_uln > NON_CLASSIC_TRANSAMINASE_X_ULN).fill_null(False)
    threshold = ibis.ifelse(
        high, NON_CLASSIC_TRANSAMINASE_X_ULN_ABNORMAL_BASELINE, NON_CLASSIC_TRANSAMINASE_X_ULN
    )
    enzymes = (out.peak_transaminase_x_uln > threshold).fill_null(False)
    child_pugh = (out.child_pugh_change >= NON_CLASSIC_CHILD_PUGH_INCREASE).fill_null(False)
    return enzymes | child_pugh
