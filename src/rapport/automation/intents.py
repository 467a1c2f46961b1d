"""Intent of a customer message: the IntentClassifier protocol and a keyword baseline that explains itself.

The trained classifier (issue "model training") will implement the same protocol; until it is deployed, the keyword
baseline answers. Each keyword carries a weight; a keyword in the subject counts 1.5× (subjects are short and say
what the message is about). The explanation lists the words that decided, which is what an agent needs to trust or
correct it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Protocol

SUBJECT_WEIGHT: Final = 1.5


@dataclass(frozen=True)
class Evidence:
    word: str
    label: str
    weight: float
    where: str  # subject | body


@dataclass(frozen=True)
class IntentPrediction:
    label: str | None  # None: nothing recognisable
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    model: str = ""

    def explanation(self) -> dict[str, object]:
        """The words that drove the decision, strongest first, for the winning label and the runner-up."""
        ranked = sorted(self.scores.items(), key=lambda kv: -kv[1])
        runner_up = ranked[1][0] if len(ranked) > 1 else None
        shown = [e for e in self.evidence if e.label in {self.label, runner_up}]
        return {
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "model": self.model,
            "scores": {k: round(v, 2) for k, v in ranked[:5]},
            "words": [
                {"word": e.word, "label": e.label, "weight": e.weight, "where": e.where}
                for e in sorted(shown, key=lambda e: -e.weight)[:12]
            ],
        }


class IntentClassifier(Protocol):
    """What triage needs from any intent model: a label, a confidence and the words behind it."""

    name: str

    def classify(self, subject: str, body: str, language: str) -> IntentPrediction: ...


# intent → (English keyword stems, Chinese keywords), each with a weight. English stems match at a word start, so
# "refund" also matches "refunded"; Chinese keywords match anywhere.
KEYWORDS: Final[dict[str, tuple[dict[str, float], dict[str, float]]]] = {
    "order_status": (
        {
            "where is my order": 3,
            "tracking": 2,
            "track": 1.5,
            "shipped": 1.5,
            "status": 1.5,
            "delivery date": 2,
            "estimated delivery": 2.5,
            "has it shipped": 2,
            "processing": 1,
            "left the warehouse": 2.5,
            "dispatch": 1.5,
            "picked up": 1,
            "shipping confirmation": 2,
            "update on order": 2,
            "when will": 1,
        },
        {
            "物流": 1.5,
            "快递": 1,
            "单号": 2,
            "发货": 2,
            "到哪": 2,
            "什么时候到": 2,
            "查询": 1.5,
            "进度": 1.5,
            "催": 1.5,
            "发了吗": 2,
            "还没发": 2,
            "什么时候发": 2.5,
        },
    ),
    "refund_request": (
        {"refund": 3, "money back": 3, "reimburse": 2, "credit back": 2, "returned": 1},
        {"退款": 3, "退钱": 3, "到账": 1.5, "退回": 1},
    ),
    "late_delivery": (
        {
            "late": 2.5,
            "delayed": 2.5,
            "delay": 2,
            "not arrived": 2.5,
            "hasn't arrived": 2.5,
            "still hasn't": 1.5,
            "come and gone": 2.5,
            "lost": 1.5,
            "overdue": 2,
            "never arrived": 2.5,
            "still waiting for my parcel": 2.5,
            "parcel": 1,
        },
        {"晚了": 2.5, "延误": 3, "还没到": 2.5, "没收到": 2, "丢了": 2, "迟迟": 2, "超时": 1.5, "包裹": 1, "太慢": 1.5},
    ),
    "damaged_item": (
        {
            "damaged": 3,
            "broken": 2.5,
            "cracked": 2.5,
            "smashed": 2.5,
            "leak": 2,
            "dented": 2.5,
            "torn": 2,
            "shattered": 2.5,
            "crushed": 2.5,
            "scratched": 2,
        },
        {"破损": 3, "碎了": 3, "漏液": 3, "压坏": 3, "裂": 2, "摔坏": 1.5, "瘪": 2, "划痕": 2, "漏了": 2.5},
    ),
    "wrong_item": (
        {
            "wrong item": 3,
            "wrong size": 3,
            "wrong colour": 3,
            "wrong color": 3,
            "wrong thing": 3,
            "wrong one": 3,
            "missing": 2,
            "sent the wrong": 3,
            "instead of": 1.5,
            "not what i ordered": 3,
            "only one": 1,
            "sent me": 1,
        },
        {
            "发错": 3,
            "漏发": 3,
            "少发": 3,
            "错发": 3,
            "少了": 2,
            "不是我买的": 3,
            "颜色不对": 2.5,
            "尺码不对": 2.5,
            "发了两件": 2.5,
            "少一件": 3,
        },
    ),
    "account_access": (
        {
            "log in": 2.5,
            "login": 2.5,
            "password": 3,
            "locked": 2.5,
            "sign in": 2.5,
            "reset link": 3,
            "two-factor": 2.5,
            "2fa": 2.5,
            "verification code": 2.5,
            "account": 1,
        },
        {"登录": 3, "登陆": 3, "密码": 3, "账号": 1.5, "帐号": 1.5, "锁": 2, "验证码": 2.5, "重置": 2},
    ),
    "billing_error": (
        {
            "charged": 2.5,
            "double charged": 3,
            "overcharged": 3,
            "charge": 2,
            "billing": 2.5,
            "invoice": 1.5,
            "twice": 1.5,
            "payment": 1,
            "amount": 1,
            "statement": 1.5,
        },
        {
            "扣款": 3,
            "扣了": 2.5,
            "多扣": 3,
            "重复扣": 3,
            "发票金额": 2.5,
            "金额": 1.5,
            "账单": 2.5,
            "扣费": 3,
            "两次": 1.5,
        },
    ),
    "product_question": (
        {
            "size guide": 3,
            "compatible": 2.5,
            "does it": 1.5,
            "is there": 1,
            "in stock": 2.5,
            "specs": 2,
            "dimensions": 2,
            "difference between": 2.5,
            "recommend": 1.5,
            "ingredients": 2,
            "how do i use": 2,
            "question": 1.5,
            "suitable": 2,
            "does this": 1.5,
            "will it": 1,
        },
        {
            "有货": 3,
            "尺码": 1.5,
            "区别": 2.5,
            "适合": 2,
            "推荐": 2,
            "能不能": 1,
            "可以开发票": 2.5,
            "兼容": 2.5,
            "成分": 2,
            "怎么用": 2,
            "规格": 2,
            "咨询": 1.5,
            "请问": 1,
        },
    ),
    "complaint": (
        {
            "unacceptable": 3,
            "terrible": 2.5,
            "worst": 2.5,
            "useless": 2.5,
            "complain": 3,
            "disappointed": 2,
            "real person": 2,
            "rude": 2.5,
            "never again": 2.5,
            "ridiculous": 2,
            "awful": 2.5,
            "service": 1,
        },
        {"投诉": 3, "失望": 2.5, "态度": 2, "太差": 2.5, "垃圾": 2.5, "差评": 2.5, "什么服务": 2.5, "无语": 2},
    ),
    "praise": (
        {
            "amazing": 2.5,
            "great": 1.5,
            "love": 2.5,
            "excellent": 2.5,
            "helpful": 2,
            "fantastic": 2.5,
            "well done": 2.5,
            "happy with": 2.5,
            "huge thanks": 3,
            "thank you so much": 2.5,
            "wonderful": 2.5,
            "impressed": 2.5,
        },
        {"感谢": 2, "表扬": 3, "很好": 2, "不错": 2, "满意": 2.5, "点赞": 3, "给力": 2.5, "好评": 3, "专业": 1.5},
    ),
    "cancellation": (
        {
            "cancel": 3,
            "don't need it anymore": 2,
            "changed my mind": 2.5,
            "stop the order": 2.5,
            "auto-renew": 2.5,
            "subscription": 1.5,
        },
        {"取消": 3, "不要了": 2.5, "自动续费": 2.5, "撤销": 2.5, "退订会员": 2.5},
    ),
    "address_change": (
        {
            "address": 2.5,
            "deliver to": 2,
            "moved": 1.5,
            "new address": 3,
            "work address": 2.5,
            "change delivery": 3,
            "redirect": 2,
        },
        {"地址": 3, "改地址": 3, "收货地址": 3, "搬家": 2.5, "改成": 1},
    ),
    "warranty_claim": (
        {
            "warranty": 3,
            "guarantee": 2.5,
            "repair": 2.5,
            "stopped working": 2,
            "covered": 2,
            "defect": 2,
            "accidental damage": 2.5,
            "replacement": 1.5,
        },
        {"保修": 3, "质保": 3, "维修": 2.5, "换新": 2, "坏了": 1.5, "保内": 2.5},
    ),
    "discount_request": (
        {
            "discount": 3,
            "promo": 3,
            "coupon": 3,
            "code": 1.5,
            "member price": 3,
            "cheaper": 1.5,
            "price match": 3,
            "student": 2,
            "voucher": 3,
        },
        {"优惠": 3, "便宜": 2.5, "折扣": 3, "优惠券": 3, "券": 2, "会员价": 3, "团购": 2.5, "打折": 3, "满减": 3},
    ),
    "technical_problem": (
        {
            "error": 2.5,
            "not working": 2,
            "won't turn on": 3,
            "flicker": 2.5,
            "bluetooth": 2.5,
            "battery": 2,
            "pair": 2,
            "crash": 2.5,
            "restart": 2,
            "firmware": 2.5,
            "screen": 1.5,
            "charging": 2,
            "app": 1,
        },
        {
            "故障": 3,
            "错误": 2.5,
            "蓝牙": 2.5,
            "电池": 2,
            "充不进电": 3,
            "闪烁": 2.5,
            "重启": 2,
            "连不上": 2.5,
            "死机": 3,
            "不工作": 2.5,
            "没反应": 2.5,
            "充电": 2,
        },
    ),
    "return_label": (
        {
            "return label": 3.5,
            "label": 2,
            "return": 1.5,
            "how do i return": 3,
            "send it back": 2,
            "printer": 1.5,
            "drop off": 2,
            "qr code": 2,
        },
        {"退货": 2, "面单": 3.5, "寄回": 2.5, "退货链接": 3, "上门取件": 3, "取件": 2.5},
    ),
    "privacy_request": (
        {
            "delete my data": 3.5,
            "personal data": 3,
            "gdpr": 3.5,
            "privacy": 3,
            "my data": 2.5,
            "unsubscribe": 2.5,
            "marketing emails": 2.5,
            "data you hold": 3,
            "erase": 2.5,
            "stop emailing": 2.5,
        },
        {"隐私": 3, "个人信息": 3, "删除我的": 3, "数据": 1.5, "退订": 2.5, "注销": 2.5, "骚扰": 2},
    ),
}
# Device error codes ("E-630") are a strong technical signal whatever the language.
_ERROR_CODE = re.compile(r"\bE-?\d{2,4}\b")


class KeywordIntentClassifier:
    """The rule baseline: weighted keywords in English and Chinese; explains each decision by its words."""

    name = "intent-keywords@1"

    def __init__(self, keywords: dict[str, tuple[dict[str, float], dict[str, float]]] | None = None) -> None:
        self.keywords = keywords or KEYWORDS

    def classify(self, subject: str, body: str, language: str) -> IntentPrediction:
        scores: dict[str, float] = {}
        evidence: list[Evidence] = []
        for where, text, factor in (("subject", subject, SUBJECT_WEIGHT), ("body", body, 1.0)):
            for label, word, weight in _matches(self.keywords, text.lower()):
                scores[label] = scores.get(label, 0.0) + weight * factor
                evidence.append(Evidence(word, label, round(weight * factor, 2), where))
            if _ERROR_CODE.search(text):
                code = _ERROR_CODE.search(text)
                assert code is not None
                scores["technical_problem"] = scores.get("technical_problem", 0.0) + 3 * factor
                evidence.append(Evidence(code.group(0), "technical_problem", 3 * factor, where))
        if not scores:
            return IntentPrediction(None, 0.0, model=self.name)
        label, top = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
        # Share of the evidence the winner holds, shrunk towards 0 when there is little evidence at all.
        confidence = (top / sum(scores.values())) * (top / (top + 2.0))
        return IntentPrediction(label, confidence, scores, tuple(evidence), self.name)


def _matches(keywords: dict[str, tuple[dict[str, float], dict[str, float]]], text: str) -> list[tuple[str, str, float]]:
    found = []
    for label, (english, chinese) in keywords.items():
        for word, weight in english.items():
            if _english_pattern(word).search(text):
                found.append((label, word, float(weight)))
        for word, weight in chinese.items():
            if word in text:
                found.append((label, word, float(weight)))
    return found


@cache
def _english_pattern(stem: str) -> re.Pattern[str]:
    # A stem matches at a word start ("refund" → "refunded"), and a phrase's inner spaces match any whitespace.
    return re.compile(r"(?<![a-z])" + r"\s+".join(re.escape(part) for part in stem.split()))
