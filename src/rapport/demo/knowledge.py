"""The demo shop's knowledge-base articles: Markdown files under `knowledge/<language>/` with a front-matter block.

The files are package data read through `importlib.resources`, so they load the same from a checkout, a wheel or a
zip. Each file opens with a block between `---` lines holding `slug`, `title`, `language` (en|zh), `category` and
`tags` (comma-separated); the Markdown body uses `##` headings so it can be chunked by section.
"""

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final, Literal, cast

Language = Literal["en", "zh"]

_REQUIRED: Final = ("slug", "title", "language", "category", "tags")
_FENCE: Final = "---"


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    slug: str
    title: str
    language: Language
    category: str
    tags: tuple[str, ...]
    body: str  # Markdown after the front matter


def load_articles() -> list[ArticleSpec]:
    """Every article, English first, each language in file-name order."""
    root = resources.files("rapport.demo").joinpath("knowledge")
    articles = []
    for folder in sorted((entry for entry in root.iterdir() if entry.is_dir()), key=lambda entry: entry.name):
        for file in sorted((entry for entry in folder.iterdir() if entry.name.endswith(".md")), key=_name):
            articles.append(parse_article(file.read_text(encoding="utf-8"), source=f"{folder.name}/{file.name}"))
    return articles


def parse_article(text: str, *, source: str = "<text>") -> ArticleSpec:
    """Split one Markdown file into its front matter and body; raise ValueError naming `source` when it is invalid."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise ValueError(f"{source}: missing front matter")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    except StopIteration:
        raise ValueError(f"{source}: front matter is not closed") from None
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        key, separator, value = line.partition(":")
        if not separator:
            raise ValueError(f"{source}: front-matter line without a colon: {line!r}")
        fields[key.strip()] = value.strip()
    missing = [key for key in _REQUIRED if not fields.get(key)]
    if missing:
        raise ValueError(f"{source}: front matter lacks {', '.join(missing)}")
    if fields["language"] not in ("en", "zh"):
        raise ValueError(f"{source}: language must be en or zh, not {fields['language']!r}")
    return ArticleSpec(
        slug=fields["slug"],
        title=fields["title"],
        language=cast(Language, fields["language"]),
        category=fields["category"],
        tags=tuple(tag.strip() for tag in fields["tags"].replace("，", ",").split(",") if tag.strip()),
        body="\n".join(lines[end + 1 :]).strip() + "\n",
    )


def _name(entry: Traversable) -> str:
    return entry.name
