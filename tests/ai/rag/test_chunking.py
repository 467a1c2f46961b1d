"""Articles cut along headings, FAQ pairs whole, long sections split, heading paths kept."""

from __future__ import annotations

from rapport.ai.rag.chunking import chunk_markdown

ARTICLE = """# Refunds

Refunds go back to the original payment method.

## How long it takes
Cards: 5-7 business days.

### PayPal
Within 1-3 days.

## Refund not received?
Check your statement first.
"""


def test_sections_become_passages_with_their_heading_path() -> None:
    passages = chunk_markdown("Refunds", ARTICLE)

    assert [(p.heading, p.text) for p in passages] == [
        ("Refunds", "Refunds go back to the original payment method."),
        ("Refunds › How long it takes", "Cards: 5-7 business days."),
        ("Refunds › How long it takes › PayPal", "Within 1-3 days."),
        ("Refunds › Refund not received?", "Check your statement first."),
    ]
    assert [p.kind for p in passages] == ["section", "section", "section", "faq"]
    assert passages[1].indexed_text == "Refunds › How long it takes\nCards: 5-7 business days."


def test_question_lines_open_faq_pairs() -> None:
    body = "Q: Can I pay by invoice?\nYes, for business orders.\n\n问：支持花呗吗？\n支持。\n"

    passages = chunk_markdown("FAQ", body)

    assert [(p.heading, p.text, p.kind) for p in passages] == [
        ("FAQ › Can I pay by invoice?", "Yes, for business orders.", "faq"),
        ("FAQ › 支持花呗吗？", "支持。", "faq"),
    ]


def test_long_sections_split_at_paragraphs_then_sentences() -> None:
    paragraph = "This sentence is about returns. " * 20  # 640 characters
    body = f"## Returns\n{paragraph}\n\n{paragraph}\n\n{'Short one. ' * 200}"

    passages = chunk_markdown("Policy", body, max_chars=700)

    assert len(passages) >= 4
    assert all(len(p.text) <= 700 for p in passages)
    assert {p.heading for p in passages} == {"Policy › Returns"}
    assert "".join(p.text for p in passages).replace(" ", "").replace("\n", "") == (
        (paragraph * 2) + "Short one. " * 200
    ).replace(" ", "")


def test_chinese_text_gets_the_smaller_limit_and_headings_inside_code_are_text() -> None:
    body = "## 多久到账\n" + "退款会原路退回。" * 100 + "\n\n```\n## not a heading\n```\n"

    passages = chunk_markdown("退款说明", body)

    assert all(len(p.text) <= 500 for p in passages)
    assert all(p.heading == "退款说明 › 多久到账" for p in passages)
    assert "## not a heading" in passages[-1].text


def test_empty_body_gives_no_passages() -> None:
    assert chunk_markdown("Title", "\n\n# Title\n") == []
