"""Counts that one exported table repeats from another, declared as data.

Such cells are one cell for suppression: hidden in both tables or in neither (when they hold
the same count). The tables are those of ``oncorwe.privacy.exported``; ``Mirror`` is in
``oncorwe.privacy.additivity``.
"""

from __future__ import annotations

from oncorwe.privacy.additivity import Mirror
from oncorwe.privacy.exported import OVERALL, RESPONSE_BLOCK, SBRT

MIRRORS = (
    Mirror(
        "Table 1 is the overall column of Table 1 by group",
        table="baseline",
        source="baseline_by_group",
        on=("characteristic", "level"),
        columns=(("n", "n"), ("missing", "missing")),
        source_rows=(("group", OVERALL),),
    ),
    Mirror(
        "the ORR rows of the response table, side by side",
        table="response_by_criteria",
        source="response",
        on=RESPONSE_BLOCK,
        columns=(("orr_n", "n"),),
        source_rows=(("category", "ORR"),),
    ),
    Mirror(
        "the DCR rows of the response table, side by side",
        table="response_by_criteria",
        source="response",
        on=RESPONSE_BLOCK,
        columns=(("dcr_n", "n"),),
        source_rows=(("category", "DCR"),),
    ),
    Mirror(
        "each term's row again under its organ class",
        table="adverse_events",
        source="adverse_events_by_soc",
        on=("term",),
        columns=tuple(
            (c, c) for c in ("any_n", "grade1_2_n", "grade3_4_n", "grade5_n", "grade3plus_n")
        ),
    ),
    Mirror(
        "each Cox model's n and events are the survival table's for its endpoint",
        table="cox",
        source="survival",
        on=("endpoint",),
        columns=(("n", "n"), ("events", "events")),
    ),
    *(
        Mirror(
            f"a subgroup's n is the level's count in {source} (all patients of the endpoint)",
            table="subgroups",
            source=source,
            on=(("label", "characteristic"), "level"),
            columns=(("n", "n"),),
        )
        for source in ("baseline", "treatment")
    ),
    *(
        Mirror(
            f"eqd2's {group} row counts the treatment table's SBRT {level!r} patients",
            table="eqd2",
            source="treatment",
            on=(),
            columns=(("n", "n"),),
            rows=(("group", group),),
            source_rows=(("characteristic", SBRT), ("level", level)),
        )
        for group, level in ((SBRT, "Yes"), ("Conventional", "No"))
    ),
    Mirror(
        "the responders of the duration of response are the unconfirmed ORR count",
        table="duration_of_response",
        source="response",
        on=("criteria",),
        columns=(("n_responders", "n"),),
        source_rows=(("category", "ORR"), ("confirmed", False)),
    ),
)
