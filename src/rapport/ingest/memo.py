"""Per-column memory of cleaned values: exports repeat the same cities, genders, countries, names and tags on row
after row, and a cleaner that reads only the raw text (and the import's options) gives the same answer each time.

A memo holds at most `MEMO_MAX` answers and starts again when full; a column that fills it `MEMO_RESETS` times
(ids, emails, street addresses: values that hardly repeat) is given up, so memory stays bounded and such columns
pay nothing but the first few thousand look-ups.
"""

from __future__ import annotations

from typing import Any, Final

MEMO_MAX: Final = 4096
MEMO_RESETS: Final = 2

# (clean value, None) or (None, the reason the value was refused)
Answer = tuple[Any, str | None]


class ColumnMemo:
    """Cleaned answers for one column, by raw text (and, for phones, the region the number is read in)."""

    __slots__ = ("answers", "by_region", "is_on", "resets")

    def __init__(self, *, by_region: bool = False) -> None:
        self.answers: dict[Any, Answer] = {}
        self.by_region = by_region
        self.is_on = True
        self.resets = 0

    def remember(self, key: Any, answer: Answer) -> None:
        if len(self.answers) >= MEMO_MAX:
            self.answers = {}
            self.resets += 1
            if self.resets >= MEMO_RESETS:
                self.is_on = False  # the values hardly repeat: stop spending memory on them
                return
        self.answers[key] = answer
