"""Finding duplicate customers: keys, name similarity across scripts, scored pairs with reasons, hooks."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

from rapport.ingest.dedupe import (
    LIKELY,
    POSSIBLE,
    Person,
    Verdict,
    canonical_email,
    find,
    name_similarity,
    name_tokens,
    score,
)


class TrigramEmbedder:
    """A tiny deterministic embedder: character trigrams hashed into 64 dimensions."""

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                out[row, hashlib.md5(padded[i : i + 3].encode()).digest()[0] % 64] += 1
        return out


class SaysSame:
    def __init__(self) -> None:
        self.asked: list[tuple[int, int]] = []

    def judge(self, a: Person, b: Person) -> Verdict | None:
        self.asked.append((a.id, b.id))
        return Verdict(is_same=True, confidence=0.9, reason="same person, different spelling")


def test_canonical_email_folds_gmail_dots_and_tags() -> None:
    assert canonical_email("Jane.Doe+shop@GoogleMail.com") == "janedoe@gmail.com"
    assert canonical_email("jane.doe+x@example.com") == "jane.doe@example.com"


def test_chinese_names_become_pinyin_tokens() -> None:
    assert name_tokens("张伟") == ("zhang", "wei")
    assert name_tokens("欧阳娜娜") == ("ouyang", "nana")
    assert name_tokens("José Álvarez") == ("jose", "alvarez")


def test_name_similarity_ignores_order_script_and_splitting() -> None:
    assert name_similarity(name_tokens("张伟"), name_tokens("Wei Zhang")) == 1.0
    assert name_similarity(name_tokens("王小明"), name_tokens("Xiao Ming Wang")) == 1.0
    assert name_similarity(name_tokens("Jonathan Smith"), name_tokens("Jonathon Smith")) > 0.9
    assert name_similarity(name_tokens("Zhang Wei"), name_tokens("Li Na")) < 0.5


def test_chinese_and_pinyin_forms_with_one_phone_are_likely_one_person() -> None:
    a = Person.of(1, "张伟", emails=["zw@163.com"], phones=["+8613912345678"])
    b = Person.of(2, "Wei Zhang", emails=["wei.zhang@work.com"], phones=["+8613912345678"])

    match = score(a, b)

    assert match.score >= LIKELY
    assert match.reasons == ["same phone", "same name"]


def test_a_family_sharing_an_email_is_not_one_person() -> None:
    a = Person.of(1, "Zhang Wei", emails=["family@example.com"], address="1 Main St 94110")
    b = Person.of(2, "Li Na", emails=["family@example.com"], address="1 Main St 94110")

    match = score(a, b)

    assert match.score < POSSIBLE
    assert match.reasons[:2] == ["same email", "names differ (43% alike)"]


def test_different_birth_dates_outweigh_a_shared_name() -> None:
    a = Person.of(1, "John Smith", phones=["+14155550134"], birth_date=date(1980, 1, 1))
    b = Person.of(2, "John Smith", phones=["+14155550134"], birth_date=date(1995, 6, 6))

    assert score(a, b).score < POSSIBLE


def test_find_returns_scored_pairs_best_first() -> None:
    people = [
        Person.of(1, "Jonathan Smith", emails=["jon@example.com"], phones=["+14155550134"]),
        Person.of(2, "Jonathon Smith", emails=["jsmith@work.com"], phones=["+14155550134"]),
        Person.of(3, "Jane Doe", emails=["jane@example.com"]),
        Person.of(4, "Jane Doe", emails=["jane@example.com"], birth_date=date(1990, 1, 1)),
        Person.of(5, "Unrelated Person", emails=["other@example.com"]),
    ]

    matches = find(people)

    assert [(m.a, m.b) for m in matches] == [(3, 4), (1, 2)]
    assert matches[1].reasons[0] == "same phone"


def test_embeddings_find_pairs_no_key_shares() -> None:
    people = [
        Person.of(1, "Catherine Johansson", emails=["kj@alpha.com"], address="12 Harbour Road Sydney 2000"),
        Person.of(2, "Katharine Johanson", emails=["kath@beta.com"], address="12 Harbour Rd Sydney 2000"),
        Person.of(3, "Bob Li", emails=["bob@gamma.com"], address="99 Nanjing Road Shanghai"),
    ]

    without = find(people)
    with_embeddings = find(people, embed=TrigramEmbedder(), min_score=0.3)

    assert without == []
    assert [(m.a, m.b, m.method) for m in with_embeddings] == [(1, 2, "rules+embedding")]
    assert with_embeddings[0].reasons[-1].endswith("alike (embeddings)")


def test_a_judge_is_asked_about_borderline_pairs_only() -> None:
    judge = SaysSame()
    people = [
        Person.of(1, "Ann Lee", emails=["ann@example.com"], phones=["+14155550100"]),
        Person.of(2, "Ann Lee", emails=["ann@example.com"], phones=["+14155550100"]),  # certain: not asked
        Person.of(3, "Maria Garcia", address="5 Elm Street Springfield 12345"),
        Person.of(4, "Maria Garcia", address="5 Elm Street Springfield 12345"),  # borderline: asked
    ]

    matches = find(people, judge=judge)

    assert judge.asked == [(3, 4)]
    judged = next(m for m in matches if m.a == 3)
    assert judged.score >= LIKELY
    assert judged.method == "rules+judge"
    assert judged.reasons[-1] == "judge: same person, different spelling"
