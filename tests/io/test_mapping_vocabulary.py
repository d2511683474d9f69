"""The shipped vocabulary: oncology agents (generic, brand, Chinese names -> agent and class,
each with its approval source) and adverse-event text -> CTCAE v5.0 terms."""

import pytest

from oncorwe.io.mapping.vocabulary import (
    _read,
    agents,
    find_agent,
    find_term,
    header_core,
)
from oncorwe.io.schema import TABLES

CHECKPOINT_INHIBITORS = {
    # generic: (Chinese generic name, class)
    "camrelizumab": ("卡瑞利珠单抗", "pd1"),
    "sintilimab": ("信迪利单抗", "pd1"),
    "tislelizumab": ("替雷利珠单抗", "pd1"),
    "toripalimab": ("特瑞普利单抗", "pd1"),
    "penpulimab": ("派安普利单抗", "pd1"),
    "zimberelimab": ("赛帕利单抗", "pd1"),
    "serplulimab": ("斯鲁利单抗", "pd1"),
    "pucotenlimab": ("普特利单抗", "pd1"),
    "cadonilimab": ("卡度尼利单抗", "pd1"),
    "ivonescimab": ("依沃西单抗", "pd1"),
    "nivolumab": ("纳武利尤单抗", "pd1"),
    "pembrolizumab": ("帕博利珠单抗", "pd1"),
    "cemiplimab": ("西米普利单抗", "pd1"),
    "dostarlimab": ("多塔利单抗", "pd1"),
    "retifanlimab": ("瑞提凡利单抗", "pd1"),
    "envafolimab": ("恩沃利单抗", "pdl1"),
    "sugemalimab": ("舒格利单抗", "pdl1"),
    "adebrelimab": ("阿得贝利单抗", "pdl1"),
    "benmelstobart": ("贝莫苏拜单抗", "pdl1"),
    "atezolizumab": ("阿替利珠单抗", "pdl1"),
    "durvalumab": ("度伐利尤单抗", "pdl1"),
    "avelumab": ("阿维鲁单抗", "pdl1"),
    "ipilimumab": ("伊匹木单抗", "ctla4"),
    "tremelimumab": ("替西木单抗", "ctla4"),
}


@pytest.mark.parametrize("agent", sorted(CHECKPOINT_INHIBITORS))
def test_checkpoint_inhibitor_by_generic_and_chinese_name(agent):
    chinese, drug_class = CHECKPOINT_INHIBITORS[agent]
    assert find_agent(agent) == (agent, drug_class)
    assert find_agent(agent.upper()) == (agent, drug_class)
    assert find_agent(chinese) == (agent, drug_class)


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Keytruda", ("pembrolizumab", "pd1")),
        ("艾瑞卡", ("camrelizumab", "pd1")),
        ("卡瑞利珠单抗注射液", ("camrelizumab", "pd1")),
        ("Tecentriq", ("atezolizumab", "pdl1")),
        ("Lenvima", ("lenvatinib", "tki")),
        ("多纳非尼", ("donafenib", "tki")),
        ("rivoceranib", ("apatinib", "tki")),
        ("Cabometyx", ("cabozantinib", "tki")),
        ("bevacizumab-awwb", ("bevacizumab", "anti_vegf")),
        ("达攸同", ("bevacizumab", "anti_vegf")),
        ("奥沙利铂", ("oxaliplatin", "chemotherapy")),
        ("FOLFOX4", ("folfox", "chemotherapy")),
        ("Yervoy", ("ipilimumab", "ctla4")),
    ],
)
def test_brand_and_chinese_names(written, expected):
    assert find_agent(written) == expected


def test_unknown_drug_is_not_guessed():
    assert find_agent("某某单抗") is None
    assert find_agent("vitamin c") is None


def test_every_agent_has_a_source_and_a_contract_class():
    table = agents()
    allowed = set(TABLES["systemic_therapy"].column("drug_class").allowed)
    assert set(table["drug_class"]) <= allowed
    assert (table["source"].str.len() > 10).all()
    assert (table["approvals"].str.len() > 0).all()
    assert table["agent"].is_unique


@pytest.mark.parametrize(
    "text, term",
    [
        ("放射性皮炎", "Dermatitis radiation"),
        ("radiation dermatitis", "Dermatitis radiation"),
        ("血小板计数降低", "Platelet count decreased"),
        ("血小板减少", "Platelet count decreased"),
        ("Thrombocytopenia", "Platelet count decreased"),
        ("hand-foot syndrome", "Palmar-plantar erythrodysesthesia syndrome"),
        ("手足综合征", "Palmar-plantar erythrodysesthesia syndrome"),
        ("谷丙转氨酶升高", "Alanine aminotransferase increased"),
        ("Fatigue", "Fatigue"),
        ("乏力", "Fatigue"),
        ("甲减", "Hypothyroidism"),
        ("Hyponatremia", "Hyponatremia"),  # a term of the derive SOC table
    ],
)
def test_adverse_event_text_to_ctcae(text, term):
    assert find_term(text) == term


def test_unknown_adverse_event_text_is_not_guessed():
    assert find_term("头晕") is None
    assert find_term("platelet") is None


def test_shipped_terms_are_ctcae_terms_the_derivations_know():
    soc = set(_read("ctcae_v5_soc.csv", "derive")["term"])
    assert set(_read("ctcae_terms.csv")["term"]) <= soc


@pytest.mark.parametrize(
    "header, core, unit",
    [
        ("总剂量(Gy)", "总剂量", "gy"),
        ("年龄（岁）", "年龄", "岁"),
        ("Total bilirubin (umol/L)", "totalbilirubin", "umol/l"),
        ("RT start date", "rtstartdate", ""),
    ],
)
def test_header_core_and_unit(header, core, unit):
    assert header_core(header) == (core, unit)
