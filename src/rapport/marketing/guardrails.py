"""Checks every marketing message must pass before it is sent, by rules (a model is what is being checked):
prices, discounts and dates only from the catalogue or the campaign; no forbidden claims; a length per channel; a calm
tone; no personal data but the recipient's own; the recipient's language; no unfilled placeholders; links only to
the campaign's own addresses.

Each check returns problems as `kind: detail`; a message passes when there are none. eval/guardrails.py measures
the catch rate per kind on deliberately bad messages and the false-rejection rate on good ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

KINDS = ("price", "discount", "date", "claim", "length", "tone", "personal_data", "language", "placeholder", "link")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
URL = re.compile(r"https?://[^\s<>\"')]+")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_AMOUNT = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
PRICE_PATTERNS = (
    re.compile(rf"(?:US\$|[$¥€£￥])\s?{_AMOUNT}"),
    re.compile(rf"{_AMOUNT}\s?(?:USD|usd|dollars?|RMB|CNY|yuan|元|块|美元)"),
)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|％|percent\b|per cent\b)", re.IGNORECASE)
ZH_FOLD = re.compile(r"([0-9]+(?:\.[0-9])?|[一二三四五六七八九]{1,2})\s?折")
ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
HALF_PRICE = re.compile(r"half[- ]price|半价", re.IGNORECASE)
DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(r"(\d{4})\s?年\s?(\d{1,2})\s?月\s?(\d{1,2})\s?[日号]"), "ymd"),
    (re.compile(r"(?<![年\d])(\d{1,2})\s?月\s?(\d{1,2})\s?[日号]"), "md"),
    (re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE), "Mdy"),
    (
        re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE),
        "dMy",
    ),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b"), "slash"),
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w/])(\+?\d[\d \-().]{6,}\d)(?![\w/])")
PLACEHOLDER = re.compile(
    r"\{\{?\s*\w+\s*\}?\}|\[(?:first |last |full |customer |your )?name\]|<(?:first_?)?name>|\bXXX+\b|\[[A-Z _]{3,}\]",
    re.IGNORECASE,
)
GREETING_EN = re.compile(r"^\s*(?i:hi|hello|hey|dear)\s+([A-Z][\w'-]*)(?:\s+([A-Z][\w'-]*))?", re.MULTILINE)
GREETING_ZH = re.compile(r"^\s*(?:亲爱的)?\s*([\u4e00-\u9fff]{1,4})\s*[，,]?\s*(?:您好|你好)", re.MULTILINE)
ACRONYMS = frozenset({"SKU", "USD", "VIP", "FAQ", "RMB", "CNY", "OK", "UK", "US", "EU", "PS", "TV", "USB", "LED", "HD"})
# Function words: a message with more of another language's than English's is not in English.
_ENGLISH = "the and you your to of for is a with on our we this it in at be are"
_OTHER = (
    "el la los las de que y para con su nuestro nuestra usted le les des et pour vous votre nous est "
    "une der die das und für sie ihr wir ist mit auf il lo di che per non sono"
)
ENGLISH_WORDS = frozenset(_ENGLISH.split())
OTHER_WORDS = frozenset(_OTHER.split())


@dataclass(frozen=True)
class Facts:
    """What a message may state: prices (catalogue and campaign), discount percentages and dates."""

    prices: frozenset[Decimal] = frozenset()
    discounts: frozenset[Decimal] = frozenset()
    dates: frozenset[date] = frozenset()
    links: tuple[str, ...] = ()  # URL prefixes a message may link to


@dataclass(frozen=True)
class Recipient:
    """The one person whose own details a message may contain."""

    full_name: str = ""
    first_name: str = ""
    email: str | None = None
    phone: str | None = None
    language: str = "en"


@dataclass(frozen=True)
class KnownPeople:
    """Names (lower-cased full names) of other customers, to spot a message that names someone else."""

    names: frozenset[str] = frozenset()
    chinese_names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> KnownPeople:
        latin, chinese = set(), set()
        for name in names:
            clean = " ".join(name.split())
            if not clean:
                continue
            if CJK.search(clean):
                if 2 <= len(clean) <= 4:
                    chinese.add(clean)
            elif " " in clean:
                latin.add(clean.lower())
        return cls(frozenset(latin), frozenset(chinese))


@dataclass(frozen=True)
class Limits:
    email_max_chars: int = 1200
    sms_max_chars: int = 160
    subject_max_chars: int = 120
    min_chars: int = 20


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> set[str]:
        return {p.split(":", 1)[0] for p in self.problems}


def check(
    body: str,
    *,
    subject: str = "",
    channel: str = "email",
    language: str = "en",
    facts: Facts,
    recipient: Recipient | None = None,
    people: KnownPeople | None = None,
    forbidden: Sequence[str] = (),
    limits: Limits | None = None,
) -> Verdict:
    """Every check on one message (subject and body); the verdict lists each problem found."""
    limits = limits or Limits()
    recipient = recipient or Recipient(language=language)
    people = people or KnownPeople()
    text = f"{subject}\n{body}" if subject else body
    links, plain = _split_links(text)
    verdict = Verdict()
    verdict.problems += _links(links, facts)
    verdict.problems += _prices(plain, facts)
    verdict.problems += _discounts(plain, facts)
    verdict.problems += _dates(plain, facts)
    verdict.problems += _claims(plain, forbidden)
    verdict.problems += _length(body, subject, channel, limits)
    verdict.problems += _tone(plain)
    verdict.problems += _personal(plain, recipient, people)
    verdict.problems += _language(plain, language)
    verdict.problems += _placeholders(plain)
    return verdict


def _split_links(text: str) -> tuple[list[str], str]:
    return URL.findall(text), URL.sub(" ", text)


def _links(links: list[str], facts: Facts) -> list[str]:
    if not facts.links:
        return []
    return [f"link: {url} is not one of the campaign's addresses" for url in links if not url.startswith(facts.links)]


def amount(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _prices(text: str, facts: Facts) -> list[str]:
    problems = []
    for pattern in PRICE_PATTERNS:
        for match in pattern.finditer(text):
            value = amount(match.group(1))
            if value is not None and value not in facts.prices:
                problems.append(f"price: {match.group(0).strip()} is not a price in the catalogue or the campaign")
    return problems


def _discounts(text: str, facts: Facts) -> list[str]:
    found: list[tuple[str, Decimal]] = []
    for match in PERCENT.finditer(text):
        value = amount(match.group(1))
        if value is not None:
            found.append((match.group(0), value))
    for match in ZH_FOLD.finditer(text):
        raw = match.group(1)
        if raw[0] in ZH_DIGITS:  # 八折 = 8折, 八五折 = 85折
            raw = "".join(str(ZH_DIGITS[c]) for c in raw)
        tenths = Decimal(raw)
        # 8折 is 80% of the price (20% off); 85折 is 85% (15% off).
        share = tenths * 10 if tenths < 10 else tenths
        found.append((match.group(0), (Decimal(100) - share).quantize(Decimal("0.01"))))
    for match in HALF_PRICE.finditer(text):
        found.append((match.group(0), Decimal("50.00")))
    return [
        f"discount: {shown.strip()} is not the campaign's discount"
        for shown, value in found
        if value not in facts.discounts
    ]


def _dates(text: str, facts: Facts) -> list[str]:
    problems = []
    for pattern, shape in DATE_PATTERNS:
        for match in pattern.finditer(text):
            candidates = _date_candidates(match.groups(), shape)
            if candidates is None:
                continue
            if not any(_same_day(c, d) for c in candidates for d in facts.dates):
                problems.append(f"date: {match.group(0).strip()} is not a date of the campaign")
    return problems


def _date_candidates(groups: Sequence[str | None], shape: str) -> list[tuple[int | None, int, int]] | None:
    """(year or None, month, day) readings of a match; None when it is not a date at all."""
    try:
        if shape == "ymd":
            return [(int(groups[0] or 0), int(groups[1] or 0), int(groups[2] or 0))]
        if shape == "md":
            return [(None, int(groups[0] or 0), int(groups[1] or 0))]
        if shape == "Mdy":
            return [(_year(groups[2]), MONTHS[(groups[0] or "").lower()], int(groups[1] or 0))]
        if shape == "dMy":
            return [(_year(groups[2]), MONTHS[(groups[1] or "").lower()], int(groups[0] or 0))]
        first, second = int(groups[0] or 0), int(groups[1] or 0)
        if not (1 <= first <= 31 and 1 <= second <= 31):
            return None
        year = _year(groups[2])
        return [(year, first, second), (year, second, first)]  # US or European order: either may be meant
    except (KeyError, ValueError):
        return None


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _same_day(candidate: tuple[int | None, int, int], known: date) -> bool:
    year, month, day = candidate
    return month == known.month and day == known.day and (year is None or year == known.year)


def _claims(text: str, forbidden: Sequence[str]) -> list[str]:
    lower = text.lower()
    problems = []
    for claim in forbidden:
        needle = claim.lower().strip()
        if not needle:
            continue
        if CJK.search(needle) or not needle[0].isalnum():
            hit = needle in lower
        else:
            hit = re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", lower) is not None
        if hit:
            problems.append(f"claim: '{claim}' is not allowed")
    return problems


def _length(body: str, subject: str, channel: str, limits: Limits) -> list[str]:
    problems = []
    limit = limits.email_max_chars
    if channel == "sms":
        limit = 70 if CJK.search(body) else limits.sms_max_chars
    if len(body) > limit:
        problems.append(f"length: {len(body)} characters, over {limit} for {channel}")
    # A Chinese character says about what two Latin letters do, for the "too short" test.
    weight = len(body.strip()) + len(CJK.findall(body))
    if weight < limits.min_chars:
        problems.append(f"length: only {len(body.strip())} characters")
    if channel == "email":
        if not subject.strip():
            problems.append("length: the email has no subject")
        elif len(subject) > limits.subject_max_chars:
            problems.append(f"length: the subject has {len(subject)} characters, over {limits.subject_max_chars}")
    return problems


def _tone(text: str) -> list[str]:
    problems = []
    shouted = [w for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in ACRONYMS]
    letters = [c for c in text if c.isascii() and c.isalpha()]
    upper_share = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 20 else 0.0
    if len(shouted) >= 2 or upper_share > 0.3:
        problems.append(f"tone: shouting in capitals ({', '.join(shouted[:3]) or 'most letters'})")
    marks = text.count("!") + text.count("！")
    if marks > 2 or "!!" in text or "！！" in text:
        problems.append(f"tone: {marks} exclamation marks")
    return problems


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _personal(text: str, recipient: Recipient, people: KnownPeople) -> list[str]:
    problems = []
    own_email = (recipient.email or "").lower()
    for email in EMAIL.findall(text):
        if email.lower() != own_email:
            problems.append(f"personal_data: the email address {email} is not the recipient's")
    own_phone = _digits(recipient.phone)
    for match in PHONE.finditer(text):
        raw = match.group(1)
        digits = _digits(raw)
        if len(digits) < 9 or re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw.strip()):
            continue
        if not own_phone or not (digits.endswith(own_phone[-9:]) or own_phone.endswith(digits)):
            problems.append(f"personal_data: the phone number {raw.strip()} is not the recipient's")
    own_name = " ".join(recipient.full_name.split()).lower()
    for words in re.findall(r"\b([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){1,2})\b", text):
        parts = words.split()
        for i in range(len(parts) - 1):
            pair = f"{parts[i]} {parts[i + 1]}".lower()
            if pair in people.names and pair != own_name:
                problems.append(f"personal_data: names another customer ({parts[i]} {parts[i + 1]})")
    own_zh = recipient.full_name.strip()
    if people.chinese_names:
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
            for size in (4, 3, 2):
                for start in range(len(run) - size + 1):
                    piece = run[start : start + size]
                    if piece in people.chinese_names and piece != own_zh and piece not in own_zh:
                        problems.append(f"personal_data: names another customer ({piece})")
    for greeting in GREETING_EN.finditer(text):
        name = greeting.group(1)
        known = {recipient.first_name.lower(), *recipient.full_name.lower().split()} - {""}
        if name.lower() not in known and name.lower() not in {"there", "friend", "friends", "everyone", "all"}:
            problems.append(f"personal_data: greets {name}, not the recipient")
    for greeting in GREETING_ZH.finditer(text):
        name = greeting.group(1)
        is_theirs = name in {recipient.full_name, recipient.first_name} or (
            bool(recipient.full_name) and name in recipient.full_name
        )
        if not is_theirs and name not in {"顾客", "客户", "朋友", "会员"}:
            problems.append(f"personal_data: greets {name}, not the recipient")
    return list(dict.fromkeys(problems))


def _language(text: str, language: str) -> list[str]:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return []
    cjk = sum(1 for c in letters if CJK.match(c)) / len(letters)
    if language == "zh" and cjk < 0.3:
        return ["language: written in another language, not Chinese"]
    if language == "en":
        if cjk > 0.05:
            return ["language: contains Chinese, not English"]
        words = re.findall(r"[a-zà-ÿ]+", text.lower())
        english = sum(w in ENGLISH_WORDS for w in words)
        other = sum(w in OTHER_WORDS for w in words)
        # Our own greeting and footer are English, so a short foreign copy can be outnumbered: half is enough.
        if other >= 3 and other * 2 >= english:
            return ["language: written in another language, not English"]
    return []


def _placeholders(text: str) -> list[str]:
    return [f"placeholder: '{m.group(0)}' was left unfilled" for m in PLACEHOLDER.finditer(text)]
