"""What a customer message asks for, read by rules: its language, a request for a person, and references to the
customer's own orders and tickets. Rules, not the model, because these decide what the code does (open a ticket,
read records) and must not be steerable by the wording of the message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rapport.ai.rag.tokens import cjk_share

LANGUAGE_NAMES: Final = {"en": "English", "zh": "Simplified Chinese"}

_HUMAN_EN: Final = re.compile(
    r"\b(human|real person|live (agent|person|chat)|(an|a real|the) agent|representative|operator|someone real|"
    r"speak (to|with) (a|an|some)(one|body| person| human| agent)|talk (to|with) (a|an|some)(one|body| person| human|"
    r" agent))\b",
    re.IGNORECASE,
)
_HUMAN_ZH: Final = re.compile(r"人工(?!智能)|真人|客服人员|找客服|活人")
_NUMBER: Final = re.compile(r"(?<![\d.,])(\d{4,12})(?!\d|[.,]\d)")
_CALLED_ORDER: Final = re.compile(
    r"(order|#|no\.?|number|订单|单号)\s*(number|no\.?|#|号)?\s*[:：]?\s*$", re.IGNORECASE
)
_MY_ORDERS: Final = re.compile(
    r"\b(my|our) (orders?|parcels?|packages?|deliver(y|ies)|purchases?|shipments?)\b|\bwhere is my\b|"
    r"\btrack(ing)? (my|the) (order|parcel|package)\b|我的订单|我的包裹|我的快递|订单.*(到哪|物流|发货)|查.*订单|物流",
    re.IGNORECASE,
)
_MY_TICKETS: Final = re.compile(
    r"\b(my|the) (tickets?|requests?|complaints?|cases?)\b|\bticket #?\d+|我的工单|工单|投诉进度|我的投诉",
    re.IGNORECASE,
)


def detect_language(text: str, default: str = "en") -> str:
    """ "zh" when Chinese characters make up a good part of the letters, "en" when there are letters and none are."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return default
    return "zh" if cjk_share("".join(letters)) >= 0.2 else "en"


def asks_for_human(text: str) -> bool:
    return bool(_HUMAN_EN.search(text) or _HUMAN_ZH.search(text))


@dataclass(frozen=True)
class RecordsQuestion:
    order_numbers: tuple[str, ...] = ()
    wants_orders: bool = False
    wants_tickets: bool = False

    @property
    def any(self) -> bool:
        return bool(self.order_numbers or self.wants_orders or self.wants_tickets)


def records_question(text: str) -> RecordsQuestion:
    """Which of the customer's own records the message is about, if any."""
    return RecordsQuestion(
        order_numbers=order_numbers(text),
        wants_orders=bool(_MY_ORDERS.search(text)),
        wants_tickets=bool(_MY_TICKETS.search(text)),
    )


def order_numbers(text: str) -> tuple[str, ...]:
    """4-12 digit numbers that read as order numbers: not a price, a code ("HB-2041", "E402") or a bare year."""
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        number = match.group(1)
        before = text[max(0, match.start() - 1) : match.start()]
        if before and (before in "$¥€£-_/" or (before.isascii() and before.isalpha())):
            continue
        if text[match.end() : match.end() + 1] == "%":
            continue
        called = _CALLED_ORDER.search(text[max(0, match.start() - 20) : match.start()]) is not None
        if not called and len(number) == 4 and number.startswith(("19", "20")):
            continue
        if number not in found:
            found.append(number)
    return tuple(found)
