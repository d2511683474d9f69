"""SDTM domains -> the contract's lesions, adverse_events and labs (``Piece`` as in
``oncorwe.io.formats.sdtm_tables``).

- ``lesions`` from TR (the investigator's measurements, ``TREVAL``) joined to TU on
  ``TRLNKID = TULNKID``: target lesions' longest diameter (``TRTESTCD = LDIAM``,
  ``TRSTRESN`` in mm), non-target and new lesions' state (``TUMSTATE``); organ from ``TULOC``;
- ``adverse_events`` from AE: ``AEDECOD`` -> CTCAE v5.0 term (oncorwe's term table, else as
  written, reported), ``AETOXGR`` -> grade, ``AESTDTC`` -> onset, ``AESER`` -> serious. A trial
  without ``AETOXGR`` records severity (``AESEV``): read as grade 1-3 by ``SEVERITY_GRADES``,
  with a finding (CTCAE v5.0 describes grades 1-3 as mild, moderate, severe);
- ``labs`` from LB: the contract's tests by ``LBTESTCD`` in the standard unit ``LBSTRESU``.

References
----------
CDISC SDTMIG v3.4 (TU, TR, AE, LB); NCI CTCAE v5.0 (2017), grade definitions.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.formats.sdtm import impute_last
from oncorwe.io.formats.sdtm_tables import EVALUATOR, Domains, Piece, column, iso, note
from oncorwe.io.mapping.vocabulary import find_term

LESION_CLASSES = {"TARGET": "target", "NON-TARGET": "non_target", "NEW": "new"}
LESION_STATES = {
    "PRESENT": "present",
    "ABSENT": "absent",
    "UNEQUIVOCAL PROGRESSION": "unequivocal_progression",
    "EQUIVOCAL": "equivocal",
}
LESION_TESTS = ("LDIAM", "TUMSTATE")
SEVERITY_GRADES = {"MILD": "1", "MODERATE": "2", "SEVERE": "3"}
# LBTESTCD -> (contract test, standard units accepted, as SDTM controlled terminology writes them)
LAB_TESTS = {
    "PLAT": ("platelets_10e9_l", ("10^9/L", "GI/L")),  # GI/L: giga per litre = 10^9/L
    "ALT": ("alt_u_l", ("U/L", "IU/L")),
    "AST": ("ast_u_l", ("U/L", "IU/L")),
    "BILI": ("bilirubin_umol_l", ("umol/L",)),
    "ALB": ("albumin_g_l", ("g/L",)),
    "INR": ("inr", ("RATIO", "")),
    "ALP": ("alp_u_l", ("U/L", "IU/L")),
    "AFP": ("afp_ng_ml", ("ng/mL", "ug/L")),
}


def sdtm_lesions(d: Domains) -> Piece:
    """The contract's ``lesions`` from TR and TU (see the module docstring)."""
    tr, tu = d["tr"], d.get("tu")
    keep = column(tr, "TRTESTCD").isin(LESION_TESTS) & _investigator(tr, "TREVAL")
    rows = tr[keep.fillna(False)]
    links = pd.DataFrame(columns=["USUBJID", "TRLNKID", "TULOC", "TUSTRESC"])
    if tu is not None:
        links = tu.assign(TRLNKID=column(tu, "TULNKID"), TULOC=column(tu, "TULOC"))
        links = links.assign(TUSTRESC=column(tu, "TUSTRESC"))
        links = links[["USUBJID", "TRLNKID", "TULOC", "TUSTRESC"]].drop_duplicates(
            ["USUBJID", "TRLNKID"]
        )
    joined = rows.merge(links, on=["USUBJID", "TRLNKID"], how="left")
    group = column(joined, "TUSTRESC").fillna(column(joined, "TRGRPID")).str.upper()
    test = column(joined, "TRTESTCD")
    organ = column(joined, "TULOC")
    frame = pd.DataFrame(
        {
            "_src": joined["_row"].to_numpy(),
            "patient_id": joined["USUBJID"].astype("string"),
            "assessment_date": iso(impute_last(column(joined, "TRDTC"))),
            "lesion_id": column(joined, "TRLNKID"),
            "lesion_class": group.map(LESION_CLASSES).fillna(group).astype("string"),
            "organ": organ.str.lower(),
            "is_lymph_node": organ.str.upper()
            .str.contains("LYMPH NODE")
            .map({True: "true", False: "false"}),
            "diameter_mm": column(joined, "TRSTRESN").where(test == "LDIAM"),
            "status": column(joined, "TRSTRESC")
            .where(test == "TUMSTATE")
            .str.upper()
            .map(lambda v: LESION_STATES.get(v, v) if isinstance(v, str) else v),
        }
    ).astype({"status": "string"})
    unused = tuple(
        (int(r), "not a longest diameter or tumour state (TRTESTCD) of the investigator (TREVAL)")
        for r in tr.loc[~keep.fillna(False), "_row"]
    )
    variables = {
        "patient_id": "USUBJID",
        "assessment_date": "TRDTC",
        "lesion_id": "TRLNKID",
        "lesion_class": "TRGRPID",
        "diameter_mm": "TRSTRESN",
        "status": "TRSTRESC",
    }
    return Piece("lesions", "tr", frame, variables, unused)


def _investigator(frame: pd.DataFrame, variable: str) -> pd.Series:
    return column(frame, variable).fillna(EVALUATOR) == EVALUATOR


def sdtm_adverse_events(d: Domains) -> Piece:
    """The contract's ``adverse_events`` from AE (see the module docstring)."""
    ae = d["ae"]
    decod = column(ae, "AEDECOD").fillna(column(ae, "AETERM"))
    terms = {text: find_term(text) for text in decod.dropna().unique()}
    toxgr = column(ae, "AETOXGR")
    by_severity = toxgr.isna() & column(ae, "AESEV").notna()
    grade = toxgr.fillna(column(ae, "AESEV").str.upper().map(SEVERITY_GRADES))
    frame = pd.DataFrame(
        {
            "_src": ae["_row"],
            "patient_id": ae["USUBJID"].astype("string"),
            "term": decod.map(lambda t: terms.get(t) or t).astype("string"),
            "grade": grade.astype("string"),
            "onset_date": column(ae, "AESTDTC").str.slice(0, 10),
            "serious": column(ae, "AESER").map({"Y": "true", "N": "false"}).astype("string"),
        }
    )
    notes = []
    if by_severity.any():
        notes.append(
            note("adverse_events", None, "grade", str(int(by_severity.sum())),
                 "sdtm.grade_from_severity",
                 f"AE: {int(by_severity.sum())} event(s) without AETOXGR; grade read from AESEV "
                 "(MILD 1, MODERATE 2, SEVERE 3), not a CTCAE grade assessed as such")
        )  # fmt: skip
    unknown = sorted(t for t, hit in terms.items() if hit is None)
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        notes.append(
            note("adverse_events", None, "term", str(len(unknown)), "sdtm.term_not_ctcae",
                 f"AE: {len(unknown)} AEDECOD term(s) are not CTCAE v5.0 terms in oncorwe's "
                 f"table and are kept as written: {shown}")
        )  # fmt: skip
    variables = {
        "patient_id": "USUBJID",
        "term": "AEDECOD",
        "grade": "AETOXGR",
        "onset_date": "AESTDTC",
        "serious": "AESER",
    }
    return Piece("adverse_events", "ae", frame, variables, notes=notes)


def sdtm_labs(d: Domains) -> Piece:
    """The contract's ``labs`` from LB: the tests of ``LAB_TESTS`` in their standard unit."""
    lb = d["lb"]
    code = column(lb, "LBTESTCD").str.upper()
    unit = column(lb, "LBSTRESU").fillna("")
    test = code.map({k: v[0] for k, v in LAB_TESTS.items()})
    units = code.map({k: v[1] for k, v in LAB_TESTS.items()})
    unit_ok = pd.Series(
        [isinstance(a, tuple | list) and u in a for a, u in zip(units, unit, strict=True)],
        index=lb.index,
    )
    keep = test.notna() & unit_ok
    rows = lb[keep]
    frame = pd.DataFrame(
        {
            "_src": rows["_row"],
            "patient_id": rows["USUBJID"].astype("string"),
            "lab_date": column(rows, "LBDTC").str.slice(0, 10),
            "test": test[keep].astype("string"),
            "value": column(rows, "LBSTRESN"),
            "uln": column(rows, "LBSTNRHI"),
        }
    )
    unused = tuple(
        (int(r), "a test (LBTESTCD) or standard unit (LBSTRESU) the contract has no column for")
        for r in lb.loc[~keep, "_row"]
    )
    variables = {
        "patient_id": "USUBJID",
        "lab_date": "LBDTC",
        "test": "LBTESTCD",
        "value": "LBSTRESN",
        "uln": "LBSTNRHI",
    }
    return Piece("labs", "lb", frame, variables, unused)
