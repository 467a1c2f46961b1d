"""How real people type: typos, lost capitals and punctuation, doubled marks; applied to otherwise tidy text."""

import random
from typing import Final

from rapport.demo.phrases import Sentiment

_EN_TYPOS: Final = {
    "the": "teh",
    "receive": "recieve",
    "received": "recieved",
    "definitely": "definately",
    "please": "pls",
    "you": "u",
    "order": "oder",
    "because": "becuase",
    "really": "realy",
    "tomorrow": "tommorow",
    "address": "adress",
    "separate": "seperate",
    "thanks": "thx",
    "arrived": "arived",
    "waiting": "wating",
    "which": "wich",
    "until": "untill",
    "know": "kno",
    "weird": "wierd",
    "would": "woud",
}
_ZH_TYPOS: Final = (("登录", "登陆"), ("账号", "帐号"), ("已经", "以经"), ("在吗", "再吗"), ("的话", "得话"))
_STAFF_SHORTHAND: Final = (("Customer", "Cust"), ("customer", "cust"), ("follow up", "f/u"), ("about", "re:"))


def roughen_en(rng: random.Random, text: str, sentiment: Sentiment) -> str:
    if rng.random() < 0.15:
        text = _misspell(rng, text)
    if rng.random() < 0.08:
        text = _transpose(rng, text)
    if rng.random() < 0.12:
        text = text.lower()
    if rng.random() < 0.08:
        text = text.replace("'", "")  # "dont", "cant", "im"
    if rng.random() < 0.1:
        text = text.rstrip(".")
    if sentiment == "very_negative" and rng.random() < 0.35:
        text = text.replace("?", "???") if "?" in text else text.rstrip(".") + "!!"
    return text


def roughen_zh(rng: random.Random, text: str, sentiment: Sentiment) -> str:
    if rng.random() < 0.1:
        wrong, typo = rng.choice(_ZH_TYPOS)
        text = text.replace(wrong, typo, 1)
    if rng.random() < 0.12:
        text = text.replace("，", " ")  # many type a space instead of a comma on the phone
    if rng.random() < 0.2:
        text = text.rstrip("。？！")
    if sentiment in ("negative", "very_negative") and rng.random() < 0.3:
        text = text.replace("？", rng.choice(("？？", "？？？", "??"))).replace("！", "！！")
    if rng.random() < 0.05 and text[-1] not in "！？!?":
        text = text.rstrip("。") + "。。。"
    return text


def abbreviate_en(rng: random.Random, text: str) -> str:
    """Staff shorthand in call notes: 'cust', 'f/u'."""
    for full, short in _STAFF_SHORTHAND:
        if rng.random() < 0.3:
            text = text.replace(full, short)
    return text


def _misspell(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if word.lower() in _EN_TYPOS]
    for i in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
        words[i] = _EN_TYPOS[words[i].lower()]
    return " ".join(words)


def _transpose(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
