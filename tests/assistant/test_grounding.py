"""The checks on generated sentences: numbers must be in a source, words mostly in the cited passage."""

from __future__ import annotations

import pytest

from rapport.assistant.grounding import check_sentence, faithfulness, numbers_in, sentences

SOURCES = [
    "Refunds › How long it takes\nRefunds reach your card 5-7 business days after we issue them.",
    "Error codes › E-402\nHold the power button for 10 seconds to reset pairing.",
]


def test_sentences_keep_list_markers_and_decimals() -> None:
    assert sentences("Use 2.4 GHz Wi-Fi [1]. 1. Forget it.\n2. Pair again. 好的。谢谢") == [
        "Use 2.4 GHz Wi-Fi [1].",
        "1. Forget it.",
        "2. Pair again.",
        "好的。",
        "谢谢",
    ]


def test_numbers_are_compared_without_separators() -> None:
    assert numbers_in("$1,299.00 within 5-7 days") >= {"1299", "5", "7"}


def test_a_supported_sentence_keeps_its_citation() -> None:
    checked = check_sentence("Your refund reaches your card in 5-7 business days [1].", SOURCES)

    assert checked.is_kept(0.5)
    assert checked.citations == (1,)


def test_an_uncited_sentence_gets_the_best_source() -> None:
    checked = check_sentence("Hold the power button for 10 seconds.", SOURCES)

    assert checked.text == "Hold the power button for 10 seconds [2]."
    assert checked.is_kept(0.5)


@pytest.mark.parametrize(
    "sentence",
    ["Refunds reach your card in 3 business days [1].", "A reset costs $49 [2].", "Refunds arrive by 2025-01-31 [1]."],
)
def test_invented_numbers_are_caught(sentence: str) -> None:
    checked = check_sentence(sentence, SOURCES)

    assert checked.unsupported_numbers != ()
    assert not checked.is_kept(0.5)


def test_a_sentence_about_something_else_is_unsupported() -> None:
    assert not check_sentence("Our stores open at weekends in Paris [1].", SOURCES).is_kept(0.5)


def test_faithfulness_is_the_share_of_supported_sentences() -> None:
    answer = "Refunds reach your card in 5-7 business days [1]. We also plant a tree for every order [1]."

    assert faithfulness(answer, SOURCES) == 0.5
