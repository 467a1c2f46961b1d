"""Articles cut into passages that answer one thing each: along Markdown headings, FAQ pairs kept whole.

A passage carries its heading path ("Refunds › How long it takes"), because a section's text often does not repeat
what it is about ("Usually 1-3 working days") and both the keyword index and the embedder need that context.
Sections longer than the limit are split at paragraphs, then at sentences; Chinese text gets a lower limit in
characters, since one character carries about as much as an English word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rapport.ai.rag.tokens import cjk_share

MAX_CHARS: Final = {"en": 1200, "zh": 500}
_HEADING: Final = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")
_FENCE: Final = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
# "Q: …" / "问：…" lines open a question-and-answer pair inside a section.
_QUESTION: Final = re.compile(r"^\s*(?:\*\*)?(?:Q|Question|问|问题)\s*[:：.]\s*(.+?)(?:\*\*)?\s*$", re.IGNORECASE)
SEPARATOR: Final = " › "


@dataclass(frozen=True)
class Passage:
    position: int
    heading: str  # the heading path, article title first
    text: str
    kind: str = "section"  # section | faq

    @property
    def indexed_text(self) -> str:
        """What search sees: the heading path, then the text."""
        return f"{self.heading}\n{self.text}"


@dataclass
class _Section:
    path: list[str]
    lines: list[str]
    kind: str = "section"


def chunk_markdown(
    title: str, body: str, *, language: str | None = None, max_chars: int | None = None
) -> list[Passage]:
    """The passages of one article, in reading order; an empty body gives none."""
    limit = max_chars or MAX_CHARS["zh" if (language == "zh" or cjk_share(body) > 0.3) else "en"]
    sections = _sections(title, body)
    passages: list[Passage] = []
    for section in sections:
        text = "\n".join(section.lines).strip()
        if not text:
            continue
        heading = SEPARATOR.join(part for part in section.path if part)
        for piece in _split(text, limit):
            passages.append(Passage(position=len(passages), heading=heading, text=piece, kind=section.kind))
    return passages


def _sections(title: str, body: str) -> list[_Section]:
    path: list[str] = [title.strip()]
    levels: list[int] = [0]
    current = _Section(path=list(path), lines=[])
    sections = [current]
    in_code = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        question = None if in_code else _QUESTION.match(line)
        if heading:
            level, text = len(heading.group(1)), _plain(heading.group(2))
            if level == 1 and _same(text, title):
                continue  # the article's own title, already first in every path
            while len(levels) > 1 and levels[-1] >= level:
                levels.pop()
                path.pop()
            levels.append(level)
            path.append(text)
            kind = "faq" if text.rstrip().endswith(("?", "？")) else "section"
            current = _Section(path=list(path), lines=[], kind=kind)
            sections.append(current)
        elif question:
            current = _Section(path=[*path, _plain(question.group(1))], lines=[], kind="faq")
            sections.append(current)
        else:
            current.lines.append(line)
    return sections


def _split(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    buffer = ""
    for paragraph in _units(text, limit):
        if buffer and len(buffer) + len(paragraph) + 2 > limit:
            pieces.append(buffer.strip())
            buffer = ""
        buffer = f"{buffer}\n\n{paragraph}" if buffer else paragraph
    if buffer.strip():
        pieces.append(buffer.strip())
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs, with any paragraph over the limit cut into sentences (and a sentence over it cut hard)."""
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= limit:
            units.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            while len(sentence) > limit:
                units.append(sentence[:limit])
                sentence = sentence[limit:]
            if sentence:
                units.append(sentence)
    return units


def _plain(text: str) -> str:
    return re.sub(r"[*_`]+", "", text).strip()


def _same(a: str, b: str) -> bool:
    return _plain(a).casefold() == _plain(b).casefold()
