"""Reading import files as a stream of records, in constant memory, whatever shape they arrive in.

CSV: the encoding is found per line (UTF-8, then GB18030, which covers GBK, then Windows-1252), so one file may
mix them; a BOM (UTF-8 or UTF-16) is honoured; the delimiter (`,` `;` tab `|`) is sniffed from the first lines;
blank lines are skipped; duplicate or empty headers get unique names; a quote that is never closed spoils one
record, not the rest of the file. JSON: an array of objects (or an object holding one), read incrementally;
JSONL: one object per line. Excel: the first sheet of an .xlsx. Nested JSON objects become dotted columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Final

from rapport.errors import Invalid
from rapport.ingest.cleaning import normalise

FORMATS: Final = ("csv", "xlsx", "json", "jsonl")
DELIMITERS: Final = (",", ";", "\t", "|")
SAMPLE_BYTES: Final = 256 * 1024
SNIFF_RECORDS: Final = 1000
# How far a quoted field may run over line breaks before we call its opening quote broken.
MAX_RECORD_LINES: Final = 200
MAX_RECORD_CHARS: Final = 1_000_000

csv.field_size_limit(MAX_RECORD_CHARS)


@dataclass(frozen=True)
class Record:
    """One data record: `number` counts records from 1 (blank lines are not records), `line` is where it starts."""

    number: int
    line: int
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class FileInfo:
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    headers: list[str] = field(default_factory=list)
    size_bytes: int = 0


@dataclass
class Progress:
    """Where a reader is: bytes (text files) or rows (spreadsheets) done, out of the total."""

    done: int = 0
    total: int = 0
    decoded_as: dict[str, int] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0


def detect(path: Path, filename: str | None = None, *, encoding: str | None = None) -> FileInfo:
    """Format, encoding, delimiter and headers of a file, from its name and its first bytes."""
    name = (filename or path.name).lower()
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    fmt = _format(name, head)
    info = FileInfo(format=fmt, size_bytes=size)
    if fmt == "csv":
        info.encoding = encoding or _encoding(head)
        info.delimiter = _delimiter(_sample_lines(head, info.encoding))
    elif fmt in ("json", "jsonl"):
        info.encoding = encoding or ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else _encoding(head))
    info.headers = _headers(path, info)
    return info


def read(path: Path, info: FileInfo, progress: Progress | None = None) -> Iterator[Record]:
    """Every record of the file, in order; a record with a structural problem carries it in `problem`."""
    progress = progress or Progress()
    progress.total = info.size_bytes
    if info.format == "csv":
        yield from _read_csv(path, info, progress)
    elif info.format in ("json", "jsonl"):
        from rapport.ingest import jsonread  # it builds on this module's types

        yield from jsonread.read(path, info, progress)
    else:
        yield from _read_xlsx(path, info, progress)


def jsonable(value: Any) -> Any:
    """A raw value as JSON can hold it (quarantine keeps the original content)."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


# ---------------------------------------------------------------- detection


def _format(name: str, head: bytes) -> str:
    if name.endswith((".xlsx", ".xlsm")) or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid("old Excel .xls files are not supported; save the sheet as .xlsx or CSV")
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first = stripped.split(b"\n", 1)[0]
        try:
            json.loads(first)
            return "jsonl"
        except ValueError:
            return "json"
    return "csv"


def _encoding(head: bytes) -> str:
    """The file's main encoding; lines that do not decode in it are still tried in the others."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    body = head[: head.rfind(b"\n") + 1] or head
    for candidate in ("utf-8", "gb18030"):
        try:
            body.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    return "cp1252"


def _sample_lines(head: bytes, encoding: str) -> list[str]:
    if encoding == "utf-16":
        text = head[: len(head) - len(head) % 2].decode("utf-16", errors="ignore")
        return [line for line in text.splitlines() if line.strip()][:30]
    lines = [_decode(line, encoding) for line in head.split(b"\n")[:-1] or [head]]
    return [line.lstrip("\ufeff") for line in lines if line.strip()][:30]


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines into the same number (>1) of fields most consistently."""
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _headers(path: Path, info: FileInfo) -> list[str]:
    if info.format == "csv":
        with path.open("rb") as fh:
            for _line, fields, _problem in _csv_rows(fh, info, Progress()):
                return unique_headers(fields)
        return []
    if info.format == "xlsx":
        for _n, cells in _xlsx_rows(path, Progress()):
            return unique_headers(["" if c is None else str(c) for c in cells])
        return []
    from rapport.ingest import jsonread

    seen: dict[str, None] = {}
    for i, record in enumerate(jsonread.read(path, info, Progress())):
        seen.update(dict.fromkeys(record.values))
        if i >= SNIFF_RECORDS:
            break
    return list(seen)


def unique_headers(names: list[str]) -> list[str]:
    """Trimmed, invisible characters removed; empty ones become `column N`, repeats `Email (2)`."""
    out: list[str] = []
    taken: set[str] = set()
    for i, raw in enumerate(names, 1):
        name = normalise(raw) or f"column {i}"
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name} ({n})"
        taken.add(candidate.lower())
        out.append(candidate)
    return out


# ---------------------------------------------------------------- CSV


def _decode(raw: bytes, encoding: str, progress: Progress | None = None) -> str:
    # UTF-8 first, whatever the file's main encoding: text in another encoding almost never decodes as UTF-8,
    # while UTF-8 text does "decode" as GB18030, into nonsense.
    for candidate in ("utf-8", encoding, "gb18030"):
        try:
            text = raw.decode(candidate)
        except UnicodeDecodeError:
            continue
        if progress is not None:
            progress.decoded_as[candidate] = progress.decoded_as.get(candidate, 0) + 1
        return text
    if progress is not None:
        progress.decoded_as["cp1252"] = progress.decoded_as.get("cp1252", 0) + 1
    return raw.decode("cp1252", errors="replace")


def _lines(fh: BinaryIO, encoding: str, progress: Progress) -> Iterator[str]:
    if encoding == "utf-16":
        text = io.TextIOWrapper(fh, encoding="utf-16", newline="")
        for line in text:
            progress.done += len(line) * 2
            yield line
        return
    base = "utf-8" if encoding == "utf-8-sig" else encoding
    first = True
    for raw in fh:
        progress.done += len(raw)
        line = _decode(raw, base, progress)
        if first:
            line, first = line.lstrip("\ufeff"), False
        yield line


def _csv_rows(fh: BinaryIO, info: FileInfo, progress: Progress) -> Iterator[tuple[int, list[str], str | None]]:
    """(line number, fields, problem) per non-blank record, quoted line breaks joined."""
    delimiter = info.delimiter or ","
    pending: list[tuple[int, str]] = []
    source = enumerate(_lines(fh, info.encoding or "utf-8", progress), 1)
    expected: int | None = None

    def next_line() -> tuple[int, str] | None:
        if pending:
            return pending.pop(0)
        return next(source, None)

    while True:
        item = next_line()
        if item is None:
            return
        number, line = item
        if not line.strip():
            continue
        if '"' not in line:
            fields = line.rstrip("\r\n").split(delimiter)
        elif line.count('"') % 2 == 0:
            fields = _split(line, delimiter)
        else:
            joined, used = _join_quoted(line, next_line)
            candidate = _split(joined, delimiter) if joined is not None else None
            if candidate is not None and (expected is None or _exact(candidate, expected)):
                fields = candidate
            else:
                pending[:0] = used
                fields = _split(line, delimiter)
                # Alone on its line, a quote that opens a field swallows delimiters; an inch mark (5" screen) not.
                if expected is None or not _exact(fields, expected) or any(delimiter in f for f in fields):
                    yield number, fields, f"line {number}: a quote is opened and never closed"
                    continue
        if not any(f.strip() for f in fields):
            continue
        if expected is None:
            expected = len(fields)
        yield number, fields, None


def _join_quoted(first: str, next_line: Any) -> tuple[str | None, list[tuple[int, str]]]:
    parts, used = [first], []
    quotes, size = first.count('"'), len(first)
    while len(parts) < MAX_RECORD_LINES and size < MAX_RECORD_CHARS:
        item = next_line()
        if item is None:
            break
        used.append(item)
        parts.append(item[1])
        quotes += item[1].count('"')
        size += len(item[1])
        if quotes % 2 == 0:
            return "".join(parts), used
    return None, used


def _split(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return text.rstrip("\r\n").split(delimiter)


def _exact(fields: list[str], expected: int) -> bool:
    return len(fields) == expected or (len(fields) > expected and not any(f.strip() for f in fields[expected:]))


def _read_csv(path: Path, info: FileInfo, progress: Progress) -> Iterator[Record]:
    headers: list[str] | None = None
    number = 0
    with path.open("rb") as fh:
        for line, fields, problem in _csv_rows(fh, info, progress):
            if headers is None:
                headers = unique_headers(fields)
                continue
            number += 1
            values = dict(zip(headers, fields, strict=False))
            extra = [f for f in fields[len(headers) :] if f.strip()]
            if extra and problem is None:
                problem = f"line {line}: {len(fields)} fields but the header has {len(headers)} (wrong delimiter?)"
            yield Record(number=number, line=line, values=values, problem=problem)


# ---------------------------------------------------------------- Excel


def _xlsx_rows(path: Path, progress: Progress) -> Iterator[tuple[int, tuple[Any, ...]]]:
    from openpyxl import load_workbook  # imported here: only Excel imports pay for it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        progress.total = sheet.max_row or 0
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            progress.done = number
            if any(c is not None and str(c).strip() for c in cells):
                yield number, cells
    finally:
        workbook.close()


def _read_xlsx(path: Path, info: FileInfo, progress: Progress) -> Iterator[Record]:
    headers: list[str] | None = None
    number = 0
    for line, cells in _xlsx_rows(path, progress):
        if headers is None:
            headers = unique_headers(["" if c is None else str(c) for c in cells])
            continue
        number += 1
        values = {h: c for h, c in zip(headers, cells, strict=False) if c is not None}
        yield Record(number=number, line=line, values=values)
