"""Likely duplicate customers: blocking on shared keys, then a scored comparison with the reasons behind the score.

Blocking keeps the work near-linear: only customers that share an email, a phone, a name key (Chinese names by their
pinyin, so 张伟 meets Wei Zhang), an email's name part or an address are compared. Each pair is scored from evidence
that adds up (same phone, names 92% alike, same birth date) or takes away (names clearly differ, birth dates
differ): a shared family email or phone alone never makes two people one. Optional hooks: `embed` (texts →
vectors) adds semantic similarity; a `PairJudge` (an LLM, later) decides borderline pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import combinations, permutations
from typing import TYPE_CHECKING, Any, Final, Protocol

from rapidfuzz import fuzz

from rapport.ingest.cleaning import has_cjk, split_name

if TYPE_CHECKING:
    import numpy as np

# pypinyin (56 MB of dictionaries, 2 s to load) and numpy are imported on first use, not with the API.
Embed = Callable[[list[str]], "np.ndarray"]

LIKELY: Final = 0.75  # at or above: a likely duplicate
POSSIBLE: Final = 0.5  # at or above: worth a look (and a judge's opinion, when there is one)
FAMILY_CEILING: Final = 0.45  # shared contact, same surname, other given name: below POSSIBLE
BIRTH_CEILING: Final = 0.6  # different birth dates: at most a pair to look at
MAX_BLOCK: Final = 40  # keys shared by more customers than this are too common to compare all pairs of
SEMANTIC_NEIGHBOURS: Final = 3
SEMANTIC_BLOCKING_MAX: Final = 50_000  # above this, embeddings only score pairs found by the other keys
_FREE_MAIL: Final = frozenset({"gmail.com", "googlemail.com"})
_NOT_LETTER: Final = re.compile(r"[^a-z]+")


@dataclass(frozen=True)
class Person:
    """What matching reads about one customer."""

    id: int
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    address: str = ""
    birth_date: date | None = None
    source: str = ""
    tokens: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        id: int,
        name: str,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        address: str = "",
        birth_date: date | None = None,
        source: str = "",
    ) -> Person:
        return cls(
            id=id,
            name=name,
            emails=tuple(dict.fromkeys(canonical_email(e) for e in emails if e)),
            phones=tuple(dict.fromkeys(p for p in phones if p)),
            address=_letters_digits(address),
            birth_date=birth_date,
            source=source,
            tokens=name_tokens(name),
        )


@dataclass
class Match:
    a: int
    b: int
    score: float
    reasons: list[str]
    method: str = "rules"


@dataclass(frozen=True)
class Verdict:
    is_same: bool
    confidence: float  # 0-1
    reason: str


class PairJudge(Protocol):
    """Decides a borderline pair (an LLM prompt, later); None when it cannot tell."""

    def judge(self, a: Person, b: Person) -> Verdict | None: ...


# ---------------------------------------------------------------- keys


def canonical_email(email: str) -> str:
    """Lower case, `+tags` dropped, and Gmail's ignored dots removed: one mailbox, one key."""
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in _FREE_MAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """Lower-case Latin tokens; a Chinese name becomes its pinyin, surname then given name (张伟 → zhang, wei)."""
    if has_cjk(name):
        from pypinyin import lazy_pinyin

        given, surname = split_name(name)
        parts = [p for p in (surname, given) if p]
        tokens = ["".join(lazy_pinyin(p)).lower() for p in parts]
        return tuple(_letters(t) for t in tokens if _letters(t))
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return tuple(t for t in (_letters(w) for w in re.split(r"[\s,.\-']+", text)) if t)


def _letters(text: str) -> str:
    return _NOT_LETTER.sub("", text)


def _letters_digits(text: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def block_keys(person: Person) -> set[str]:
    keys = {f"email:{e}" for e in person.emails}
    keys |= {f"phone:{p}" for p in person.phones}
    keys |= {f"local:{local}" for local in (_letters(e.partition("@")[0]) for e in person.emails) if len(local) >= 5}
    if person.tokens:
        keys.add("name:" + " ".join(sorted(person.tokens)))
        keys.add("name3:" + " ".join(sorted(t[:3] for t in person.tokens)))
    if len(person.address) >= 8:
        keys.add("address:" + person.address[:24])
    return keys


# ---------------------------------------------------------------- scoring


def name_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """0-1, blind to word order and to how a name is split (Xiao Ming Wang, Wang Xiaoming)."""
    if not a or not b:
        return 0.0
    best = fuzz.token_sort_ratio(" ".join(a), " ".join(b))
    if best < 100 and len(a) <= 3 and len(b) <= 3:
        joined = ["".join(order) for order in permutations(b)]
        best = max(best, *(fuzz.ratio("".join(order), other) for order in permutations(a) for other in joined))
    return float(best) / 100


def given_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """Similarity of what is left once the shared surname (the best-matching token pair) is set aside; None when
    there is no shared surname to set aside."""
    if len(a) < 2 or len(b) < 2:
        return None
    best, i, j = max((fuzz.ratio(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b))
    if best < 90:
        return None
    rest_a = "".join(t for k, t in enumerate(a) if k != i)
    rest_b = "".join(t for k, t in enumerate(b) if k != j)
    return float(fuzz.ratio(rest_a, rest_b)) / 100


def score(a: Person, b: Person, semantic: float | None = None) -> Match:
    """Evidence for and against two records being one person, with the reasons in words."""
    reasons: list[str] = []
    evidence = 0.0
    same_email = bool(set(a.emails) & set(b.emails))
    same_phone = bool(set(a.phones) & set(b.phones))
    names = name_similarity(a.tokens, b.tokens)
    if same_email:
        evidence += 0.45
        reasons.append("same email")
    if same_phone:
        evidence += 0.4
        reasons.append("same phone")
    if names >= 0.9:
        evidence += 0.4 * names
        reasons.append("same name" if names == 1 else f"names {names:.0%} alike")
    elif names >= 0.75:
        evidence += 0.2
        reasons.append(f"names {names:.0%} alike")
    else:
        evidence -= 0.35
        reasons.append(f"names differ ({names:.0%} alike)")
    ceiling = 1.0
    if same_email or same_phone:
        # A shared mailbox or landline with one surname is a family more often than one person twice.
        given = given_similarity(a.tokens, b.tokens)
        if given is not None and given < 0.7:
            ceiling = min(ceiling, FAMILY_CEILING)
            reasons.append(f"given names differ ({given:.0%} alike): family?")
    if a.address and b.address:
        place = fuzz.token_set_ratio(a.address, b.address) / 100
        if place >= 0.85:
            evidence += 0.15
            reasons.append("same address" if place == 1 else f"addresses {place:.0%} alike")
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            evidence += 0.15
            reasons.append("same birth date")
        else:
            evidence -= 0.5
            ceiling = min(ceiling, BIRTH_CEILING)  # a typo in a date, or a father and son: a person decides
            reasons.append("different birth dates")
    if semantic is not None:
        if semantic >= 0.9:
            evidence += 0.1
        reasons.append(f"profiles {semantic:.0%} alike (embeddings)")
    low, high = sorted((a.id, b.id))
    return Match(low, high, round(min(max(evidence, 0.0), ceiling), 3), reasons)


# ---------------------------------------------------------------- finding pairs


def candidate_pairs(people: Sequence[Person], *, max_block: int = MAX_BLOCK) -> set[tuple[int, int]]:
    """Index pairs that share at least one block key (pairs from over-full blocks are skipped)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(people):
        for key in block_keys(person):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= max_block:
            pairs.update(combinations(members, 2))
    return pairs


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit


def profile_text(person: Person) -> str:
    return " | ".join([" ".join(person.tokens), *person.emails, *person.phones, person.address])


def semantic_neighbours(
    vectors: np.ndarray, k: int = SEMANTIC_NEIGHBOURS, *, batch: int = 2048
) -> set[tuple[int, int]]:
    """Each row's k most similar rows (cosine), computed in batches so memory stays bounded."""
    import numpy as np

    pairs: set[tuple[int, int]] = set()
    n = len(vectors)
    k = min(k, n - 1)
    if k <= 0:
        return pairs
    for start in range(0, n, batch):
        sims = vectors[start : start + batch] @ vectors.T
        for offset, row in enumerate(sims):
            i = start + offset
            row[i] = -1.0
            for j in np.argpartition(-row, k)[:k]:
                pairs.add((min(i, int(j)), max(i, int(j))))
    return pairs


def find(
    people: Sequence[Person],
    *,
    embed: Embed | None = None,
    judge: PairJudge | None = None,
    min_score: float = POSSIBLE,
) -> list[Match]:
    """Likely and possible duplicates among `people`, best first."""
    pairs = candidate_pairs(people)
    vectors = None
    if embed is not None and people:
        vectors = _unit_rows(embed([profile_text(p) for p in people]))
        if len(people) <= SEMANTIC_BLOCKING_MAX:
            pairs |= semantic_neighbours(vectors)
    matches = []
    for i, j in pairs:
        semantic = float(vectors[i] @ vectors[j]) if vectors is not None else None
        match = score(people[i], people[j], semantic)
        if vectors is not None:
            match.method = "rules+embedding"
        if judge is not None and POSSIBLE <= match.score < LIKELY:
            _ask(judge, people[i], people[j], match)
        if match.score >= min_score:
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.score, m.a, m.b))


def _ask(judge: PairJudge, a: Person, b: Person, match: Match) -> None:
    verdict = judge.judge(a, b)
    if verdict is None:
        return
    match.method += "+judge"
    match.reasons.append(f"judge: {verdict.reason}")
    if verdict.is_same:
        match.score = round(max(match.score, verdict.confidence), 3)
    else:
        match.score = round(min(match.score, 1 - verdict.confidence), 3)


_ROW_FIELDS: Final = ("id", "full_name", "email", "emails", "phone", "phones", "addresses", "birth_date", "source")


def person_from_row(row: Any) -> Person:
    """A Person from a customers row (ORM object or mapping with the same names)."""
    values: dict[str, Any] = row if isinstance(row, dict) else {name: getattr(row, name) for name in _ROW_FIELDS}
    get = values.get
    address = (get("addresses") or [{}])[0] if get("addresses") else {}
    line = " ".join(str(address.get(k) or "") for k in ("line1", "city", "postal_code")) if address else ""
    return Person.of(
        id=int(values["id"]),
        name=get("full_name") or "",
        emails=[*(get("emails") or []), get("email") or ""],
        phones=[*(get("phones") or []), get("phone") or ""],
        address=line,
        birth_date=get("birth_date"),
        source=get("source") or "",
    )
