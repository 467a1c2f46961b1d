"""Pure cleaning functions for identity fields: text, names, emails, genders, booleans, countries, languages.

Each takes one raw value and returns the clean one or raises ValueError with a reason a person can act on; callers
turn that reason into a per-field error. They run once per cell of every imported row, so the common case (short
ASCII text) takes a fast path and the regular expressions are compiled once.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

import phonenumbers

# Zero-width, bidirectional and other invisible characters that sneak in from copy-paste, Word and spreadsheets,
# plus C0/C1 control characters (PostgreSQL refuses NUL).
_INVISIBLE: Final = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_SPACES: Final = re.compile(r"\s+")
_CJK: Final = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
NAME_MAX: Final = 200


def normalise(value: Any) -> str:
    """One line of text: NFKC (full-width letters and digits become ASCII), no invisible characters, single spaces."""
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        if text.isprintable() and "  " not in text:
            return text.strip()
    else:
        text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def normalise_block(value: Any) -> str:
    """Multi-line text: like `normalise`, but line breaks survive (at most one blank line in a row)."""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def has_cjk(text: str) -> bool:
    return not text.isascii() and _CJK.search(text) is not None


def count_cjk(text: str) -> int:
    return 0 if text.isascii() else len(_CJK.findall(text))


# ---------------------------------------------------------------- names

_PARTICLES: Final = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della", "dos"})
_SUFFIXES: Final = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md", "esq"})
# Two-character surnames; any other Chinese name has a one-character surname.
_COMPOUND_SURNAMES: Final = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "令狐",
        "慕容",
        "尉迟",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "公孙",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "公冶",
        "太史",
    }
)


def clean_name(raw: Any) -> str:
    """A person's name: `SMITH, JOHN` → `John Smith`; `o'brien` → `O'Brien`; Chinese names are kept as written."""
    name = normalise(raw)
    if not name:
        raise ValueError("the name is empty")
    if len(name) > NAME_MAX:
        raise ValueError(f"the name is too long: {len(name):,} characters, at most {NAME_MAX}")
    if not any(ch.isalpha() for ch in name):
        raise ValueError("a name needs at least one letter")
    if has_cjk(name):
        return name
    if "," in name:
        last, _, first = name.partition(",")
        if first.strip() and last.strip() and "," not in first and first.strip().lower() not in _SUFFIXES:
            name = f"{first.strip()} {last.strip()}"
    if name.isupper() or name.islower():
        words = name.split(" ")
        name = " ".join(w.lower() if i and w.lower() in _PARTICLES else _capitalise(w) for i, w in enumerate(words))
    return name


def _capitalise(word: str) -> str:
    if word.lower() in _SUFFIXES and word.lower().startswith(("i", "v")):
        return word.upper()
    parts = re.split(r"([-'’])", word.lower())
    out = "".join(p[:1].upper() + p[1:] if p not in "-'’" else p for p in parts)
    if out.startswith("Mc") and len(out) > 2:
        out = "Mc" + out[2].upper() + out[3:]
    return out


def split_name(full_name: str) -> tuple[str | None, str | None]:
    """(first, last). Chinese: surname first (欧阳 and other two-character surnames known); others: the last word
    (with particles such as `van`) is the surname."""
    name = full_name.strip()
    if not name:
        return None, None
    if has_cjk(name):
        compact = name.replace(" ", "")
        if len(compact) <= 1:
            return None, compact
        cut = 2 if compact[:2] in _COMPOUND_SURNAMES and len(compact) > 2 else 1
        return compact[cut:], compact[:cut]
    words = name.split(" ")
    if len(words) == 1:
        return words[0], None
    cut = len(words) - 1
    if words[-1].lower().rstrip(".") in {s.rstrip(".") for s in _SUFFIXES} and len(words) > 2:
        cut -= 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


# ---------------------------------------------------------------- emails

_EMAIL: Final = re.compile(
    r"^[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$"
)
_ANGLE: Final = re.compile(r"<([^<>]+@[^<>]+)>")
_EMAIL_SPLIT: Final = re.compile(r"[;,\s]+")


def clean_email(raw: Any) -> str:
    """Syntax checked and lower-cased: `"Jane" <Jane.Doe@Example.COM>` → `jane.doe@example.com`."""
    text = normalise(raw)
    angle = _ANGLE.search(text)
    if angle:
        text = angle.group(1)
    text = text.strip().strip("\"'<>()[],;.").lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not text:
        raise ValueError("the email is empty")
    if " " in text or text.count("@") != 1:
        raise ValueError(f"'{_short(text)}' is not an email address (it needs exactly one @ and no spaces)")
    if len(text) > 254 or len(text.partition("@")[0]) > 64:
        raise ValueError("the email is too long (at most 64 characters before the @ and 254 in all)")
    if not _EMAIL.match(text):
        raise ValueError(f"'{_short(text)}' is not a valid email address")
    return text


_PLAIN_EMAIL: Final = re.compile(
    r"^[a-z0-9_%+\-]{1,64}(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def clean_emails(raw: Any) -> list[str]:
    """Every address in a cell that may hold several (`a@x.com; b@y.com`); the first is the primary one."""
    if raw.__class__ is str and raw.isascii():
        plain = raw.strip().lower()
        if len(plain) <= 254 and _PLAIN_EMAIL.match(plain) and len(plain.partition("@")[0]) <= 64:
            return [plain]  # the common case, already clean
    if isinstance(raw, list):
        parts = [str(item) for item in raw]
    else:
        text = normalise(raw)
        if _ANGLE.search(text):
            return [clean_email(text)]
        parts = [p for p in _EMAIL_SPLIT.split(text) if p]
    emails = [clean_email(p) for p in parts]
    if not emails:
        raise ValueError("the email is empty")
    return list(dict.fromkeys(emails))


# ---------------------------------------------------------------- genders and booleans

_GENDERS: Final = {
    "male": ("m", "male", "man", "men", "mr", "mr.", "boy", "男", "男性", "男士", "先生", "h", "homme", "männlich"),
    "female": (
        "f",
        "female",
        "woman",
        "women",
        "w",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "miss",
        "girl",
        "女",
        "女性",
        "女士",
        "小姐",
        "femme",
        "weiblich",
    ),
    "other": ("o", "other", "x", "d", "diverse", "non-binary", "nonbinary", "non binary", "nb", "其他", "其它"),
    "unknown": (
        "u",
        "unknown",
        "n/a",
        "na",
        "none",
        "-",
        "?",
        "未知",
        "保密",
        "不详",
        "prefer not to say",
        "unspecified",
    ),
}
GENDERS: Final = {spelling: gender for gender, spellings in _GENDERS.items() for spelling in spellings}

_TRUE: Final = ("true", "t", "yes", "y", "1", "on", "x", "✓", "✔", "checked", "subscribed", "opted in", "opt-in")
_FALSE: Final = ("false", "f", "no", "n", "0", "off", "unchecked", "unsubscribed", "opted out", "opt-out", "none")
BOOLEANS: Final = {
    **dict.fromkeys((*_TRUE, "是", "对", "真", "有", "已订阅", "同意"), True),
    **dict.fromkeys((*_FALSE, "否", "错", "假", "无", "未订阅", "不同意"), False),
}


def clean_gender(raw: Any) -> str:
    """male | female | other | unknown, from M/F/男/女/Mr/Ms and other spellings."""
    key = normalise(raw).lower()
    if key in GENDERS:
        return GENDERS[key]
    raise ValueError(f"'{_short(key)}' is not a gender we know (try M, F, male, female, 男, 女, other, unknown)")


def clean_bool(raw: Any) -> bool:
    """yes/no, Y/N, 1/0, true/false, 是/否 and friends."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    key = normalise(raw).lower()
    if key in BOOLEANS:
        return BOOLEANS[key]
    raise ValueError(f"'{_short(key)}' is not yes or no (try yes, no, Y, N, 1, 0, true, false, 是, 否)")


# ---------------------------------------------------------------- countries and languages

REGIONS: Final = frozenset(phonenumbers.SUPPORTED_REGIONS)
_COUNTRY_NAMES: Final = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "美国": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "英国": "GB",
    "china": "CN",
    "prc": "CN",
    "people's republic of china": "CN",
    "mainland china": "CN",
    "中国": "CN",
    "中华人民共和国": "CN",
    "中国大陆": "CN",
    "hong kong": "HK",
    "香港": "HK",
    "taiwan": "TW",
    "台湾": "TW",
    "macau": "MO",
    "macao": "MO",
    "澳门": "MO",
    "canada": "CA",
    "加拿大": "CA",
    "australia": "AU",
    "澳大利亚": "AU",
    "germany": "DE",
    "deutschland": "DE",
    "德国": "DE",
    "france": "FR",
    "法国": "FR",
    "japan": "JP",
    "日本": "JP",
    "singapore": "SG",
    "新加坡": "SG",
    "south korea": "KR",
    "korea": "KR",
    "韩国": "KR",
    "india": "IN",
    "印度": "IN",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "new zealand": "NZ",
    "ireland": "IE",
    "mexico": "MX",
    "brazil": "BR",
    "switzerland": "CH",
    "sweden": "SE",
    "malaysia": "MY",
}
_ISO3: Final = {
    "USA": "US",
    "GBR": "GB",
    "CHN": "CN",
    "HKG": "HK",
    "TWN": "TW",
    "CAN": "CA",
    "AUS": "AU",
    "DEU": "DE",
    "FRA": "FR",
    "JPN": "JP",
    "SGP": "SG",
    "KOR": "KR",
    "IND": "IN",
    "NZL": "NZ",
    "IRL": "IE",
}


def clean_country(raw: Any) -> str:
    """ISO 3166 alpha-2: `us`, `USA`, `United States`, `美国` → `US`; `UK` → `GB`."""
    text = normalise(raw)
    upper = text.upper()
    if upper == "UK":
        return "GB"
    if len(upper) == 2 and upper in REGIONS:
        return upper
    if upper in _ISO3:
        return _ISO3[upper]
    found = _COUNTRY_NAMES.get(text.lower().strip("."))
    if found:
        return found
    raise ValueError(f"'{_short(text)}' is not a country we know (use a two-letter code such as US, CN, GB)")


_LANGUAGES: Final = {
    "english": "en",
    "英语": "en",
    "英文": "en",
    "chinese": "zh",
    "mandarin": "zh",
    "中文": "zh",
    "汉语": "zh",
    "普通话": "zh",
    "简体中文": "zh",
    "繁體中文": "zh",
    "繁体中文": "zh",
}


def clean_language(raw: Any) -> str:
    """A two-letter language code: `en-US`, `zh_CN`, `Chinese`, `中文` → `en`, `zh`."""
    text = normalise(raw)
    lowered = text.lower()
    if lowered in _LANGUAGES:
        return _LANGUAGES[lowered]
    code = lowered.replace("_", "-").split("-")[0]
    if len(code) == 2 and code.isalpha() and code.isascii():
        return code
    raise ValueError(f"'{_short(text)}' is not a language code (use en or zh)")


def clean_text(raw: Any, max_length: int) -> str:
    text = normalise(raw)
    if len(text) > max_length:
        raise ValueError(f"{len(text):,} characters is too long; at most {max_length:,}")
    return text


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
