"""Names, places and organisations found with word lists (privacy/pii_names.py) beside spaCy, and the address fixes
that came with them; each rule family with a case it must find and one it must leave alone."""

from __future__ import annotations

import pytest

from rapport.privacy import pii, pii_names


def test_the_name_model_is_installed() -> None:
    # spaCy's model is a project dependency (scripts/setup.sh installs it): without it every test below would pass
    # on regexes alone, so its absence is a failure, not a skip.
    assert pii.ner_available()


def _found(text: str, kind: str) -> list[str]:
    return [s.text for s in pii.detect(text) if s.kind == kind]


def _any(text: str) -> list[str]:
    return [s.text for s in pii.detect(text)]


# -- lists --------------------------------------------------------------------------------------------------------
def test_lists_hold_names_and_places_from_many_locales() -> None:
    assert {"olga", "csilla", "sigurður"} & pii_names.given_names()
    assert "smith" in pii_names.surnames()
    assert {"kokkola", "canada", "california"} <= pii_names.places()
    assert "street" not in pii_names.surnames()  # ordinary words are taken out of every list


# -- persons ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I'm so jealous! said Gladys to Alessandra", "Alessandra"),
        ("Maybe it's under Elita B Desaulniers", "Elita B Desaulniers"),
        ("The award went to Rościsław Dudek last year.", "Rościsław Dudek"),
    ],
)
def test_a_listed_name_where_the_text_capitalises_it_is_a_person(text: str, name: str) -> None:
    assert name in _found(text, "PERSON")


@pytest.mark.parametrize(
    "text",
    [
        "Will you send the invoice today?",
        "May I change my delivery date?",
        "She studied English at school.",
        "Mobile: 0490 39 07 81",
    ],
)
def test_a_listed_word_used_as_an_ordinary_word_is_not_a_person(text: str) -> None:
    assert _found(text, "PERSON") == []


def test_lower_case_given_name_and_surname_in_lower_case_text() -> None:
    assert "anna kowalski" in _found("please forward this to anna kowalski today", "PERSON")
    assert _found("please forward this to the team today", "PERSON") == []


def test_call_me_and_my_name_is_take_a_lower_case_given_name() -> None:
    assert "olga" in _found("sometimes people call me olga", "PERSON")
    assert "borna jerković" in _found("my name is borna jerković but everyone calls me borna", "PERSON")
    assert _found("sometimes people call me back", "PERSON") == []


def test_two_listed_names_that_spacy_joins_as_an_organisation_are_two_persons() -> None:
    assert pii_names.split_entity(10, "Muller and Brown", "ORGANIZATION") == [
        (10, 16, "PERSON"),
        (21, 26, "PERSON"),
    ]
    assert pii_names.split_entity(0, "Research and Development", "ORGANIZATION") is None


# -- places -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("We moved here from Fortaleza", "Fortaleza"),
        ("I am in STAVANGER for a business trip", "STAVANGER"),
        ("He's injured from the waist down from Cyprus.", "Cyprus"),
    ],
)
def test_a_listed_city_or_country_is_a_location(text: str, place: str) -> None:
    assert place in _any(text)


def test_a_place_word_used_as_a_label_or_ordinary_word_is_not_a_location() -> None:
    assert _found("Mobile: 0490 39 07 81\nDesk: 020 7946 0958", "LOCATION") == []
    assert _found("Please reset my password", "LOCATION") == []


def test_chinese_text_is_left_to_jieba_and_the_patterns() -> None:
    spans = pii.detect("我叫王小明，住在北京市朝阳区建国路88号")

    assert {s.kind for s in spans} <= {"PERSON", "ADDRESS"}
    assert "北京市朝阳区建国路88号" in [s.text for s in spans]


# -- organisations ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        ("I work for Pixia Corp.", "Pixia Corp."),
        ("Thomas and Sons is a multinational bank", "Thomas and Sons"),
        ("I work for 48 Factoring Inc", "48 Factoring Inc"),
        ("selma is from stillwater supercomputing inc.", "stillwater supercomputing inc."),
        ("Luiza is from Xignite", "Xignite"),
    ],
)
def test_company_shapes_are_organisations(text: str, organisation: str) -> None:
    assert organisation in _found(text, "ORGANIZATION")


def test_hyphenated_surnames_are_a_firm_and_is_from_a_place_is_a_location() -> None:
    assert "Weeks-Rivas" in _found("Celebrating its 10th year, Weeks-Rivas is a charity.", "ORGANIZATION")
    assert _found("Luiza is from Canada", "ORGANIZATION") == []
    assert "Canada" in _found("Luiza is from Canada", "LOCATION")


def test_ordinary_sentences_hold_no_organisation() -> None:
    assert _found("I work from home on Fridays", "ORGANIZATION") == []
    assert _found("Our group of friends went out", "ORGANIZATION") == []


# -- addresses ----------------------------------------------------------------------------------------------------
def test_a_capitalised_unit_keeps_the_town_and_country_in_the_address() -> None:
    text = "Please update the billing address with 0912 P.O. Box 287 Apt. 051, Tallinn, Estonia for this card"

    assert "0912 P.O. Box 287 Apt. 051, Tallinn, Estonia" in _found(text, "ADDRESS")


def test_a_block_address_is_split_into_parts_without_a_fragment_across_them() -> None:
    text = "Billing address: Sophie Lang\n    3482 Via Franscini 71 Suite 838\n   Tujetsch\n    7188"

    addresses = _found(text, "ADDRESS")

    assert "Suite 838" in addresses
    assert all("\n" not in a for a in addresses)
    assert "Tujetsch" in _found(text, "LOCATION")


def test_a_label_on_the_next_line_does_not_extend_an_address() -> None:
    text = "50668 Kiannonkatu 98 Apt. 105, Isham, United Kingdom\nMobile: 03.93.92.16.85"

    assert _found(text, "ADDRESS") == ["50668 Kiannonkatu 98 Apt. 105, Isham, United Kingdom"]
