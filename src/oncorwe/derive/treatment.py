"""Per-patient treatment summary: radiotherapy dose (physical, BED, EQD2) and RT-ICI sequence.

BED and EQD2 follow the linear-quadratic model (``oncorwe.derive.radiobiology``); a patient's
total is the sum over courses (no repopulation factor). SBRT is a course whose technique is SBRT
or whose dose per fraction is at least ``SBRT_MIN_DOSE_PER_FRACTION`` Gy.

Sequence: ``concurrent`` when any ICI exposure interval [start, end or last contact] overlaps any RT
course widened by the protocol's window ([RT start - before, RT end + after], default 30/30 days,
docs/references/reference_study.md); otherwise ``rt_first`` or ``ici_first`` by which started
earlier.

Both are table expressions over the contract tables and ``cohort`` (``oncorwe.engine.tables``):
they run where the data are, and only one row per patient comes back.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from oncorwe.derive.radiobiology import bed, eqd2
from oncorwe.protocol import Protocol

# Stereotactic ablative RT is conventionally >= 5 Gy per fraction in <= ~10 fractions
# (e.g. HCC SBRT series 5-10 Gy x 3-10, docs/references/radiobiology.md).
SBRT_MIN_DOSE_PER_FRACTION = 5.0
SBRT_TECHNIQUE = "SBRT"
# systemic classes that make ``targeted_therapy`` true (tyrosine kinase and VEGF inhibitors)
TARGETED_CLASSES = ("tki", "anti_vegf")


def derive_rt_summary(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per cohort patient with radiotherapy: ``patient_id, rt_courses,
    rt_total_dose_gy, rt_bed_gy, rt_eqd2_gy, rt_sbrt, rt_targets`` (targets ';'-joined, sorted).

    Steps
    -----
    1. Courses of cohort patients with BED, EQD2 (alpha/beta of the protocol) and the SBRT flag.
    2. Sums per patient; the distinct targets, sorted.
    """
    r, cohort = t["radiotherapy"], t["cohort"]
    ab = float(protocol.treatment.alpha_beta_tumor)
    # step 1
    courses = r.semi_join(cohort, "patient_id")
    dose, n = courses.total_dose_gy, courses.fractions
    courses = courses.mutate(
        bed_gy=bed(dose, n, ab),
        eqd2_gy=eqd2(dose, n, ab),
        sbrt=(courses.technique.fill_null("") == SBRT_TECHNIQUE)
        | (dose / n >= SBRT_MIN_DOSE_PER_FRACTION).fill_null(False),
    )
    # step 2
    sums = courses.group_by("patient_id").aggregate(
        rt_courses=courses.count(),
        rt_total_dose_gy=courses.total_dose_gy.sum(),
        rt_bed_gy=courses.bed_gy.sum(),
        rt_eqd2_gy=courses.eqd2_gy.sum(),
        rt_sbrt=courses.sbrt.any(),
    )
    # (sorted as an array: Spark has no ordered string aggregation)
    targets = courses.group_by("patient_id").aggregate(
        rt_targets=courses.target.collect(distinct=True).sort().join(";")
    )
    out = sums.left_join(targets, "patient_id").drop("patient_id_right")
    return out.order_by("patient_id")


def derive_sequence(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per cohort patient: ``patient_id, sequence, ici_agent, ici_cycles,
    targeted_therapy`` with sequence in ``concurrent``, ``rt_first``, ``ici_first``.

    Steps
    -----
    1. ICI rows of cohort patients (the protocol's ICI classes); an ongoing row ends at the last
       contact.
    2. Concurrent: any ICI interval overlaps any RT course widened by the protocol's window.
    3. First ICI agent (earliest start, then agent name) and the ICI cycles.
    4. Targeted therapy: any systemic row of a class in ``TARGETED_CLASSES``.
    """
    tr = protocol.treatment
    after, before = int(tr.concurrency_days_after_rt), int(tr.concurrency_days_before_rt)
    s, r, p, cohort = t["systemic_therapy"], t["radiotherapy"], t["patients"], t["cohort"]
    # step 1
    mine = s.semi_join(cohort, "patient_id")
    ici = mine.filter(mine.drug_class.isin(list(protocol.eligibility.ici_classes)))
    ici = ici.join(p.select("patient_id", "last_contact_date"), "patient_id")
    ici = ici.mutate(ici_end=ici.end_date.coalesce(ici.last_contact_date))
    # step 2
    rt = r.select("patient_id", rt_start=r.start_date, rt_end=r.end_date)
    pairs = ici.join(rt, "patient_id")
    overlap = pairs.group_by("patient_id").aggregate(
        concurrent=(
            (pairs.start_date <= pairs.rt_end + ibis.interval(days=after))
            & (pairs.ici_end >= pairs.rt_start - ibis.interval(days=before))
        ).any()
    )
    # step 3
    order = ibis.row_number().over(
        group_by="patient_id", order_by=[ibis.asc("start_date", nulls_first=False), "agent"]
    )
    first = ici.mutate(_order=order)
    first = first.filter(first._order == 0).select("patient_id", ici_agent=first.agent)
    cycles = ici.group_by("patient_id").aggregate(ici_cycles=ici.cycles.sum())
    # step 4
    other = mine.group_by("patient_id").aggregate(
        targeted_therapy=mine.drug_class.isin(list(TARGETED_CLASSES)).any()
    )
    out = cohort.select("patient_id", "first_rt_date", "first_ici_date")
    for part in (overlap, first, cycles, other):
        out = out.left_join(part, "patient_id").drop("patient_id_right")
    sequence = ibis.cases(
        (out.concurrent.fill_null(False), "concurrent"),
        (out.first_rt_date <= out.first_ici_date, "rt_first"),
        else_="ici_first",
    )
    return out.select(
        "patient_id",
        sequence=sequence,
        ici_agent=out.ici_agent,
        ici_cycles=out.ici_cycles,
        targeted_therapy=out.targeted_therapy.fill_null(False),
    ).order_by("patient_id")
