"""Files into articles: Markdown, HTML, PDF, plain text and FAQ spreadsheets (CSV) become Markdown with headings.

Everything is turned into Markdown because chunking.py cuts along headings: HTML's h1-h4 become `#` headings, a
PDF's short title-like lines become `##` headings, and each row of a FAQ CSV becomes a `## question` section with
its answer, which the chunker keeps whole as one passage. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Final

from rapport.ai.rag.tokens import cjk_share

SUFFIXES: Final = (".md", ".markdown", ".html", ".htm", ".pdf", ".txt", ".csv")
_FRONT_MATTER: Final = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_H1: Final = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


class UnreadableFile(ValueError):
    """The file cannot be turned into an article; the message says why."""


@dataclass
class LoadedArticle:
    title: str
    body: str  # Markdown
    slug: str
    language: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)


def load(filename: str, raw: bytes, *, language: str | None = None, category: str | None = None) -> LoadedArticle:
    """One article from one file; `language` None means detect it (Chinese when the text is mostly Chinese)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
    stem = PurePath(filename).stem
    meta: dict[str, str] = {}
    if suffix == ".pdf":
        title, body = _pdf(raw, stem)
    else:
        text = _decode(raw)
        if suffix in (".md", ".markdown"):
            meta, text = _front_matter(text)
            heading = _H1.search(text)
            title = meta.get("title") or (heading.group(1).strip() if heading else _titled(stem))
            body = text
        elif suffix in (".html", ".htm"):
            title, body = _html(text, stem)
        elif suffix == ".csv":
            title, body = _faq_csv(text, stem)
            meta.setdefault("tags", "faq")
        else:
            title, body = _plain(text, stem)
    if not body.strip():
        raise UnreadableFile("the file has no text")
    detected = "zh" if cjk_share(body) > 0.3 else "en"
    tags = [t.strip() for t in meta.get("tags", "").replace("，", ",").split(",") if t.strip()]
    return LoadedArticle(
        title=title[:300],
        body=body.strip(),  # stored stripped, so re-importing the same file changes nothing
        slug=meta.get("slug") or slugify(stem if stem else title),
        language=meta.get("language") or language or detected,
        category=meta.get("category") or category,
        tags=tags,
    )


def slugify(text: str) -> str:
    """ "Returns & Refunds (EU)" → "returns-refunds-eu"; Chinese titles keep a stable hash-free pinyin-less form."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if not slug:
        slug = "article-" + "".join(f"{ord(ch):x}" for ch in text[:6])
    return slug[:160]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not UTF-8 (or GB18030) text")


def _titled(stem: str) -> str:
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or "Untitled"


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _plain(text: str, stem: str) -> tuple[str, str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return _titled(stem), ""
    title = lines[0].strip() if len(lines[0]) <= 120 else _titled(stem)
    rest = lines[1:] if title == lines[0].strip() else lines
    return title, _headings_from_lines(rest)


def _headings_from_lines(lines: list[str]) -> str:
    """Lines that look like headings (short, no end punctuation, a blank line after) become `##` headings."""
    out: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        is_heading = (
            0 < len(stripped) <= 60
            and not stripped.endswith((".", "。", ",", "，", ";", "；", ":", "："))
            and (not out or not out[-1].strip())
            and following != ""
            and not stripped.startswith(("-", "*", "•"))
            and (stripped[0].isupper() or stripped[0].isdigit() or cjk_share(stripped) > 0.5)
            and len(stripped.split()) <= 10
        )
        out.append(f"## {stripped}" if is_heading else line)
    return "\n".join(out)


def _pdf(raw: bytes, stem: str) -> tuple[str, str]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:  # pragma: no cover - pypdf is a dependency
        raise UnreadableFile("PDF import needs the pypdf package") from error
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError) as error:
        raise UnreadableFile(f"not a readable PDF ({error})") from None
    text = "\n\n".join(pages)
    title, body = _plain(text, stem)
    return (meta_title.strip() or title), body


class _HtmlToMarkdown(HTMLParser):
    _SKIP: Final = frozenset({"script", "style", "nav", "footer", "header", "noscript", "svg", "form"})
    _BLOCK: Final = frozenset({"p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "main"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * min(int(tag[1]), 4) + " ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def _html(text: str, stem: str) -> tuple[str, str]:
    parser = _HtmlToMarkdown()
    parser.feed(text)
    parser.close()
    markdown = "".join(parser.parts)
    markdown = re.sub(r"[ \t]+\n", "\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    heading = _H1.search(markdown)
    title = parser.title.strip() or (heading.group(1).strip() if heading else _titled(stem))
    return title, markdown


_QUESTION_COLUMNS: Final = ("question", "q", "问题", "title")
_ANSWER_COLUMNS: Final = ("answer", "a", "答案", "回答", "body")


def _faq_csv(text: str, stem: str) -> tuple[str, str]:
    """A CSV with a question and an answer column (header names in English or Chinese), one pair per row."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UnreadableFile("the CSV is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    q_col = next((header.index(c) for c in _QUESTION_COLUMNS if c in header), None)
    a_col = next((header.index(c) for c in _ANSWER_COLUMNS if c in header), None)
    if q_col is None or a_col is None:
        raise UnreadableFile("a FAQ CSV needs a 'question' and an 'answer' column")
    sections = []
    for row in rows[1:]:
        if len(row) <= max(q_col, a_col):
            continue
        question, answer = row[q_col].strip(), row[a_col].strip()
        if question and answer:
            sections.append(f"## {' '.join(question.split())}\n\n{answer}")
    if not sections:
        raise UnreadableFile("the CSV has no rows with both a question and an answer")
    return f"{_titled(stem)}", "\n\n".join(sections)
