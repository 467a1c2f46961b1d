"""Words for keyword search in English and Chinese: jieba for Chinese runs, Snowball stems for English words.

Identifiers keep their exact form: "E-402", "e402" and "E 402" all give the token "e402", and an order number or SKU
("HB-2041", "10023") stays one token, so a question naming an error code finds the section about that code.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any, Final

_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES: Final = re.compile(rf"([{_CJK}]+)|([A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*)")
_LETTERS_THEN_DIGITS: Final = re.compile(r"^([a-z]{1,4})[-_ ]?(\d{2,})$")
_HAS_DIGIT: Final = re.compile(r"\d")
_CJK_CHAR: Final = re.compile(rf"[{_CJK}]")

ENGLISH_STOPWORDS: Final = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "myself",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
    ]
)
# Particles and pronouns that carry no topic; dropping them keeps BM25 from matching on "的".
CHINESE_STOPWORDS: Final = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "你",
        "您",
        "在",
        "吗",
        "呢",
        "吧",
        "啊",
        "和",
        "与",
        "及",
        "或",
        "就",
        "都",
        "也",
        "还",
        "要",
        "会",
        "能",
        "可以",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "有",
        "没有",
        "我们",
        "你们",
        "他",
        "她",
        "它",
        "请问",
        "请",
        "怎么",
        "如何",
        "什么",
    ]
)

# Shop words jieba's general dictionary cuts in two ("到账" → "到" "账"); whole, they match as one keyword.
SHOP_WORDS: Final = (
    "到账",
    "退差价",
    "价保",
    "上门取件",
    "运单号",
    "自动续费",
    "验证码",
    "花呗",
    "发错",
    "漏发",
    "少发",
    "签收",
)

_jieba_lock = threading.Lock()


@cache
def _jieba() -> Any:
    # jieba loads its dictionary (about 0.6 s) on first use; import and load it once, under a lock.
    with _jieba_lock:
        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(60)
        jieba.initialize()
        for word in SHOP_WORDS:
            jieba.add_word(word)
        return jieba


@cache
def _stemmer() -> Any:
    import Stemmer  # type: ignore[import-not-found]

    return Stemmer.Stemmer("english")


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def cjk_share(text: str) -> float:
    """Share of the letters that are Chinese characters (0 for an empty text)."""
    letters = [ch for ch in text if ch.isalnum()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _CJK_CHAR.match(ch)) / len(letters)


def tokenize(text: str) -> list[str]:
    """Search tokens of `text`: lower-case stems for English, jieba words for Chinese, identifiers kept whole."""
    tokens: list[str] = []
    for match in _PIECES.finditer(text):
        chinese, word = match.groups()
        if chinese:
            tokens.extend(t for t in _jieba().lcut_for_search(chinese) if t not in CHINESE_STOPWORDS)
        else:
            tokens.extend(_word_tokens(word.lower()))
    return tokens


def _word_tokens(word: str) -> list[str]:
    if _HAS_DIGIT.search(word):
        # An identifier: its joined form first ("e-402" → "e402"), then its parts so "402" alone still matches.
        joined = re.sub(r"[-_./]", "", word)
        parts = [p for p in re.split(r"[-_./]", word) if p]
        out = [joined]
        out.extend(p for p in parts if p != joined and (len(p) > 1 or p.isdigit()))
        return out
    parts = [p for p in re.split(r"[-_./]", word) if p and p not in ENGLISH_STOPWORDS]
    return [_stemmer().stemWord(p) for p in parts]


def content_words(text: str) -> set[str]:
    """The distinct search tokens of `text`: what the support check compares between an answer and its sources."""
    return set(tokenize(text))


def normalise_identifier(text: str) -> str:
    """ "E 402", "e-402" and "E402" → "e402"; used to compare codes mentioned in questions and passages."""
    lowered = text.strip().lower()
    match = _LETTERS_THEN_DIGITS.match(lowered)
    return f"{match.group(1)}{match.group(2)}" if match else re.sub(r"[-_./ ]", "", lowered)
