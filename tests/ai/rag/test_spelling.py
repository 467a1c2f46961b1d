"""Typing slips: an unknown query word is read as the nearest word the passages hold; identifiers never are."""

from __future__ import annotations

from rapport.ai.rag import Document, HybridRetriever
from rapport.ai.rag.spelling import Speller, max_edits

PASSAGES = [
    "Refunds reach your card within seven business days.",
    "Error E-402 means pairing failed: forget the device.",
    "Error E-403 means the battery is too hot.",
    "Exchanges: choose another size instead of a refund.",
]


def _speller() -> Speller:
    speller = Speller()
    speller.add(PASSAGES)
    return speller


def test_a_swapped_or_dropped_letter_is_corrected() -> None:
    speller = _speller()

    assert speller.correct("exhcanges for busness days?") == "exchanges for business days?"
    assert speller.correction("Refunds") == "refunds"  # known words stay


def test_identifiers_short_words_and_far_words_stay_as_typed() -> None:
    speller = _speller()

    assert speller.correct("E-404 hto rfnds zzzzz") == "E-404 hto rfnds zzzzz"
    assert [max_edits(w) for w in ("car", "card", "refunds", "exchanges")] == [0, 1, 1, 2]


def test_removed_passages_take_their_words_with_them() -> None:
    speller = _speller()

    speller.remove(PASSAGES[3:])
    assert speller.correction("exhcanges") is None
    assert "refund" not in speller  # only passage 3 had it
    assert "refunds" in speller  # passage 0 still has it


def test_keyword_search_finds_a_misspelt_question_and_can_be_told_not_to() -> None:
    docs = [Document(i, text) for i, text in enumerate(PASSAGES)]
    tolerant = HybridRetriever(None)
    strict = HybridRetriever(None, correct_typos=False)
    tolerant.add(docs)
    strict.add(docs)

    assert [h.document.id for h in tolerant.search("exhcanges", k=1)] == [3]
    assert strict.search("exhcanges", k=1) == []
