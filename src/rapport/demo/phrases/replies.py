"""What support agents write back, per intent and language; the promises match the knowledge-base policies."""

from typing import Final

from rapport.demo.phrases import Language, Sentiment

# "{name}" is the customer's first name, "{agent}" the agent's. Chinese service staff do not address customers by
# their given name alone, so the Chinese greetings leave it out.
GREETINGS: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "Hi {name},",
        "Hello {name},",
        "Dear {name},",
        "Hi {name}, thanks for getting in touch.",
        "Hi there,",
        "Hello,",
    ),
    "zh": ("您好！", "亲，您好～", "您好，这里是港松优品客服。", "您好，很高兴为您服务～"),
}

EMPATHY: Final[dict[Language, dict[Sentiment, tuple[str, ...]]]] = {
    "en": {
        "positive": ("Thank you so much for your kind words!", "What a lovely message to receive, thank you!"),
        "neutral": ("Thanks for reaching out.", "Thanks for your message.", "Happy to help with this."),
        "negative": (
            "I'm sorry to hear about this.",
            "Sorry for the trouble, and thanks for letting us know.",
            "I understand how frustrating this is.",
        ),
        "very_negative": (
            "I'm truly sorry - this is not the experience we want you to have.",
            "I completely understand your frustration, and I apologise.",
            "You're right to be upset, and I'm sorry we let you down.",
        ),
    },
    "zh": {
        "positive": ("非常感谢您的认可与支持！", "收到您的表扬，我们特别开心！"),
        "neutral": ("感谢您的咨询。", "收到您的消息啦。", "很高兴为您服务。"),
        "negative": ("非常抱歉给您带来不便。", "很抱歉让您久等了。", "理解您的心情，给您添麻烦了。"),
        "very_negative": ("真的非常抱歉，这次的体验确实很糟糕。", "完全理解您的不满，我们向您郑重道歉。"),
    },
}

ACTIONS: Final[dict[Language, dict[str, tuple[str, ...]]]] = {
    "en": {
        "order_status": (
            "I've checked order #{order}: it left our warehouse yesterday with {courier} and should reach you "
            "within 2-3 business days.",
            "Your order is being packed and will ship within 24 hours. You'll get a tracking email as soon as it does.",
            "Tracking can take 24-48 hours to update after the label is created, so it may look stuck for a day.",
        ),
        "refund_request": (
            "I've issued a refund of {amount} to your original payment method. Please allow 5-7 business days for "
            "it to appear.",
            "Your return for order #{order} has been received and inspected, so the refund went out today. Banks "
            "usually take 5-7 business days to show it.",
            "The refund was issued on our side. If it hasn't appeared after 7 business days, send us a screenshot of "
            "your statement and we'll trace it with the bank.",
        ),
        "late_delivery": (
            "I've opened a trace with {courier} for order #{order}. If there's no movement within 2 business days, "
            "we'll send a replacement or refund you - whichever you prefer.",
            "As your order is {days} days late, I've refunded the shipping fee.",
            "The parcel is delayed at the carrier's depot. I've asked them to prioritise it and will update you.",
        ),
        "damaged_item": (
            "Could you reply with a photo of the damage and the packaging? We'll then send a replacement free of "
            "charge - there's no need to return the damaged item.",
            "I've arranged a replacement {product}. It will ship within 1 business day.",
            "I've refunded {amount} for the damaged item. Please don't worry about sending it back.",
        ),
        "wrong_item": (
            "I've sent the correct item today and emailed you a prepaid return label for the one you received.",
            "The missing {product} is on its way separately - sometimes larger orders ship in two parcels.",
            "I've arranged an exchange for order #{order}; return shipping is on us.",
        ),
        "account_access": (
            "I've sent a new password reset link to your email address. It's valid for 60 minutes, so please use it "
            "soon and check your spam folder too.",
            "Your account was locked after five failed attempts. It unlocks automatically after 30 minutes, but I've "
            "unlocked it for you now.",
            "For your security I've signed out all sessions and locked the account. Please set a new password with "
            "the link we've just sent.",
        ),
        "billing_error": (
            "I can see two charges for order #{order}. One is a pending authorisation that your bank will release "
            "within 3-5 business days; only one payment was actually taken.",
            "I've refunded the duplicate charge of {amount}. It will appear within 5-7 business days.",
            "I've corrected the invoice and refunded the difference to your original payment method.",
        ),
        "product_question": (
            "The {product} is in stock and ships within 1 business day.",
            "Yes, it works with both iOS and Android. The full specifications are under 'Details' on the product page.",
            "We expect new stock of the {product} in about two weeks. Click 'Notify me' on the product page and "
            "we'll email you the moment it's back.",
        ),
        "complaint": (
            "I've passed your feedback to the team lead, and I've added a goodwill credit to your account.",
            "I've escalated this to our customer experience manager, who will call you within 1 business day.",
            "I've reviewed your case and we should have handled it better. Here's what I've done to put it right.",
        ),
        "praise": (
            "I've shared your message with the whole team - it really made our day.",
            "We're so glad you love the {product}. Enjoy it!",
        ),
        "cancellation": (
            "I've cancelled order #{order} before it shipped. The full amount will be refunded to your original "
            "payment method within 5-7 business days.",
            "Unfortunately order #{order} has already shipped, so it can't be cancelled, but you can return it within "
            "30 days of delivery.",
            "Your Plus membership is cancelled and won't renew. You keep the benefits until the end of the period.",
        ),
        "address_change": (
            "I've updated the delivery address for order #{order}.",
            "Your order has already been handed to {courier}, so we can't change the address on our side, but you "
            "can request a redirect from the tracking page.",
            "Done - the order will now go to the new address. Please double-check it in your account.",
        ),
        "warranty_claim": (
            "Your {product} is covered by our warranty (2 years for electronics, 1 year for everything else), so "
            "I've approved a replacement.",
            "Could you send a short video of the fault and your order number? We'll then arrange a repair or "
            "replacement.",
            "Accidental damage isn't covered by the warranty, but I can offer a discounted repair.",
        ),
        "discount_request": (
            "I've applied the code to order #{order} and refunded the difference of {amount}.",
            "Discount codes can't be combined, but I've made sure the larger discount was applied.",
            "The price dropped within 14 days of your purchase, so I've refunded the difference under our price "
            "adjustment policy.",
        ),
        "technical_problem": (
            "Error {code} usually clears after a reset: hold the power button for 10 seconds, then update to the "
            "latest firmware in the Harbor Home app.",
            "I'm sorry about error {code}. Our troubleshooting guide has the exact steps. If it appears again, reply "
            "with your order number and we'll replace the device under warranty.",
            "Please stop charging the {product} if it gets hot and send us your order number - we'll replace it "
            "straight away.",
        ),
        "return_label": (
            "I've emailed you a prepaid return label for order #{order}. You can also show the QR code at the drop-off "
            "point, no printer needed.",
            "You can create a label any time under Account > Orders > Return items. It arrives by email within a few "
            "minutes.",
            "As the item was faulty, the return label is free. I've just sent it to you.",
        ),
        "privacy_request": (
            "We've received your request and will complete it within 30 days. We'll email you once it's done.",
            "I've unsubscribed you from all marketing emails. It can take up to 48 hours to take effect.",
            "I've forwarded your request to our privacy team (privacy@harborandpine.example), who will confirm by "
            "email.",
        ),
    },
    "zh": {
        "order_status": (
            "帮您查询了，订单{order}已经由{courier}揽收，预计1-3天送达，请留意物流信息。",
            "您的订单正在打包中，24小时内发出，发货后会短信通知您。",
            "物流信息一般在揽收后24-48小时更新，暂时没显示是正常的，请您放心。",
        ),
        "refund_request": (
            "已为您办理退款{amount}，将原路退回，预计5-7个工作日到账。",
            "仓库已签收并验收您的退货，退款今天已经发起，5-7个工作日内到账。",
            "我们这边显示退款已完成，如7个工作日后仍未到账，请提供一下账单截图，我们帮您核查。",
        ),
        "late_delivery": (
            "已经帮您联系{courier}加急处理订单{order}，如2个工作日内物流仍无更新，我们为您补发或全额退款。",
            "订单晚到了{days}天，运费已经为您退回，给您添麻烦了。",
            "包裹目前滞留在转运中心，已登记催件，有进展会第一时间通知您。",
        ),
        "damaged_item": (
            "麻烦您拍一下商品和外包装的照片发给我们，核实后马上为您免费补发，破损的商品不用寄回。",
            "已为您安排补发{product}，1个工作日内发出。",
            "破损商品的{amount}已为您退款，商品不用寄回了。",
        ),
        "wrong_item": (
            "正确的商品今天给您补发，发错的商品请用我们提供的免费退货单寄回即可。",
            "少的{product}是分开包裹发的，另一个包裹也在路上了。",
            "已为您登记换货，来回运费都由我们承担。",
        ),
        "account_access": (
            "已向您的邮箱重新发送重置密码链接，60分钟内有效，也请查看一下垃圾邮件。",
            "账号因连续5次输错密码被临时锁定，30分钟后会自动解锁，现在已经帮您手动解锁了。",
            "为了您的账号安全，我们已退出所有登录设备并临时冻结账号，请通过刚发送的链接重新设置密码。",
        ),
        "billing_error": (
            "查询到订单{order}有两笔记录，其中一笔是银行预授权，3-5个工作日内会自动解冻，实际只扣了一次款。",
            "重复扣除的{amount}已经为您退回，5-7个工作日内到账。",
            "发票已经为您更正，多收的部分已原路退回。",
        ),
        "product_question": (
            "{product}目前有现货，下单后24小时内发货。",
            "支持的，iOS和安卓都可以用，详细参数在商品详情页的规格参数里。",
            "{product}预计两周左右到货，您可以在商品页点击“到货通知”，到货后第一时间提醒您。",
        ),
        "complaint": (
            "您的反馈已经转给主管，同时给您的账户发放了一张补偿券。",
            "已为您升级处理，客户体验经理会在1个工作日内给您回电。",
            "我们复盘了您的情况，确实是我们处理得不好，以下是为您做的补救。",
        ),
        "praise": ("已经把您的表扬转达给团队了，大家都很受鼓舞！", "很高兴您喜欢{product}，祝您使用愉快！"),
        "cancellation": (
            "订单{order}已为您取消，款项将原路退回，5-7个工作日到账。",
            "订单{order}已经发货了，暂时无法取消，您可以在签收后30天内申请退货。",
            "会员自动续费已为您关闭，当前会员期内的权益可以继续使用。",
        ),
        "address_change": (
            "订单{order}的收货地址已经帮您修改好了。",
            "包裹已经交给{courier}了，我们这边无法修改，您可以在物流页面申请改派。",
            "已改好，新地址会同步到这个订单，麻烦您在账户里再核对一下。",
        ),
        "warranty_claim": (
            "您的{product}在保修期内（电子产品两年，其他商品一年），已为您安排换新。",
            "麻烦您提供订单号和一段故障视频，我们确认后为您安排维修或更换。",
            "人为损坏不在保修范围内，不过可以为您提供优惠的付费维修。",
        ),
        "discount_request": (
            "已为订单{order}补用优惠券，差价{amount}已原路退回。",
            "优惠券不能叠加使用，已经帮您选了优惠力度最大的那张。",
            "您购买后14天内降价，符合价保规则，差价已经退给您了。",
        ),
        "technical_problem": (
            "出现{code}一般重置一下就好：长按电源键10秒，再在Harbor Home App里把固件升级到最新版本。",
            "抱歉给您带来困扰，{code}的处理步骤在帮助中心有详细说明，如果还是出现，请把订单号发给我们，直接为您保修换新。",
            "如果{product}充电时发烫，请先停止使用，把订单号发给我们，我们马上为您更换。",
        ),
        "return_label": (
            "已为订单{order}提交退货申请并预约了顺丰上门取件，快递员会自带面单，不用打印。",
            "您可以在“我的订单-申请退货”里自助生成退货单，并预约顺丰上门取件。",
            "商品有质量问题，退货运费由我们承担，面单已经发给您了。",
        ),
        "privacy_request": (
            "已收到您的申请，我们会在15个工作日内处理完毕，完成后邮件通知您。",
            "营销短信和邮件已经为您全部退订，48小时内生效。",
            "已将您的申请转交隐私保护团队，处理结果会通过邮件告知您。",
        ),
    },
}

FOLLOW_UPS: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "Let me know if there's anything else I can help with.",
        "If you have any other questions, just reply to this email.",
        "I'll keep an eye on this and update you.",
        "Is there anything else I can do for you today?",
    ),
    "zh": ("如有其他问题，随时联系我们。", "还有什么可以帮您的吗？", "后续有进展会第一时间通知您。", "祝您生活愉快！"),
}

SIGN_OFFS: Final[dict[Language, tuple[str, ...]]] = {
    "en": (
        "Best regards,\n{agent}\nHarbor & Pine Customer Care",
        "Kind regards,\n{agent}",
        "Thanks,\n{agent} | Harbor & Pine Support",
        "Warm wishes,\n{agent}",
    ),
    "zh": ("港松优品客服 {agent}", "客服{agent}", "—— 港松优品 {agent}", "{agent}"),
}

AGENTS: Final[dict[Language, tuple[str, ...]]] = {
    "en": ("Mia", "Daniel", "Priya", "Sam", "Olivia", "Marcus", "Hannah", "Leo"),
    "zh": ("小林", "小周", "小雨", "阿杰", "小美", "小唐"),
}
