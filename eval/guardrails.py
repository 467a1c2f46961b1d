"""Marketing guardrails: catch rate per kind on deliberately bad messages, false rejections on good ones.

    .venv/bin/python eval/guardrails.py [--json]

Every message is composed the way a campaign composes it (greeting, copy, tracked link, unsubscribe line) for one
recipient, then checked with the same settings a campaign uses. The campaign: 20% off the Alpine Down Jacket ($79.00,
so $63.20, saving $15.80), valid until 2026-12-31, in a catalogue that also has $19.99, $59.00, $129.00 and $249.00.
A bad message is caught when the guardrails name its kind of problem (rejected for some other reason does not
count); a good message is falsely rejected when any problem is found. The set is hand-written (not tuned on: the
checks were written before it), English and Chinese.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rapport.marketing import guardrails
from rapport.marketing.messages import compose, limits_of
from rapport.marketing.settings import MarketingSettings

SETTINGS = MarketingSettings()
BASE = SETTINGS.public_url
FACTS = guardrails.Facts(
    prices=frozenset(Decimal(p) for p in ("79.00", "63.20", "15.80", "19.99", "59.00", "129.00", "249.00")),
    discounts=frozenset({Decimal("20.00")}),
    dates=frozenset({date(2026, 12, 31)}),
    links=("https://shop.example.com/", BASE.rstrip("/") + "/"),
)
EMMA = guardrails.Recipient(
    full_name="Emma Walker", first_name="Emma", email="emma.walker@example.com", phone="+14155550123", language="en"
)
WANG = guardrails.Recipient(
    full_name="王伟", first_name="伟", email="wangwei@example.cn", phone="+8613912345678", language="zh"
)
PEOPLE = guardrails.KnownPeople.of(
    [
        "Emma Walker",
        "Olivia Chen",
        "James Miller",
        "Sophia Brown",
        "Liam Johnson",
        "王伟",
        "李娜",
        "张敏",
        "刘洋",
        "陈静",
    ]
)


@dataclass(frozen=True)
class Case:
    kind: str  # what is wrong ("good" for none)
    body: str
    subject: str = "20% off the Alpine Down Jacket"
    language: str = "en"
    channel: str = "email"


GOOD_EN = [
    "The Alpine Down Jacket is now $63.20 instead of $79.00. The offer runs until December 31, 2026.",
    "Take 20% off the Alpine Down Jacket until Dec 31. Warm, light and ready for winter.",
    "Save $15.80 on the Alpine Down Jacket: 20% off until 31 December 2026.",
    "Our Alpine Down Jacket is 20% off this month, so it costs $63.20. The offer ends on 2026-12-31.",
    "Winter is here. The Alpine Down Jacket is 20% off until 12/31, and our gloves are still $19.99.",
    "As a VIP you get first pick: 20% off the Alpine Down Jacket, now 63.20 USD.",
    "Emma, we kept your size in mind. The Alpine Down Jacket is 20% off until December 31.",
    "We think you will like this: the Alpine Down Jacket for $63.20. Questions? Write to emma.walker@example.com's "
    "account team by replying to this email.",
    "Free shipping on every order, and 20% off the Alpine Down Jacket until December 31st, 2026!",
    "Light enough to pack, warm enough for the mountains. 20 percent off until Dec 31, 2026.",
    "The jacket our customers love is 20% off. Pair it with the $59.00 thermal layer for colder days.",
    "A small thank-you for shopping with us: 20% off the Alpine Down Jacket until the end of December 31.",
    "Your next favourite jacket is waiting. It is $63.20 until 31 Dec and back to $79.00 after that.",
    "Treat yourself before the year ends: the Alpine Down Jacket, 20% off, until December 31, 2026.",
    "We would love to see you again. The Alpine Down Jacket is 20% off, and the SKU AJ-200 ships today.",
    "Cold mornings, warm coffee, a warm jacket. Save 20% on the Alpine Down Jacket until Dec 31.",
    "Still thinking about it? The Alpine Down Jacket is $63.20 for a few more weeks (until 12/31/2026).",
]
GOOD_ZH = [
    "Alpine 羽绒服现价$63.20，原价$79.00，立减20%。优惠有效期至2026年12月31日。",
    "冬季特惠：Alpine 羽绒服享受八折优惠，活动截止到12月31日。",
    "感谢您一直以来的支持！Alpine 羽绒服限时8折，仅需63.20美元。",
    "轻便保暖的 Alpine 羽绒服正在优惠，下单立减20%，有效期至2026年12月31日。",
    "为您精选：Alpine 羽绒服现价$63.20，可节省$15.80。优惠至12月31日。",
    "天气转凉，Alpine 羽绒服为您保暖。即日起至12月31日享20%优惠。",
    "伟，您好久没来逛了。Alpine 羽绒服八折，期待再次为您服务。",
    "会员专享：Alpine 羽绒服20%优惠，搭配$19.99的保暖手套更暖和。",
    "年末感恩回馈，Alpine 羽绒服立减20%，活动有效期至2026年12月31日。",
    "Alpine 羽绒服原价$79.00，现在只需$63.20。欢迎选购。",
    "好物推荐：Alpine 羽绒服轻盈保暖，现享8折，截止12月31日。",
    "我们为您保留了这份优惠：Alpine 羽绒服20%折扣，有效期至2026年12月31日。",
    "冬天来了，给自己添一件 Alpine 羽绒服吧。限时八折，欢迎选购。",
    "Alpine 羽绒服限时优惠，节省$15.80，活动至12月31日结束。",
]
BAD: list[Case] = [
    # invented discounts
    Case("discount", "The Alpine Down Jacket is 30% off until December 31, 2026."),
    Case("discount", "Half price on the Alpine Down Jacket until Dec 31."),
    Case("discount", "Take 50 percent off everything in the shop this week."),
    Case("discount", "Alpine 羽绒服限时7折，截止12月31日。", language="zh", subject="限时优惠"),
    Case("discount", "全场商品立减40％，欢迎选购。", language="zh", subject="限时优惠"),
    Case("discount", "An extra 10% off when you order two jackets."),
    # wrong prices
    Case("price", "The Alpine Down Jacket is now only $59.99 instead of $79.00."),
    Case("price", "Get the Alpine Down Jacket for just 49 dollars until December 31."),
    Case("price", "Alpine 羽绒服现价¥199，优惠至12月31日。", language="zh", subject="限时优惠"),
    Case("price", "Save $25.00 on the Alpine Down Jacket this week."),
    Case("price", "Our premium parka is $1,299 and worth every cent."),
    # wrong or invented dates
    Case("date", "20% off the Alpine Down Jacket until January 15, 2027."),
    Case("date", "The offer ends on 2026-11-30, so be quick."),
    Case("date", "Valid until 30 November 2026: 20% off the Alpine Down Jacket."),
    Case("date", "Alpine 羽绒服八折优惠，1月15日截止。", language="zh", subject="限时优惠"),
    Case("date", "Order by 12/24 to get 20% off the Alpine Down Jacket."),
    # another customer's data
    Case("personal_data", "Olivia Chen just bought the Alpine Down Jacket at 20% off. You can too."),
    Case("personal_data", "Hi James, the Alpine Down Jacket is 20% off until December 31."),
    Case("personal_data", "Questions? Contact olivia.chen@example.com about your 20% off."),
    Case("personal_data", "Call James on +1 415 555 0199 to claim 20% off the jacket."),
    Case("personal_data", "李娜刚刚购买了 Alpine 羽绒服，享受八折优惠。", language="zh", subject="限时优惠"),
    Case("personal_data", "Your friend Sophia Brown recommended the Alpine Down Jacket to you."),
    # wrong language
    Case("language", "Alpine 羽绒服现价$63.20，优惠有效期至2026年12月31日。"),
    Case("language", "The Alpine Down Jacket is 20% off until December 31.", language="zh", subject="Winter offer"),
    Case("language", "La chaqueta Alpine tiene un 20% de descuento hasta el 31 de diciembre. Para usted y su familia."),
    Case("language", "Die Alpine Jacke ist jetzt 20% günstiger für Sie und Ihre Familie, nur bis Dezember."),
    # forbidden claims
    Case("claim", "The Alpine Down Jacket is guaranteed to keep you warm at 20% off."),
    Case("claim", "Join our club and get free shipping free forever."),
    Case("claim", "100% satisfaction with the Alpine Down Jacket, now 20% off."),
    Case("claim", "This jacket cures winter blues. 20% off until December 31."),
    Case("claim", "我们保证这是全网最低价，Alpine 羽绒服八折。", language="zh", subject="限时优惠"),
    Case("claim", "注册会员即可永久免费配送，Alpine 羽绒服八折。", language="zh", subject="限时优惠"),
    # too long
    Case("length", "The Alpine Down Jacket is 20% off until December 31. " * 30),
    Case("length", "The Alpine Down Jacket is 20% off until December 31. " * 5, channel="sms", subject=""),
    Case(
        "length",
        "Alpine 羽绒服八折优惠，有效期至2026年12月31日，欢迎选购。" * 3,
        language="zh",
        channel="sms",
        subject="",
    ),
    Case("length", "The Alpine Down Jacket is 20% off until December 31.", subject=""),
    # shouting
    Case("tone", "HUGE SALE TODAY: THE ALPINE DOWN JACKET IS 20% OFF UNTIL DECEMBER 31."),
    Case("tone", "Don't miss it!!! 20% off the Alpine Down Jacket!!!"),
    Case("tone", "Only a few left! Order now! 20% off! Until December 31!"),
    Case("tone", "Alpine 羽绒服八折！！！赶快下单！！！", language="zh", subject="限时优惠"),
    # unfilled placeholders and foreign links
    Case("placeholder", "Dear {first_name}, the Alpine Down Jacket is 20% off until December 31."),
    Case("placeholder", "Hello [Name], enjoy 20% off the Alpine Down Jacket."),
    Case("link", "See it here: http://bargains.example.net/alpine at 20% off until December 31."),
]

# Written after the first run, once two checks had been fixed (an English greeting naming someone else; German copy
# outnumbered by our English footer): reported on their own, so the fixes are not judged on the cases that led to them.
HELD_OUT_GOOD = [
    Case("good", "Stay warm this season with the Alpine Down Jacket, now 20% off. The deal is on until Dec. 31."),
    Case("good", "Hi again! The Alpine Down Jacket is down to $63.20 and the offer runs through December 31, 2026."),
    Case("good", "The thermal layer ($59.00) and the Alpine Down Jacket (20% off) make a great pair this winter."),
    Case("good", "We saved you a spot: the Alpine Down Jacket, 20% off, for a few more weeks."),
    Case("good", "Alpine 羽绒服限时优惠：直降$15.80，欢迎在12月31日前下单。", language="zh", subject="冬季特惠"),
    Case("good", "新品推荐：轻薄保暖的 Alpine 羽绒服，现在购买立享八折。", language="zh", subject="冬季特惠"),
    Case("good", "Planning a trip to the mountains? The Alpine Down Jacket is 20% off until 31 December."),
    Case("good", "Your winter wardrobe, sorted: the Alpine Down Jacket at $63.20 (was $79.00)."),
    Case("good", "您好久没有来店里了，Alpine 羽绒服八折优惠正在进行中。", language="zh", subject="冬季特惠"),
    Case("good", "Thank you for being with us. Enjoy 20% off the Alpine Down Jacket before December 31."),
]
HELD_OUT_BAD = [
    Case("discount", "Take 25% off the Alpine Down Jacket until December 31."),
    Case("price", "The Alpine Down Jacket is now $69 for a limited time."),
    Case("date", "Hurry, the 20% off ends on Dec 15!"),
    Case("date", "Alpine 羽绒服八折，2027年1月3日截止。", language="zh", subject="冬季特惠"),
    Case("personal_data", "Dear Liam, enjoy 20% off the Alpine Down Jacket until December 31."),
    Case("personal_data", "Reach our stylist at liam.johnson@example.com for 20% off advice."),
    Case("personal_data", "张敏已经抢到了八折的 Alpine 羽绒服。", language="zh", subject="冬季特惠"),
    Case("language", "Le blouson Alpine est à moins 20% pour vous et votre famille jusqu'au 31 décembre."),
    Case("claim", "A risk-free purchase: 20% off the Alpine Down Jacket until December 31."),
    Case("tone", "LAST CHANCE FOR 20% OFF THE ALPINE DOWN JACKET"),
    Case("length", "Warm and light. " * 120),
    Case("placeholder", "Hi {{name}}, 20% off the Alpine Down Jacket is waiting for you."),
]


def _cases() -> list[Case]:
    good = [Case("good", b) for b in GOOD_EN] + [Case("good", b, language="zh", subject="冬季特惠") for b in GOOD_ZH]
    return good + BAD


def check(case: Case) -> guardrails.Verdict:
    recipient = WANG if case.language == "zh" else EMMA
    composed = compose(
        case.subject,
        case.body,
        language=case.language,
        channel=case.channel,
        company="Harbor & Pine",
        recipient=recipient,
        click_url=f"{BASE}/api/t/c/123.0.abcdefghijklmnopqrstuvwx",
        unsubscribe_url=f"{BASE}/api/unsubscribe/123.0.abcdefghijklmnopqrstuvwx",
    )
    text = case.body if case.channel == "sms" else composed.text
    return guardrails.check(
        text,
        subject=composed.subject,
        channel=case.channel,
        language=case.language,
        facts=FACTS,
        recipient=recipient,
        people=PEOPLE,
        forbidden=SETTINGS.forbidden_claims,
        limits=limits_of(SETTINGS),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--verbose", action="store_true", help="Print each case's problems.")
    parser.add_argument("--held-out", action="store_true", help="Only the cases written after the first run.")
    args = parser.parse_args()
    cases = [*HELD_OUT_GOOD, *HELD_OUT_BAD] if args.held_out else _cases()
    totals: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    false_rejections: list[tuple[str, list[str]]] = []
    for case in cases:
        verdict = check(case)
        totals[case.kind] += 1
        if args.verbose:
            print(f"[{case.kind}] {case.body[:70]!r} → {verdict.problems}")
        if case.kind == "good":
            if not verdict.is_ok:
                false_rejections.append((case.body, verdict.problems))
        elif case.kind in verdict.kinds:
            caught[case.kind] += 1
        else:
            misses[case.kind].append(f"{case.body[:60]!r} → {verdict.problems}")
    bad_total = sum(n for k, n in totals.items() if k != "good")
    figures = {
        "bad_messages": bad_total,
        "good_messages": totals["good"],
        "catch_rate": round(sum(caught.values()) / bad_total, 4),
        "catch_rate_by_kind": {k: f"{caught[k]}/{totals[k]}" for k in sorted(totals) if k != "good"},
        "false_rejection_rate": round(len(false_rejections) / totals["good"], 4),
        "false_rejections": false_rejections,
        "misses": misses,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    print(f"bad messages: {bad_total}, good messages: {totals['good']}")
    print(f"catch rate: {sum(caught.values())}/{bad_total} = {figures['catch_rate']:.1%}")
    for kind, shown in figures["catch_rate_by_kind"].items():  # type: ignore[union-attr]
        print(f"  {kind:<14} {shown}")
    print(f"false rejections: {len(false_rejections)}/{totals['good']} = {figures['false_rejection_rate']:.1%}")
    for body, problems in false_rejections:
        print(f"  {body[:70]!r} → {problems}")
    for kind, items in misses.items():
        for item in items:
            print(f"  missed {kind}: {item}")


if __name__ == "__main__":
    main()
