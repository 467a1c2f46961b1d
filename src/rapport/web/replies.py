"""Starting text for a reply, one template per ticket intent and language.

The reply editor opens with this text until the AI draft (grounded in the knowledge base and the customer's
orders) replaces it in a later issue; the agent always edits before sending. `{name}` is the customer's name and
`{agent}` the agent's.
"""

from __future__ import annotations

# The intents tickets carry today (set by hand or by the demo); the triage model will bring its own label set.
INTENTS = (
    "order_status",
    "refund_request",
    "late_delivery",
    "damaged_item",
    "wrong_item",
    "account_access",
    "billing_error",
    "product_question",
    "complaint",
    "praise",
    "cancellation",
    "address_change",
    "warranty_claim",
    "discount_request",
    "technical_problem",
    "return_label",
)

_EN_BODY = {
    "order_status": "Thank you for getting in touch about your order. I have checked it: [status and tracking number]. "
    "You can follow the parcel with the tracking link in your shipping email.",
    "refund_request": "Thank you for your message about a refund. I have started it for [order]; refunds go back to "
    "the original payment method and usually appear within 5-7 business days.",
    "late_delivery": "I am sorry your parcel is late. I have checked with the carrier: [latest tracking update]. "
    "If it has not arrived by [date], we will send a replacement or refund you in full.",
    "damaged_item": "I am sorry the item arrived damaged. Could you send a photo of the damage and the packaging? "
    "As soon as we have it, we will send a replacement or a refund, whichever you prefer.",
    "wrong_item": "I am sorry you received the wrong item. We will send the right one today and email you a free "
    "return label for the one you received.",
    "account_access": "I am sorry you cannot get into your account. I have sent a password reset link to the email "
    "address on the account; it is valid for one hour.",
    "billing_error": "Thank you for pointing out the billing problem. I have checked the charge: [finding]. "
    "[Any correction] will show on your statement within a few business days.",
    "product_question": "Thank you for your question about [product]. [Answer]. "
    "If you would like more detail, I am happy to help.",
    "complaint": "Thank you for telling us, and I am sorry for the experience you had. I have looked into it: "
    "[what happened and what we are doing about it].",
    "praise": "Thank you so much for your kind words! I have passed them on to the team; it means a lot to us.",
    "cancellation": "I have received your request to cancel [order]. [It is cancelled / It has already shipped, so "
    "you can return it free of charge]. Any refund goes back to your original payment method.",
    "address_change": "Thank you for letting us know. I have updated the delivery address for [order] to "
    "[new address]. If the order has already left our warehouse, I will ask the carrier to redirect it.",
    "warranty_claim": "I am sorry the product stopped working. It is covered by our warranty until [date]. "
    "Please send us [serial number / photo] and we will arrange a repair or replacement.",
    "discount_request": "Thank you for asking. [We can offer / We cannot offer] a discount on this order; "
    "you can sign up for our newsletter to hear about sales first.",
    "technical_problem": "I am sorry about the trouble. Could you tell me which device and app version you use, "
    "and what you see on the screen? Meanwhile, please try [first step].",
    "return_label": "Here is how to get your return label: [steps]. Returns are free within 30 days of delivery.",
}
_ZH_BODY = {
    "order_status": "感谢您咨询订单情况。我已为您查询：[订单状态和物流单号]。您也可以通过发货邮件中的链接查看物流。",
    "refund_request": "感谢您的留言。我已为[订单]发起退款，款项将原路退回，一般在5-7个工作日内到账。",
    "late_delivery": "很抱歉您的包裹延误了。我已向快递公司核实：[最新物流信息]。"
    "如果[日期]前仍未送达，我们将为您补发或全额退款。",
    "damaged_item": "很抱歉商品到货时有损坏。麻烦您发一张商品和包装的照片给我们，收到后我们会按您的意愿补发或退款。",
    "wrong_item": "很抱歉给您发错了商品。我们今天会补发正确的商品，并通过邮件发送免费退货面单。",
    "account_access": "很抱歉您无法登录账户。我已向账户绑定的邮箱发送了重置密码链接，一小时内有效。",
    "billing_error": "感谢您指出扣款问题。我已核查该笔扣款：[核查结果]。[更正金额]将在几个工作日内退回。",
    "product_question": "感谢您对[商品]的咨询。[解答]。如需更多信息，欢迎随时联系我们。",
    "complaint": "感谢您的反馈，给您带来不好的体验，我们深表歉意。我已了解情况：[原因及处理方式]。",
    "praise": "非常感谢您的好评！我已转达给团队，您的鼓励对我们意义重大。",
    "cancellation": "已收到您取消[订单]的申请。[已为您取消 / 订单已发出，您可以免费退货]。退款将原路退回。",
    "address_change": "感谢告知。我已将[订单]的收货地址更新为[新地址]。如订单已出库，我会联系快递改派。",
    "warranty_claim": "很抱歉商品出现故障。该商品在保修期内（至[日期]）。请提供[序列号/照片]，我们将安排维修或换新。",
    "discount_request": "感谢您的询问。[我们可以/暂时无法]为该订单提供优惠；订阅我们的资讯可第一时间获取促销信息。",
    "technical_problem": "很抱歉给您带来困扰。请告诉我您使用的设备和应用版本，以及屏幕上显示的内容。"
    "您也可以先尝试[第一步]。",
    "return_label": "获取退货面单的方法如下：[步骤]。签收后30天内退货免费。",
}
_GENERIC = {
    "en": "Thank you for getting in touch. [Answer].",
    "zh": "感谢您的来信。[解答]。",
}


def template_reply(intent: str | None, language: str | None, *, name: str, agent: str) -> str:
    """The starting text for a reply in the ticket's language (English unless it is Chinese)."""
    if language == "zh":
        body = _ZH_BODY.get(intent or "", _GENERIC["zh"])
        return f"{name}，您好：\n\n{body}\n\n祝好，\n{agent}"
    body = _EN_BODY.get(intent or "", _GENERIC["en"])
    return f"Hello {name},\n\n{body}\n\nBest regards,\n{agent}"
