"""Identity fields: text, names, emails, genders, booleans, countries, languages."""

from __future__ import annotations

import pytest

from rapport.ingest.cleaning import (
    clean_bool,
    clean_country,
    clean_email,
    clean_emails,
    clean_gender,
    clean_language,
    clean_name,
    normalise,
    normalise_block,
    split_name,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Jane   Doe ", "Jane Doe"),
        ("Ｊａｎｅ　Ｄｏｅ", "Jane Doe"),  # full-width letters and space
        ("jane\u200b\u200dd\ufeffoe", "janedoe"),  # zero-width characters
        ("tab\tand\nnewline", "tab and newline"),
        ("nul\x00byte", "nulbyte"),
        ("emoji 🌸 stays", "emoji 🌸 stays"),
    ],
)
def test_normalise(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


def test_normalise_block_keeps_lines_but_not_runs_of_blank_ones() -> None:
    assert normalise_block("a\r\n\r\n\r\n\r\nb  c\u200b\n") == "a\n\nb c"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("SMITH, JOHN", "John Smith"),
        ("smith, john", "John Smith"),
        ("o'brien", "O'Brien"),
        ("MARY-JANE MCDONALD", "Mary-Jane McDonald"),
        ("ludwig VAN beethoven", "ludwig VAN beethoven"),  # mixed case is left as the person wrote it
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("John Smith, Jr.", "John Smith, Jr."),
        ("McKenzie", "McKenzie"),
        ("张伟", "张伟"),
        ("欧阳 娜娜", "欧阳 娜娜"),  # Chinese names are kept as written
        ("Ｌｉ　Ｗｅｉ", "Li Wei"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "12345", "x" * 201])
def test_clean_name_refuses_what_is_not_a_name(raw: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        clean_name(raw)


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Jane Doe", "Jane", "Doe"),
        ("Mary Ann Smith", "Mary Ann", "Smith"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("张伟", "伟", "张"),
        ("欧阳娜娜", "娜娜", "欧阳"),
        ("Cher", "Cher", None),
    ],
)
def test_split_name(full: str, first: str | None, last: str | None) -> None:
    assert split_name(full) == (first, last)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ('"Jane Doe" <jane@example.com>', "jane@example.com"),
        ("mailto:jane@example.com", "jane@example.com"),
        ("jane\u200b@example.com", "jane@example.com"),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "jane@example.com"),
        (" jane@example.com; ", "jane@example.com"),
        ("wang.fang@163.com", "wang.fang@163.com"),
    ],
)
def test_clean_email(raw: str, clean: str) -> None:
    assert clean_email(raw) == clean


@pytest.mark.parametrize(
    "raw", ["jane", "jane@", "@example.com", "jane@@example.com", "jane doe@example.com", "jane@example", "a..b@x.com"]
)
def test_clean_email_refuses_bad_syntax(raw: str) -> None:
    with pytest.raises(ValueError, match="email"):
        clean_email(raw)


def test_clean_emails_splits_a_cell_with_several() -> None:
    assert clean_emails("A@x.com; b@y.com, a@x.com") == ["a@x.com", "b@y.com"]


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("M", "male"),
        ("f", "female"),
        ("男", "male"),
        ("女", "female"),
        ("Mrs.", "female"),
        ("先生", "male"),
        ("non-binary", "other"),
        ("保密", "unknown"),
        ("U", "unknown"),
    ],
)
def test_clean_gender(raw: str, gender: str) -> None:
    assert clean_gender(raw) == gender


def test_clean_gender_refuses_unknown_spellings() -> None:
    with pytest.raises(ValueError, match="gender"):
        clean_gender("maybe")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        *[("yes", True), ("Y", True), ("1", True), ("TRUE", True), ("是", True), ("✓", True), (1, True)],
        *[("no", False), ("n", False), ("0", False), ("False", False), ("否", False), (0, False)],
    ],
)
def test_clean_bool(raw: str | int, value: bool) -> None:
    assert clean_bool(raw) is value


def test_clean_bool_refuses_other_words() -> None:
    with pytest.raises(ValueError, match="yes or no"):
        clean_bool("perhaps")


@pytest.mark.parametrize(
    ("raw", "code"),
    [("us", "US"), ("USA", "US"), ("United States", "US"), ("UK", "GB"), ("中国", "CN"), ("CHN", "CN"), ("香港", "HK")],
)
def test_clean_country(raw: str, code: str) -> None:
    assert clean_country(raw) == code


def test_clean_country_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="country"):
        clean_country("Atlantis")


@pytest.mark.parametrize(("raw", "code"), [("en-US", "en"), ("zh_CN", "zh"), ("Chinese", "zh"), ("中文", "zh")])
def test_clean_language(raw: str, code: str) -> None:
    assert clean_language(raw) == code
