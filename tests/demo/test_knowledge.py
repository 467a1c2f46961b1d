"""Tests for rapport.demo.knowledge: the bundled knowledge-base articles and their front matter."""

import re

import pytest

from rapport.demo.knowledge import ArticleSpec, load_articles, parse_article

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def articles() -> list[ArticleSpec]:
    return load_articles()


def test_there_are_at_least_44_articles_in_both_languages(articles: list[ArticleSpec]) -> None:
    assert len(articles) >= 44
    assert sum(a.language == "en" for a in articles) >= 22
    assert sum(a.language == "zh" for a in articles) >= 22


def test_articles_have_unique_slugs_and_complete_front_matter(articles: list[ArticleSpec]) -> None:
    assert len({a.slug for a in articles}) == len(articles)
    for article in articles:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", article.slug)
        assert article.title
        assert article.category
        assert article.tags


def test_articles_are_split_into_sections(articles: list[ArticleSpec]) -> None:
    for article in articles:
        assert article.body.count("\n## ") >= 3, article.slug
        assert not article.body.startswith("---")


def test_english_articles_are_150_to_600_words(articles: list[ArticleSpec]) -> None:
    for article in (a for a in articles if a.language == "en"):
        assert 150 <= len(article.body.split()) <= 600, article.slug


def test_chinese_articles_are_written_in_chinese(articles: list[ArticleSpec]) -> None:
    for article in (a for a in articles if a.language == "zh"):
        assert 300 <= len(CJK.findall(article.body)) <= 1500, article.slug
        assert CJK.search(article.title)


def test_both_languages_cover_the_core_policies(articles: list[ArticleSpec]) -> None:
    for language in ("en", "zh"):
        categories = {a.category for a in articles if a.language == language}
        assert {"shipping", "returns", "refunds", "warranty", "account", "billing", "privacy"} <= categories


def test_every_device_error_code_is_documented_in_both_languages(articles: list[ArticleSpec]) -> None:
    from rapport.demo.company import ERROR_CODES

    for language in ("en", "zh"):
        text = " ".join(a.body for a in articles if a.language == language)
        assert all(code in text for code in ERROR_CODES)


def test_parse_article_reads_front_matter_and_body() -> None:
    text = "---\nslug: a\ntitle: A\nlanguage: zh\ncategory: c\ntags: x, y，z\n---\n# A\n\n## Part\nBody\n"
    article = parse_article(text)
    assert article == ArticleSpec("a", "A", "zh", "c", ("x", "y", "z"), "# A\n\n## Part\nBody\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# No front matter\n", "missing front matter"),
        ("---\nslug: a\n", "not closed"),
        ("---\nslug: a\ntitle: A\nlanguage: en\ncategory: c\n---\nbody", "lacks tags"),
        ("---\nslug: a\ntitle: A\nlanguage: fr\ncategory: c\ntags: t\n---\nbody", "language"),
    ],
)
def test_parse_article_rejects_invalid_front_matter(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_article(text, source="x.md")
