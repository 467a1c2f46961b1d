"""Free text: HTML to text, quoted replies and signatures cut, language detected."""

from __future__ import annotations

import pytest

from rapport.ingest.freetext import clean_message, detect_language, html_to_text, strip_quoted, strip_signature


def test_html_to_text_keeps_visible_text_and_line_breaks() -> None:
    html = "<div>Hello&nbsp;team,<br>my order <b>#1234</b> is late.</div><script>alert(1)</script><p>Thanks</p>"

    assert html_to_text(html).split() == ["Hello", "team,", "my", "order", "#1234", "is", "late.", "Thanks"]


def test_html_quote_blocks_are_dropped() -> None:
    html = '<p>Still broken.</p><div class="gmail_quote">On Mon you wrote: <p>try again</p></div>'

    assert clean_message(html) == "Still broken."


def test_quoted_reply_after_on_wrote_is_cut() -> None:
    text = "The parcel never came.\n\nOn Mon, 1 Mar 2021 at 10:00, Support <help@shop.com> wrote:\n> We shipped it."

    assert strip_quoted(text).strip() == "The parcel never came."


def test_chinese_quoted_reply_is_cut() -> None:
    text = "还是没有收到。\n\n-----原始邮件-----\n发件人: 客服\n您好，已经发货。"

    assert clean_message(text) == "还是没有收到。"


def test_outlook_original_message_is_cut() -> None:
    text = "Please cancel.\n-----Original Message-----\nFrom: Shop\nSent: Monday\nYour order shipped."

    assert clean_message(text) == "Please cancel."


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("My screen cracked.\n\nBest regards,\nJane Doe\nACME Ltd", "My screen cracked."),
        ("Where is it?\n--\nJane\n+1 415 555 0134", "Where is it?"),
        ("Refund please.\n\nSent from my iPhone", "Refund please."),
        ("屏幕坏了，请处理。\n谢谢！\n张伟", "屏幕坏了，请处理。"),
        ("Thanks, the new one works great!", "Thanks, the new one works great!"),
    ],
)
def test_signatures_are_cut(text: str, kept: str) -> None:
    assert strip_signature(text).strip() == kept


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order? It has been two weeks.", "en"),
        ("我的订单还没到，已经两周了。", "zh"),
        ("我买的iPhone 15 Pro屏幕坏了", "zh"),  # Latin brand names inside Chinese text
        ("My order for 张伟 has not arrived yet", "en"),  # one Chinese name inside English text
        ("12345 !!!", None),
    ],
)
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_clean_message_unescapes_entities_in_plain_text() -> None:
    assert clean_message("Fish &amp; chips") == "Fish & chips"
