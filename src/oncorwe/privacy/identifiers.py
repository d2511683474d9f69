"""Detect direct identifiers in input columns: names, phone numbers, e-mail addresses, ID-card /
social-security numbers, medical-record-number-like codes, addresses and exact birth dates.

A column is flagged by its *name* (``phone``, ``姓名``, ``mrn`` ...) or by its *values* (at
least ``VALUE_SHARE`` of the sampled non-empty values match a pattern). Contract columns are
skipped by default: their meaning is fixed by the data contract (``birth_date`` is handled by
de-identification, which keeps the year only). The result names columns and kinds, never the
values, so that it can be printed and logged safely.

References
----------
HIPAA Privacy Rule, 45 CFR 164.514(b)(2) (Safe Harbor: the 18 identifiers); GB 11643-1999
(Chinese citizen identification number, check digit ISO 7064 MOD 11-2).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from oncorwe.io.schema import TABLES

VALUE_SHARE = 0.5  # share of sampled values that must match for a value-based flag
SAMPLE_SIZE = 1000  # values checked per column (the first non-empty ones)
MRN_MIN_DISTINCT = 0.9  # an MRN column is (almost) unique per row

IDENTIFIER_COLUMNS = ("column", "kind", "evidence", "matches", "checked", "message")

_NAME_HINTS = {
    "name": r"(^|_)(full_?|first_?|last_?|family_?|given_?|sur|patient_?)?name($|_)|姓名|名字",
    "phone": r"phone|mobile|(^|_)tel($|_)|telephone|cell|电话|手机|联系方式",
    "email": r"e_?mail|邮箱",
    "id_card": r"id_?card|identity|national_?id|(^|_)ssn($|_)|social_?sec|passport|身份证",
    "mrn": r"(^|_)mrn($|_)|medical_?record|record_?(no|num)|hospital_?(no|id|num)|"
    r"住院号|病历号|病案号|门诊号",
    "address": r"address|(^|_)addr($|_)|street|postcode|zip_?code|地址|住址",
    "birth_date": r"(^|_)dob($|_)|birth|出生",
}

# CJK ideographs, as characters: pandas' Arrow strings use RE2, which has no \u escapes
CJK = "\u4e00-\u9fff"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
_PHONE = (
    r"^(?:\+?86[- ]?)?1[3-9]\d{9}$"  # Chinese mobile
    r"|^0\d{2,3}-?\d{7,8}$"  # Chinese landline with area code
    r"|^\+\d[\d ().-]{8,}\d$"  # international, written with +
    r"|^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$"  # North American
)
_SSN = r"^\d{3}-\d{2}-\d{4}$"
_CN_ID = r"^\d{17}[\dXx]$"
_CN_NAME = (
    r"^[赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻苏潘葛范彭鲁韦马苗方俞任袁柳鲍史唐费薛雷贺倪汤殷罗毕郝安常于傅齐康伍余顾孟黄穆萧尹姚邵汪祁毛狄米贝明臧计成戴谈宋庞熊纪舒屈项祝董梁杜阮蓝闵季贾路江童颜郭梅盛林钟徐邱骆高夏蔡田樊胡凌霍虞万柯管卢莫房解应丁邓洪包左石崔龚程邢裴陆荣翁荀羊惠甄曲封芮储靳段焦牧山谷车侯全班秋仲伊宫宁仇栾甘厉戎祖武符刘景詹龙叶幸司黎薄印宿白怀蒲邰从鄂索咸赖卓蔺屠蒙池乔阴胥能苍双闻党翟谭贡劳姬申扶冉宰雍桑桂濮牛寿通边燕冀浦尚农温别庄晏柴瞿阎连习艾鱼容向古易慎戈廖庾终居衡步都耿满弘匡国文寇广禄东欧沃利蔚越隆师巩聂晁勾敖融冷訾辛阚那简饶曾沙须丰巢关蒯相查后荆红游竺权盖益桓公]["
    + CJK
    + "]{1,3}$"
)  # noqa: E501 - the common Chinese surnames
_WESTERN_NAME = r"^[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:,)? [A-Z][a-z]+(?:[ -][A-Z][a-z]+)?$"
_ADDRESS = (
    r"^\d+[A-Za-z]?\s+(?:[A-Za-z.]+\s+)+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
    r"Boulevard|Blvd|Way|Court|Ct|Place|Pl)\b"
    "|[" + CJK + r"]+(?:省|市|区|县)[" + CJK + r"\d]*(?:路|街|道|巷|弄)[\d" + CJK + "-]*号"
)
_FULL_DATE = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$"
_CN_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CN_ID_CHECK = "10X98765432"


def chinese_id_checksum_ok(values: pd.Series) -> pd.Series:
    """GB 11643-1999 check digit of 18-character ID numbers (ISO 7064 MOD 11-2)."""
    digits = values.str[:17].str.split("", expand=True).iloc[:, 1:18].astype("int64").to_numpy()
    expected = [_CN_ID_CHECK[k] for k in (digits @ _CN_ID_WEIGHTS) % 11]
    return pd.Series(
        np.asarray(expected) == values.str[17].str.upper().to_numpy(), index=values.index
    )


def _value_kinds(samples: dict[str, pd.Series]) -> dict[str, dict[str, int]]:
    """How many values of each sample (column -> its non-empty values) match each identifier
    kind. All samples are matched together, each pattern once over their values: a workbook of
    some hundred columns is screened in one pass, not a regular expression per column."""
    sizes = [len(v) for v in samples.values()]
    values = pd.concat(list(samples.values()), ignore_index=True).astype("string")
    column = np.repeat(np.arange(len(sizes)), sizes)

    def per_column(matched: pd.Series | np.ndarray) -> np.ndarray:
        return np.bincount(column[_hits(matched)], minlength=len(sizes))

    cn_id = _hits(values.str.match(_CN_ID))
    valid_cn = np.zeros(len(values), dtype=bool)
    if cn_id.any():
        valid_cn[cn_id] = chinese_id_checksum_ok(values[cn_id]).to_numpy()
    counts = {
        "email": per_column(values.str.match(_EMAIL)),
        "phone": per_column(values.str.replace(r"\s+", " ", regex=True).str.match(_PHONE)),
        "name": per_column(values.str.match(_CN_NAME) | values.str.match(_WESTERN_NAME)),
        "address": per_column(values.str.contains(_ADDRESS, regex=True)),
        "id_card": per_column(values.str.match(_SSN)) + per_column(valid_cn),
        "mrn": _mrn_like(values, column, len(sizes)),
    }
    return {name: {kind: int(n[k]) for kind, n in counts.items()} for k, name in enumerate(samples)}


def _hits(matched: pd.Series | np.ndarray) -> np.ndarray:
    """A match result as a boolean array (no match where missing)."""
    if isinstance(matched, pd.Series):
        matched = matched.fillna(False)
    return np.asarray(matched, dtype=bool)


def _mrn_like(values: pd.Series, column: np.ndarray, columns: int) -> np.ndarray:
    """Per column, the count of its values when the column looks like record numbers:
    fixed-length codes of 6-12 digits (optionally with a letter prefix), nearly unique; else
    0."""
    code = _hits(values.str.match(r"^[A-Za-z]{0,3}[-:]?\d{6,12}$"))
    size = np.bincount(column, minlength=columns)
    coded = np.bincount(column[code], minlength=columns)
    by_column = pd.DataFrame({"c": column, "v": values, "n": values.str.len()}).groupby("c")
    lengths = by_column["n"].nunique().reindex(range(columns), fill_value=0).to_numpy()
    distinct = by_column["v"].nunique().reindex(range(columns), fill_value=0).to_numpy()
    looks = (coded >= VALUE_SHARE * size) & (lengths <= 2) & (distinct >= MRN_MIN_DISTINCT * size)
    return np.where(looks, coded, 0)


def _name_kind(column: str) -> str | None:
    lowered = column.strip().lower().replace(" ", "_").replace("-", "_")
    for kind, pattern in _NAME_HINTS.items():
        if re.search(pattern, lowered):
            return kind
    return None


def detect_identifiers(
    frame: pd.DataFrame, *, table: str | None = None, include_contract: bool = False
) -> pd.DataFrame:
    """Flag columns of ``frame`` that hold direct identifiers.

    Parameters
    ----------
    frame : a table as read (text) or typed.
    table : the contract table name; its contract columns are skipped unless
        ``include_contract`` (without ``table`` every contract column name is skipped).
    include_contract : check contract columns too.

    Returns
    -------
    DataFrame with ``IDENTIFIER_COLUMNS``: one row per flagged column; ``evidence`` is
    ``name`` or ``values``; ``matches`` of ``checked`` sampled values (0 for a name-only flag).
    The values themselves are never included.
    """
    if table in TABLES:
        contract = set(TABLES[table].column_names)
    else:
        contract = {c for t in TABLES.values() for c in t.column_names}
    samples = {}
    for column in frame.columns:
        name = str(column)
        if name.startswith("_") or (name in contract and not include_contract):
            continue
        values = frame[column].dropna().astype("string").str.strip()
        samples[name] = values[values != ""].head(SAMPLE_SIZE)
    valued = {k: v for k, v in samples.items() if len(v)}
    kinds = _value_kinds(valued) if valued else {}
    rows = []
    for name, values in samples.items():
        by_value = kinds.get(name, {})
        kind, matches = max(by_value.items(), key=lambda kv: kv[1], default=(None, 0))
        hinted = _name_kind(name)
        if len(values) and matches >= VALUE_SHARE * len(values):
            evidence = "values"
        elif hinted is not None:
            kind, matches, evidence = hinted, by_value.get(hinted, 0), "name"
        else:
            continue
        if hinted == "birth_date" and values.str.match(_FULL_DATE).mean() >= VALUE_SHARE:
            kind, evidence = "birth_date", "values"
        rows.append(
            (
                name,
                kind,
                evidence,
                matches,
                len(values),
                f"column '{name}' looks like {kind.replace('_', ' ')} ({evidence}: {matches} of "
                f"{len(values)} values match); remove it or de-identify before analysis",
            )
        )
    return pd.DataFrame(rows, columns=list(IDENTIFIER_COLUMNS))
