"""Free text from emails, chats and notes: HTML to plain text, quoted replies and signatures cut, language detected.

What is left is what the customer wrote in this message, which is what triage, sentiment and search should read.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Final

from rapport.ingest.cleaning import count_cjk, normalise_block

_TAG: Final = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?\s*>")
_BLOCK_TAGS: Final = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
_SKIP_TAGS: Final = frozenset({"script", "style", "head", "title"})

# A line that opens the quoted part of a reply: everything from it on is the earlier conversation.
_QUOTE_HEADERS: Final = re.compile(
    r"^(?:"
    r"On .{0,200}wrote:?"
    r"|-{2,}\s*(?:Original Message|Forwarded message)\s*-{2,}"
    r"|-{2,}\s*(?:原始邮件|转发的邮件|原始郵件)\s*-{2,}"
    r"|在\s*.{0,120}写道[:：]?"
    r"|From:\s.*"
    r"|发件人[:：].*"
    r"|_{10,}"
    r")\s*$",
    re.IGNORECASE,
)
# Lines that open a signature; short closing blocks only (a long text after "Thanks," is still the message).
_SIGNATURE_OPENERS: Final = re.compile(
    r"^(?:--\s*"
    r"|(?:best|kind|warm)?\s*regards,?"
    r"|best( wishes)?,?"
    r"|cheers,?"
    r"|thanks?( you)?( so much)?,?"
    r"|many thanks,?"
    r"|sincerely,?"
    r"|yours( sincerely| truly)?,?"
    r"|sent from my .+"
    r"|get outlook for .+"
    r"|发自我的.+"
    r"|此致"
    r"|祝好[!！。]?"
    r"|谢谢[!！。]?"
    r")$",
    re.IGNORECASE,
)
_SIGNATURE_MAX_LINES: Final = 6
# Chinese is written without spaces and one character is about one word, while an English word has about five
# letters; a message whose Chinese characters are at least 30% of its letters is mostly Chinese (product names and
# brands in Latin letters inside Chinese text stay well below 70%, one Chinese name in an English sentence far
# below 30%).
ZH_SHARE: Final = 0.3


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag == "blockquote" or (tag == "div" and any("quote" in (v or "") for _, v in attrs)):
            self._quote_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1
        elif tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping and not self._quote_depth:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    """Visible text of an HTML fragment; quoted blocks (<blockquote>, gmail_quote) and scripts are dropped."""
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    return html.unescape("".join(extractor.parts))


def looks_like_html(text: str) -> bool:
    return "<" in text and _TAG.search(text) is not None


def strip_quoted(text: str) -> str:
    """Cut the earlier conversation: `>` lines and everything from an `On … wrote:` / 原始邮件 header on."""
    kept: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if _QUOTE_HEADERS.match(stripped) and kept:
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def strip_signature(text: str) -> str:
    """Cut a closing block (`--`, `Best regards,` + name, `Sent from my iPhone`, 此致/谢谢) near the end."""
    lines = text.rstrip().split("\n")
    for i in range(max(len(lines) - _SIGNATURE_MAX_LINES, 1), len(lines)):
        if _SIGNATURE_OPENERS.match(lines[i].strip()):
            return "\n".join(lines[:i]).rstrip()
    return text


def clean_message(raw: str) -> str:
    """The message as its author wrote it: plain text, no quoted history, no signature, tidy whitespace."""
    text = raw
    if looks_like_html(text):
        text = html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    text = normalise_block(text)
    text = strip_signature(strip_quoted(text))
    return text.strip()


def detect_language(text: str) -> str | None:
    """`zh` or `en` (any other Latin-script text is reported as `en`); None when there are no letters at all."""
    cjk = count_cjk(text)
    letters = _latin_letters(text)
    if cjk == 0 and letters == 0:
        return None
    return "zh" if cjk / (cjk + letters) >= ZH_SHARE else "en"


def _latin_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha() and ch < "\u0250")
