"""Files into Markdown articles: Markdown with front matter, HTML, PDF, plain text and FAQ CSV."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from rapport.ai.rag.chunking import chunk_markdown
from rapport.ai.rag.loaders import UnreadableFile, load


def test_markdown_front_matter_gives_the_fields() -> None:
    raw = (
        b"---\nslug: returns\ntitle: Returns\ncategory: returns\ntags: policy, 30 days\n---\n"
        b"# Returns\n\n## Window\n30 days.\n"
    )

    article = load("whatever.md", raw)

    assert (article.slug, article.title, article.category, article.tags) == (
        "returns",
        "Returns",
        "returns",
        ["policy", "30 days"],
    )
    assert article.language == "en"
    assert article.body.startswith("# Returns")


def test_html_headings_and_lists_become_markdown() -> None:
    raw = (
        b"<html><head><title>Shipping</title><script>alert(1)</script></head><body><nav>Menu</nav>"
        b"<h1>Shipping</h1><p>We ship <b>fast</b>.</p><h2>Costs</h2>"
        b"<ul><li>US: free</li><li>UK: $9</li></ul></body></html>"
    )

    article = load("shipping.html", raw)

    assert article.title == "Shipping"
    assert "## Costs" in article.body
    assert "- US: free" in article.body
    assert "alert" not in article.body
    assert "Menu" not in article.body
    assert [p.heading for p in chunk_markdown(article.title, article.body)] == ["Shipping", "Shipping › Costs"]


def test_faq_csv_rows_become_question_sections_kept_whole() -> None:
    raw = "question,answer\nCan I pay by invoice?,Yes for business orders.\n支持花呗吗？,支持，最多12期。\n,skipped\n"
    raw_bytes = raw.encode()

    article = load("payments-faq.csv", raw_bytes)
    passages = chunk_markdown(article.title, article.body)

    assert article.tags == ["faq"]
    assert [(p.heading, p.text, p.kind) for p in passages] == [
        ("Payments faq › Can I pay by invoice?", "Yes for business orders.", "faq"),
        ("Payments faq › 支持花呗吗？", "支持，最多12期。", "faq"),
    ]


def test_plain_text_title_and_heading_lines() -> None:
    raw = b"Warranty\n\nHow long it lasts\nTwo years for electronics.\n\nWhat is covered\nDefects only.\n"

    article = load("warranty.txt", raw)

    assert article.title == "Warranty"
    assert "## How long it lasts" in article.body
    assert "## What is covered" in article.body


def test_chinese_text_is_detected_and_gb18030_read() -> None:
    article = load("退款.txt", "退款说明\n\n退款原路退回，银行卡5-7个工作日到账。".encode("gb18030"))

    assert article.language == "zh"
    assert article.slug.startswith("article-")


def _pdf(lines: list[str]) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    text = "BT /F1 12 Tf 72 780 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    stream = DecodedStreamObject()
    stream.set_data(text.encode("latin-1"))
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_text_is_extracted() -> None:
    article = load("care-guide.pdf", _pdf(["Care guide", "", "Cast iron", "Dry it straight after washing."]))

    assert article.title == "Care guide"
    assert "Dry it straight after washing." in article.body


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("notes.docx", b"x", "unsupported file type"),
        ("empty.md", b"   \n", "no text"),
        ("broken.pdf", b"%PDF-1.4 nonsense", "not a readable PDF"),
        ("faq.csv", b"q;a\n", "needs a 'question' and an 'answer' column"),
    ],
)
def test_unreadable_files_say_why(name: str, raw: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        load(name, raw)
