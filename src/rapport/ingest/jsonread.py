"""JSON and JSONL files as records: an array of objects (or an object holding one) decoded one item at a time from
a buffered stream, so a file of any size reads in constant memory; one object per line for JSONL. Nested objects
become dotted columns (`address.city`)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rapport.ingest.readers import FileInfo, Progress, Record, _lines

JSON_READ: Final = 1 << 20
MAX_JSON_ITEM_CHARS: Final = 64 << 20


def read(path: Path, info: FileInfo, progress: Progress) -> Iterator[Record]:
    if info.format == "jsonl":
        yield from _read_jsonl(path, info, progress)
    else:
        yield from _read_json(path, info, progress)


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item and len(prefix) < 200:
            flat.update(_flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


def _read_jsonl(path: Path, info: FileInfo, progress: Progress) -> Iterator[Record]:
    number = 0
    with path.open("rb") as fh:
        for line_number, line in enumerate(_lines(fh, info.encoding or "utf-8", progress), 1):
            if not line.strip():
                continue
            number += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Record(number, line_number, {}, f"line {line_number}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(value, dict):
                yield Record(
                    number, line_number, {}, f"line {line_number}: a JSON {type(value).__name__}, not an object"
                )
                continue
            yield Record(number, line_number, _flatten(value))


def _read_json(path: Path, info: FileInfo, progress: Progress) -> Iterator[Record]:
    encoding = "utf-8-sig" if (info.encoding or "utf-8").startswith("utf-8") else info.encoding or "utf-8"
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
        stream = _JsonStream(text, progress)
        for number, item in enumerate(stream.items(), 1):
            if isinstance(item, _Broken):
                yield Record(number, number, {}, item.reason)
                return
            if not isinstance(item, dict):
                yield Record(number, number, {}, f"item {number}: a JSON {type(item).__name__}, not an object")
                continue
            yield Record(number, number, _flatten(item))


@dataclass(frozen=True)
class _Broken:
    reason: str


class _JsonStream:
    """Items of the first array in a JSON document, decoded one at a time from a buffered text stream."""

    def __init__(self, text: io.TextIOBase, progress: Progress) -> None:
        self.text = text
        self.progress = progress
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(JSON_READ)
        if not chunk:
            self.eof = True
            return False
        self.progress.done += len(chunk.encode("utf-8", errors="replace"))
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def _peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n,\ufeff":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                self.pos = end
                return value
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_JSON_ITEM_CHARS or not self._fill():
                    return _Broken(f"the JSON is broken near character {exc.pos} ({exc.msg})")

    def items(self) -> Iterator[Any]:
        opener = self._peek()
        if opener == "{":
            self.pos += 1
            if not self._seek_array():
                return
        elif opener == "[":
            self.pos += 1
        else:
            yield _Broken("the file is not a JSON array or object")
            return
        while True:
            nxt = self._peek()
            if nxt in ("]", ""):
                return
            value = self._value()
            yield value
            if isinstance(value, _Broken):
                return

    def _seek_array(self) -> bool:
        """Inside a top-level object: move to the first value that is an array ({"data": [...]})."""
        while True:
            if self._peek() in ("}", ""):
                return False
            key = self._value()
            if isinstance(key, _Broken) or not isinstance(key, str):
                return False
            if self._peek() != ":":
                return False
            self.pos += 1
            if self._peek() == "[":
                self.pos += 1
                return True
            skipped = self._value()
            if isinstance(skipped, _Broken):
                return False
