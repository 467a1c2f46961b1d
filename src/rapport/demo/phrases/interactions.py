"""Emails, chats, call notes and internal notes, per language; call notes and notes are written by staff.

Placeholders as in tickets_en, plus {name} (the customer's first name) and {agent} (a staff first name). Chinese
texts do not address the customer by given name alone, which would read oddly.
"""

from typing import Final

from rapport.demo.phrases import Language

EMAILS: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "Hi {name},\n\nThanks for your recent order of the {product}. How are you finding it so far? If anything "
        "isn't right, just reply to this email.\n\nBest,\n{agent}",
        "Hi,\n\nJust confirming the replacement arrived today and works perfectly. Thanks for the quick help!",
        "Hello,\n\nFollowing up on our call - could you send me an invoice for order #{order}? I need it for my "
        "expenses.\n\nThanks,\n{name}",
        "Hi {name},\n\nGood news: the {product} you asked about is back in stock. We've set one aside for you for "
        "48 hours.\n\nKind regards,\n{agent}",
        "Hi {name},\n\nYour Plus membership renews next week. As a member you get free express shipping and free "
        "returns - no action needed if you'd like to keep it.\n\nThanks,\n{agent}",
        "Hello,\n\nIs it possible to order 20 units of {sku} for our office? We'd need them by the end of the "
        "month.\n\nRegards,\n{name}",
        "Hi {name},\n\nWe noticed order #{order} was returned to us by {courier} as undeliverable. Could you confirm "
        "your address so we can send it again?\n\nBest,\n{agent}",
        "Hi there,\n\nI'd like to update my email preferences - fewer newsletters, but keep the order updates please.",
        "Hi {name},\n\nThank you for your patience. Your refund of {amount} has been processed and should reach you "
        "within 5-7 business days.\n\n{agent}",
        "Hello,\n\nMy company would like to open a business account. Who should I speak to?\n\nThanks",
        "Hello,\n\nThanks for calling us today. As promised, you can start a return any time under Account > Orders > "
        "Return items.\n\nBest,\n{agent}",
        "Hi,\n\nDo you have a catalogue or price list I could share with my team? We're furnishing a new office.",
    ),
    "zh": (
        "亲爱的会员，您好：\n\n感谢您购买{product}，使用还满意吗？"
        "如有任何问题，直接回复这封邮件即可。\n\n港松优品 {agent}",
        "你好，\n\n补发的商品今天收到了，一切正常，谢谢你们这么快处理！",
        "您好：\n\n接电话时说的发票，麻烦把订单{order}的电子发票发到这个邮箱，公司报销要用。\n\n谢谢",
        "您好：\n\n您关注的{product}已经到货，我们为您预留48小时，欢迎下单。\n\n客服{agent}",
        "尊敬的会员，您好：\n\n您的Plus会员将于下周自动续费，续费后继续享受顺丰包邮和免费退货，如需取消可在账户中操作。\n\n{agent}",
        "你好，\n\n我们公司想采购20个{sku}，月底前要，能给个报价吗？",
        "您好：\n\n订单{order}被{courier}退回了，显示地址无法投递，麻烦确认一下收货地址，我们重新为您发出。\n\n{agent}",
        "您好，\n\n营销邮件能不能少发一点？订单通知保留就行。",
        "您好：\n\n您的退款{amount}已经处理，预计5-7个工作日原路到账，感谢您的耐心等待。\n\n{agent}",
        "你好，\n\n我们是一家小公司，想开通企业采购账户，请问找谁对接？\n\n谢谢",
    ),
}

# A chat is a few turns; "C:" lines are the customer's, "A:" lines the agent's.
CHATS: Final[dict[Language, tuple[tuple[str, ...], ...]]] = {
    "en": (
        (
            "C: hi, is anyone there?",
            "A: Hi, {agent} here! How can I help?",
            "C: where's my order #{order}?",
            "A: It's with {courier} and due tomorrow.",
            "C: great thanks",
        ),
        (
            "C: Does the {product} come in other colours?",
            "A: It does - the colour options are on the product page.",
            "C: perfect, thanks!",
        ),
        (
            "C: my discount code isn't working",
            "A: Sorry about that! Which code are you using?",
            "C: WELCOME10",
            "A: That one is for first orders only, but I can apply 10% to this order for you.",
            "C: amazing, thank you",
        ),
        (
            "C: I want to talk to a human",
            "A: You're talking to one! I'm {agent}. What's going on?",
            "C: my parcel is {days} days late",
            "A: I'm sorry. I've opened a trace with the courier and will email you.",
        ),
        (
            "C: can I change my delivery address?",
            "A: If the order hasn't shipped yet, yes. What's the order number?",
            "C: {order}",
            "A: Done, the new address is saved.",
        ),
        ("C: how long do refunds take?", "A: 5-7 business days after we receive the return.", "C: ok thanks"),
        (
            "C: getting error {code} on my {product}",
            "A: Could you try holding the power button for 10 seconds?",
            "C: that worked!",
            "A: Great, glad it's sorted.",
        ),
        (
            "C: Hello, is the {product} in stock?",
            "A: Yes, and it ships today if you order before 2pm.",
            "C: Ordered, thanks",
        ),
        (
            "C: do you ship to Canada?",
            "A: We do! International Standard takes 7-12 business days, and duties are prepaid at checkout.",
            "C: great, thanks",
        ),
        (
            "C: what time are you open?",
            "A: Our team is here Monday to Friday 8am-8pm ET and Saturday 9am-5pm ET.",
            "C: ok cool",
        ),
        (
            "C: how do I return something?",
            "A: Go to Account > Orders > Return items. The label arrives by email within a few minutes.",
            "C: found it, thanks",
        ),
    ),
    "zh": (
        (
            "C: 在吗",
            "A: 您好，我是客服{agent}，请问有什么可以帮您？",
            "C: 我的订单{order}到哪了",
            "A: 已经由{courier}揽收，预计明天送达。",
            "C: 好的谢谢",
        ),
        ("C: {product}有别的颜色吗", "A: 有的，商品页可以选颜色哦～", "C: 好的"),
        (
            "C: 优惠券用不了",
            "A: 抱歉，您用的是哪张券呢？",
            "C: WELCOME10",
            "A: 这张是新人首单券，不过我可以帮您这单打九折。",
            "C: 太好了，谢谢",
        ),
        (
            "C: 转人工",
            "A: 您好，我是人工客服{agent}，请问遇到什么问题了？",
            "C: 快递晚了{days}天还没到",
            "A: 非常抱歉，已经帮您催件了，有消息马上通知您。",
        ),
        ("C: 地址能改吗", "A: 还没发货的话可以改，订单号是多少呢？", "C: {order}", "A: 已经帮您改好了。"),
        ("C: 退款多久到账", "A: 仓库收到退货后5-7个工作日原路退回哦。", "C: 好的"),
        ("C: {product}显示{code}怎么办", "A: 您先长按电源键10秒重启试试？", "C: 好了！", "A: 好的，有问题随时找我们～"),
        ("C: {product}有现货吗", "A: 有的，下午4点前下单当天发货。", "C: 好，下单了"),
        ("C: 可以开发票吗", "A: 可以的，确认收货后在“我的订单”里申请开票，1-3个工作日发到邮箱。", "C: 好的"),
        ("C: 客服几点下班", "A: 人工客服每天9:00-21:00在线，其他时间智能助手也可以帮您～", "C: 好的谢谢"),
        ("C: 怎么退货", "A: 在“我的订单-申请售后”里提交，可以预约顺丰上门取件哦。", "C: 找到了"),
    ),
}

CALL_NOTES: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "Called customer about renewal; interested in upgrading to Plus, follow up next week.",
        "Inbound call: {name} asked about order #{order}. Confirmed it shipped with {courier}.",
        "Left voicemail re: warranty claim for the {product}. Will try again tomorrow.",
        "Customer called upset about late delivery ({days} days). Refunded shipping; customer accepted.",
        "Spoke with {name} about a bulk order of {product} for their office. Sending a quote by Friday.",
        "Outbound call to confirm new address before dispatch. Address verified.",
        "Customer asked how to reset password; walked through it on the phone. Resolved.",
        "Call dropped halfway through. Sent a follow-up email with the return instructions.",
        "Retention call: considering cancelling Plus because of price. Offered to pause instead; will decide by "
        "month end.",
        "Customer disputes a charge of {amount}. Explained the pending authorisation; they'll check with the bank.",
        "No answer. Second attempt this week.",
        "Long call (25 min) - customer wanted help choosing between two models. Recommended the {product}.",
    ),
    "zh": (
        "电话回访客户，对会员续费有兴趣，想了解Plus会员权益，下周再跟进。",
        "客户来电咨询订单{order}物流，已告知{courier}单号。",
        "未接通，已发短信提醒客户补充保修资料。",
        "客户来电投诉快递晚到{days}天，情绪较激动，已退运费，客户接受。",
        "与客户沟通公司团购{product}事宜，周五前发报价。",
        "发货前外呼确认新地址，已核实无误。",
        "客户不会重置密码，电话里一步步指导，已解决。",
        "通话中途断线，已发短信告知退货流程。",
        "挽留回访：客户嫌会员费贵想取消，建议暂停会员，月底前答复。",
        "客户对{amount}扣款有疑问，已解释是预授权，客户会再和银行确认。",
        "两次未接通，本周已联系两次。",
        "通话约25分钟，客户纠结两款型号，推荐了{product}。",
    ),
}

NOTES: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "VIP customer - always upgrade to express shipping.",
        "Prefers email over phone. Do not call before 10am.",
        "Possible duplicate of another account (same phone number). Check before merging.",
        "Runs a small café; potential B2B lead for kitchen supplies.",
        "Gave a one-off goodwill credit after the damaged {product}. Don't repeat without a manager.",
        "Has asked twice about the loyalty programme - good candidate for the Gold tier campaign.",
        "Customer is hard of hearing; use chat or email.",
        "Frequent returner (5 returns in 3 months). Flag for review.",
        "Bought the {product} as a gift; wants gift receipts on future orders.",
        "Asked us not to send marketing by SMS.",
    ),
    "zh": (
        "VIP客户，默认升级顺丰次日达。",
        "不喜欢电话联系，请发短信或邮件，上午10点前勿扰。",
        "可能与另一个账号重复（手机号相同），合并前请核对。",
        "客户是公司行政，有团购需求，可重点跟进。",
        "因{product}破损已发放一次补偿券，再次发放需主管审批。",
        "多次咨询会员积分，适合推送金卡会员活动。",
        "老客户，偏好顺丰，之前投诉过EMS派送慢。",
        "近三个月退货5次，需关注。",
        "{product}是买来送人的，以后订单记得附礼品单。",
        "客户要求不要发营销短信。",
    ),
}
