"""Reading files: formats, encodings, delimiters, headers and broken records."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from rapport.ingest.readers import Progress, detect, read, unique_headers
from tests.ingest.messy import write_messy_customers

ROWS = [["name", "email", "city"], ["Jane Doe", "jane@example.com", "上海"], ["Li Wei", "li@example.com", "北京"]]


def _write(path: Path, delimiter: str, encoding: str) -> None:
    text = "\r\n".join(delimiter.join(row) for row in ROWS) + "\r\n"
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_csv_delimiter_and_encoding_are_sniffed(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = tmp_path / "people.csv"
    _write(path, delimiter, encoding)

    info = detect(path)
    records = list(read(path, info))

    assert info.delimiter == delimiter
    assert info.headers == ["name", "email", "city"]
    assert [r.values for r in records] == [dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]


def test_lines_in_other_encodings_are_decoded_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("name,city\nJane,上海\n".encode() + "Li,北京\n".encode("gbk"))
    progress = Progress()

    records = list(read(path, detect(path), progress))

    assert [r.values["city"] for r in records] == ["上海", "北京"]
    assert progress.decoded_as == {"utf-8": 2, "gb18030": 1}


def test_repeated_and_empty_headers_get_unique_names() -> None:
    assert unique_headers(["Email", "email", " ", "\ufeffName", "Email"]) == [
        "Email",
        "email (2)",
        "column 3",
        "Name",
        "Email (3)",
    ]


def test_a_quoted_field_may_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,note\n1,"first line\nsecond line"\n2,plain\n', encoding="utf-8")

    records = list(read(path, detect(path)))

    assert [(r.number, r.line, r.values["note"]) for r in records] == [
        (1, 2, "first line\nsecond line"),
        (2, 4, "plain"),
    ]


def test_an_unclosed_quote_spoils_one_record_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('id,name,email\n1,"Jane,jane@x.com\n2,Li,li@x.com\n3,"Ann ""A"" Lee",ann@x.com\n', encoding="utf-8")

    records = list(read(path, detect(path)))

    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].problem == "line 2: a quote is opened and never closed"
    assert records[1].values == {"id": "2", "name": "Li", "email": "li@x.com"}
    assert records[2].values["name"] == 'Ann "A" Lee'


def test_extra_fields_are_a_problem_but_missing_ones_are_blank(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2\n1,2,3,4\n1,2,3,\n", encoding="utf-8")

    records = list(read(path, detect(path)))

    assert records[0].values == {"a": "1", "b": "2"}
    assert records[0].problem is None
    assert records[1].problem == "line 3: 4 fields but the header has 3 (wrong delimiter?)"
    assert records[2].problem is None


def test_messy_file_reads_without_crashing(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    expected = write_messy_customers(path)

    info = detect(path)
    records = list(read(path, info))

    assert info.delimiter == ";"
    assert info.headers[:4] == ["ID", "Name", "Email", "Email (2)"]
    assert len(records) == len(expected)
    assert records[1].values["Name"] == "张伟"


def test_json_array_is_read_item_by_item_and_flattened(tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    items = [{"id": i, "name": f"P{i}", "address": {"city": "Paris", "zip": "75001"}, "tags": ["a"]} for i in range(3)]
    path.write_text(json.dumps(items), encoding="utf-8")

    info = detect(path)
    records = list(read(path, info))

    assert info.format == "json"
    assert info.headers == ["id", "name", "address.city", "address.zip", "tags"]
    assert records[2].values == {"id": 2, "name": "P2", "address.city": "Paris", "address.zip": "75001", "tags": ["a"]}


def test_json_object_with_a_list_inside(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"total": 2, "results": [{"id": 1}, {"id": 2}]}), encoding="utf-8")

    assert [r.values for r in read(path, detect(path))] == [{"id": 1}, {"id": 2}]


def test_broken_json_ends_with_a_problem_record(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1}, {"id": 2, "name": "unterminated]', encoding="utf-8")

    records = list(read(path, detect(path)))

    assert records[0].values == {"id": 1}
    assert "broken" in (records[1].problem or "")


def test_jsonl_bad_lines_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"id": 1}\n\nnot json\n[1, 2]\n{"id": 4}\n', encoding="utf-8")

    records = list(read(path, detect(path)))

    assert [r.number for r in records] == [1, 2, 3, 4]
    assert [r.problem is None for r in records] == [True, False, False, True]
    assert (records[1].problem or "").startswith("line 3: not valid JSON")


def test_xlsx_first_sheet_with_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Joined", "Phone"])
    sheet.append([None, None, None])
    joined = datetime(2021, 3, 4, 10, 0)  # noqa: DTZ001 (spreadsheet cells are naive)
    sheet.append(["Jane", joined, 8613912345678])
    workbook.save(path)

    info = detect(path)
    records = list(read(path, info))

    assert info.format == "xlsx"
    assert [r.values for r in records] == [{"Name": "Jane", "Joined": joined, "Phone": 8613912345678}]


def test_old_excel_files_are_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)

    with pytest.raises(Exception, match=r"\.xlsx"):
        detect(path)
