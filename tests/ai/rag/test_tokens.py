"""Keyword tokens: English stems without stop words, jieba words for Chinese, identifiers kept whole."""

from __future__ import annotations

import pytest

from rapport.ai.rag.tokens import cjk_share, tokenize


def test_english_is_stemmed_without_stop_words() -> None:
    assert tokenize("How do I return the damaged items?") == ["return", "damag", "item"]


@pytest.mark.parametrize("written", ["E-402", "e402", "E402"])
def test_error_codes_match_however_they_are_written(written: str) -> None:
    assert "e402" in tokenize(f"my headset shows {written}")


def test_identifiers_keep_their_joined_form_and_parts() -> None:
    assert tokenize("SKU HB-2041 in order 10023") == ["sku", "hb2041", "hb", "2041", "order", "10023"]


def test_chinese_is_segmented_and_particles_dropped() -> None:
    tokens = tokenize("退款多久到账了？")

    assert "退款" in tokens
    assert "到账" in tokens
    assert "了" not in tokens


def test_mixed_text_gives_both_kinds() -> None:
    tokens = tokenize("设备显示E-517错误")

    assert "e517" in tokens
    assert "设备" in tokens


def test_cjk_share_counts_letters_only() -> None:
    assert cjk_share("退款 refund!!") == pytest.approx(2 / 8)
    assert cjk_share("123 ...") == 0.0
