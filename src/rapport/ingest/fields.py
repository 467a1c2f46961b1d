"""The fields a file can be mapped to, per entity: each with its kind (how it is cleaned), limits and the header
names (English and Chinese) that usually mean it. A public contract for the mapping page and presets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ENTITIES: Final = ("customers", "companies", "products", "orders", "interactions", "tickets")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, block, name, emails, phones, gender, bool, date, datetime, amount, currency, int, country…
    synonyms: tuple[str, ...] = ()
    max_length: int = 200
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # spelling → stored value, for kind "choice"
    help: str = ""


def _f(name: str, kind: str, synonyms: str = "", **options: object) -> Field:
    words = tuple(s.strip() for s in synonyms.split("|") if s.strip())
    return Field(name, kind, words, **options)  # type: ignore[arg-type]


def _choices(spec: str) -> dict[str, str]:
    """`value: spelling, spelling; value: …` → {spelling: value}, each value also spelling itself."""
    out: dict[str, str] = {}
    for group in spec.split(";"):
        value, _, spellings = group.partition(":")
        value = value.strip()
        out[value] = value
        for spelling in spellings.split(","):
            if spelling.strip():
                out[spelling.strip().lower()] = value
    return out


LIFECYCLE = _choices(
    "lead: new lead, subscriber, 线索, 潜客; prospect: opportunity, mql, sql, marketing qualified lead, "
    "sales qualified lead, 潜在客户, 意向客户; customer: active, client, evangelist, 客户, 成交客户, 老客户; "
    "churned: lost, inactive, former customer, cancelled, 流失, 流失客户"
)
ORDER_STATUS = _choices(
    "pending: draft, unpaid, authorized, pending payment, partially_paid, 待付款, 待支付; "
    "paid: activated, 已付款, 已支付, "
    "open, processing; shipped: fulfilled, partially_fulfilled, in transit, 已发货, 运输中; "
    "delivered: completed, complete, 已签收, 已送达, 已完成; cancelled: canceled, voided, void, 已取消; "
    "returned: refunded, partially_refunded, 已退款, 已退货"
)
ORDER_CHANNEL = _choices(
    "web: online store, website, online, shopify, 网站, 官网, 网店; app: mobile, mobile app, ios, android, "
    "小程序, 应用; store: pos, retail, shop, in store, 门店, 线下; marketplace: amazon, ebay, tmall, taobao, jd, "
    "天猫, 淘宝, 京东, 拼多多; phone: telephone, call, 电话"
)
INTERACTION_KIND = _choices(
    "email: mail, e-mail, 邮件; chat: live chat, im, wechat, whatsapp, sms, 微信, 在线客服, 聊天; "
    "call_note: call, phone call, phone, call note, 电话, 通话; review: rating, product review, 评价, 评论; "
    "note: comment, internal note, 备注"
)
DIRECTION = _choices(
    "inbound: incoming, received, in, from customer, customer, 呼入, 来信, 客户; "
    "outbound: outgoing, sent, out, to customer, agent, 呼出, 回复; internal: private, 内部"
)
TICKET_STATUS = _choices(
    "new: 新建, 新; open: in progress, assigned, 处理中, 待处理; pending: waiting, on hold, hold, 等待, 挂起; "
    "solved: resolved, done, fixed, 已解决; closed: 已关闭, 关闭"
)
PRIORITY = _choices(
    "low: p4, minor, 低; normal: medium, p3, 中, 普通, 一般; high: p2, major, 高; "
    "urgent: critical, blocker, p1, p0, 紧急, 非常紧急"
)
TICKET_CHANNEL = _choices(
    "email: mail, 邮件; chat: live chat, im, 微信, 聊天; phone: call, 电话; web: form, 网页; widget"
)

_CUSTOMER_REF = (
    _f(
        "customer_external_id",
        "text",
        "customer id|contact id|account id|customer external id|客户编号|客户id|会员id",
        max_length=128,
    ),
    _f("customer_email", "emails", "email|customer email|contact email|e-mail|邮箱|客户邮箱|电子邮件"),
)

FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "customers": (
        _f(
            "external_id",
            "text",
            "id|record id|customer id|contact id|external id|客户编号|客户id|编号",
            max_length=128,
        ),
        _f("full_name", "name", "name|full name|contact name|customer name|姓名|名字|客户名称|客户姓名|联系人"),
        _f("first_name", "name", "first name|given name|forename|firstname|名", max_length=100),
        _f("last_name", "name", "last name|surname|family name|lastname|姓", max_length=100),
        _f("email", "emails", "email|e-mail|email address|mail|primary email|邮箱|电子邮件|电子邮箱|邮件地址"),
        _f("email_2", "emails", "other email|secondary email|work email|additional emails|备用邮箱|其他邮箱"),
        _f("phone", "phones", "phone|phone number|telephone|tel|primary phone|电话|联系电话|电话号码"),
        _f("mobile", "phones", "mobile|cell|mobile phone|cell phone|mobile phone number|手机|手机号|手机号码"),
        _f("gender", "gender", "gender|sex|性别"),
        _f("birth_date", "date", "birthday|birth date|date of birth|dob|birthdate|生日|出生日期"),
        _f("language", "language", "language|preferred language|locale|语言"),
        _f("address_line1", "text", "address|street|street address|address line 1|地址|详细地址|街道", max_length=300),
        _f("city", "text", "city|town|城市|市", max_length=100),
        _f("region", "text", "state|province|region|county|state/region|省|省份|地区", max_length=100),
        _f("postal_code", "text", "zip|zip code|postal code|postcode|邮编|邮政编码", max_length=20),
        _f("country", "country", "country|country/region|nation|country code|国家|国家/地区"),
        _f("company", "text", "company|company name|account name|organization|employer|公司|公司名称|单位"),
        _f("owner_email", "emails", "owner|contact owner|owner email|account manager|负责人|归属销售"),
        _f("lifecycle_stage", "choice", "lifecycle stage|stage|lifecycle|客户阶段|生命周期", choices=LIFECYCLE),
        _f("tags", "list", "tags|labels|segments|标签"),
        _f("consent_email", "bool", "email opt in|accepts marketing|subscribed|marketing consent|newsletter|订阅"),
        _f("email_opt_out", "bool", "email opt out|unsubscribed|has opted out of email|do not email|退订"),
        _f("consent_sms", "bool", "sms opt in|sms consent|accepts sms marketing|短信订阅"),
        _f("notes", "block", "notes|note|comments|description|remarks|备注|说明", max_length=10_000),
        _f("created_at", "datetime", "created at|create date|created|created date|signup date|创建时间|注册时间"),
    ),
    "companies": (
        _f("external_id", "text", "id|record id|account id|company id|external id|公司编号", max_length=128),
        _f("name", "text", "name|company name|account name|organization|公司|公司名称|名称", required=True),
        _f("domain", "domain", "domain|website|url|company domain name|web|网址|官网", max_length=200),
        _f("industry", "text", "industry|sector|vertical|行业", max_length=100),
        _f("employees", "int", "employees|number of employees|headcount|size|员工人数|规模"),
        _f("country", "country", "country|country/region|billing country|国家"),
        _f("city", "text", "city|billing city|城市", max_length=100),
        _f("owner_email", "emails", "owner|account owner|owner email|负责人"),
        _f("notes", "block", "notes|description|about|备注|简介", max_length=10_000),
    ),
    "products": (
        _f("external_id", "text", "id|product id|external id|商品id", max_length=128),
        _f("sku", "text", "sku|product code|item code|variant sku|商品编码|货号|编码", max_length=64, required=True),
        _f("name", "text", "name|product name|title|item name|商品名称|品名|名称"),
        _f("name_zh", "text", "chinese name|name zh|中文名|中文名称"),
        _f("category", "text", "category|product type|type|类别|分类|品类", max_length=100),
        _f("brand", "text", "brand|vendor|manufacturer|品牌|厂商", max_length=100),
        _f("price", "amount", "price|unit price|list price|variant price|价格|单价|售价"),
        _f("currency", "currency", "currency|currency code|币种|货币"),
        _f("stock", "int", "stock|inventory|quantity on hand|variant inventory qty|库存|库存数量"),
        _f("description", "message", "description|body|body html|details|描述|详情", max_length=20_000),
    ),
    "orders": (
        _f("external_id", "text", "id|order id|external id", max_length=128),
        _f("number", "text", "order number|order no|order|name|number|订单号|订单编号", max_length=40, required=True),
        *_CUSTOMER_REF,
        _f("customer_name", "name", "billing name|customer name|customer|客户姓名|收货人|买家"),
        _f("customer_phone", "phones", "billing phone|phone|customer phone|电话|收货人电话|手机"),
        _f("placed_at", "datetime", "created at|order date|date|placed at|下单时间|订单日期|创建时间", required=True),
        _f("status", "choice", "financial status|status|order status|订单状态|状态", choices=ORDER_STATUS),
        _f("channel", "choice", "source|channel|sales channel|来源|渠道", choices=ORDER_CHANNEL),
        _f("currency", "currency", "currency|currency code|币种|货币"),
        _f("sku", "text", "lineitem sku|sku|product sku|item sku|商品编码|货号", max_length=64),
        _f("product_name", "text", "lineitem name|product|product name|item|商品名称|商品"),
        _f("quantity", "int", "lineitem quantity|quantity|qty|数量|购买数量"),
        _f("unit_price", "amount", "lineitem price|unit price|price|单价|商品单价"),
        _f("discount", "amount", "discount amount|discount|优惠|折扣|优惠金额"),
        _f("shipping", "amount", "shipping|shipping cost|delivery fee|运费"),
        _f("total", "amount", "total|order total|amount|grand total|总价|实付金额|订单金额|金额"),
        _f("shipped_at", "datetime", "fulfilled at|shipped at|发货时间"),
        _f("tracking_number", "text", "tracking number|tracking|快递单号|运单号|物流单号", max_length=64),
    ),
    "interactions": (
        _f("external_id", "text", "id|message id|activity id|external id|消息id", max_length=128),
        *_CUSTOMER_REF,
        _f("kind", "choice", "kind|type|activity type|channel|类型|渠道", choices=INTERACTION_KIND),
        _f("direction", "choice", "direction|from|方向", choices=DIRECTION),
        _f("subject", "text", "subject|title|主题|标题", max_length=300),
        _f(
            "body",
            "message",
            "body|message|text|content|comment|review|消息|内容|正文|评价内容",
            required=True,
            max_length=100_000,
        ),
        _f("occurred_at", "datetime", "date|time|timestamp|created at|sent at|occurred at|时间|日期", required=True),
        _f("rating", "rating", "rating|stars|score|评分|星级"),
        _f("product_sku", "text", "sku|product sku|product code|商品编码", max_length=64),
        _f("language", "language", "language|lang|语言"),
    ),
    "tickets": (
        _f("external_id", "text", "id|ticket id|ticket number|case number|external id|工单号|工单编号", max_length=128),
        *_CUSTOMER_REF,
        _f("subject", "text", "subject|title|summary|主题|标题", max_length=300, required=True),
        _f("body", "message", "description|body|message|first message|content|描述|内容", max_length=100_000),
        _f("status", "choice", "status|state|状态", choices=TICKET_STATUS),
        _f("priority", "choice", "priority|urgency|优先级", choices=PRIORITY),
        _f("channel", "choice", "channel|source|via|渠道|来源", choices=TICKET_CHANNEL),
        _f("created_at", "datetime", "created at|created|opened|date|创建时间|提交时间"),
        _f("intent", "text", "intent|category|type|reason|类别|问题类型", max_length=60),
        _f("language", "language", "language|lang|语言"),
        _f("assignee_email", "emails", "assignee|agent|owner|assigned to|处理人|负责人"),
    ),
}


def fields_of(entity: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS[entity]}
