"""Answers with the real small model, and the paths without one: passages quoted, abstention, records."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.assistant.answering import Answer, Answerer, Record, retrieve
from rapport.assistant.flows import AssistantRuntime

from .kit import SETTINGS, gateway_with, local_model


def _run(answerer: Answerer, runtime: AssistantRuntime, question: str, language: str) -> tuple[list[str], Answer]:
    retrieved = retrieve(runtime.index, question, language=language, k=SETTINGS.passages)
    items = list(answerer.stream(question, language=language, retrieved=retrieved))
    final = items[-1]
    assert isinstance(final, Answer)
    return [i for i in items if isinstance(i, str)], final


@pytest.mark.llm
def test_the_local_model_answers_in_streamed_checked_sentences(runtime: AssistantRuntime, tmp_path: Path) -> None:
    answerer = Answerer(gateway_with(local_model(), tmp_path), SETTINGS.model_copy(update={"answer_max_tokens": 60}))

    deltas, answer = _run(answerer, runtime, "is there a discount for students", "en")

    assert answer.is_generated
    assert not answer.is_abstained
    assert "".join(deltas).strip() == answer.text
    assert "10%" in answer.text
    assert [c.url for c in answer.citations][:1] == ["/kb/discount-codes"]


def test_passages_answer_when_there_is_no_model(runtime: AssistantRuntime) -> None:
    _, answer = _run(Answerer(None, SETTINGS), runtime, "退款多久到账？", "zh")

    assert answer.text.startswith("以下是帮助文章中的相关内容")
    assert answer.citations[0].url == "/kb/refunds-zh"
    assert answer.offers_handoff


def test_a_question_far_from_every_passage_is_not_answered(runtime: AssistantRuntime) -> None:
    _, answer = _run(Answerer(None, SETTINGS), runtime, "Can you recommend a good pizza place in Rome?", "en")

    assert answer.is_abstained
    assert answer.confidence < SETTINGS.min_similarity


def test_records_are_quoted_exactly() -> None:
    answer = Answerer(None, SETTINGS).from_records(
        "en", [Record("Order 10023", "Order 10023: shipped; tracking number TRK1.")], ["10099"]
    )

    assert answer.text.splitlines() == [
        "I couldn't find order 10099 among the orders on your account. Please check the number, or ask for a person "
        "and we'll look into it.",
        "Here is what I found in your account:",
        "Order 10023: shipped; tracking number TRK1. [1]",
    ]
    assert answer.citations[0].kind == "record"
