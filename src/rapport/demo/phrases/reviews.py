"""Product-review phrases: openers and closers by star rating, and praise or criticism per product aspect."""

from typing import Final

from rapport.demo.phrases import Language

# Keyed by star rating, 1 to 5; "{product}" is the product name.
OPENERS: Final[dict[Language, dict[int, tuple[str, ...]]]] = {
    "en": {
        5: (
            "Absolutely love this {product}!",
            "Best purchase I've made this year.",
            "Exceeded my expectations.",
            "Five stars, no hesitation.",
            "Really happy with the {product}.",
        ),
        4: (
            "Very good overall.",
            "Happy with this, just one small niggle.",
            "Does what it says.",
            "Solid purchase.",
            "Pretty pleased with the {product}.",
        ),
        3: (
            "It's okay.",
            "Mixed feelings about this one.",
            "Average - not bad, not great.",
            "Decent but not amazing.",
            "The {product} is fine, I suppose.",
        ),
        2: (
            "Disappointed.",
            "Not what I expected.",
            "Wouldn't buy again.",
            "Expected more for the price.",
            "The {product} let me down.",
        ),
        1: ("Total waste of money.", "Terrible.", "Avoid.", "Broke within a week.", "Do not buy this {product}."),
    },
    "zh": {
        5: ("非常满意！", "超级喜欢这个{product}！", "好评！", "买对了，强烈推荐", "第二次回购了"),
        4: ("整体不错", "挺好的，就是有点小瑕疵", "东西还可以，符合预期", "总体满意"),
        3: ("一般般吧", "中规中矩", "还行，没有想象中好", "{product}用着还凑合"),
        2: ("有点失望", "和描述不太一样", "不太推荐", "这个价格不值"),
        1: ("差评！", "质量太差了", "别买，踩雷了", "用了一周就坏了", "后悔买了这个{product}"),
    },
}

# aspect -> (praise, criticism)
ASPECTS: Final[dict[Language, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]] = {
    "en": {
        "quality": (
            (
                "The build quality is excellent and it feels really sturdy.",
                "Well made, the materials feel premium.",
                "Quality is much better than I expected at this price.",
            ),
            (
                "The quality is poor, it feels flimsy.",
                "Started falling apart after a couple of weeks.",
                "Cheap plastic that creaks when you hold it.",
            ),
        ),
        "price": (
            ("Great value for money.", "Worth every penny.", "Cheaper than in the shops and exactly the same thing."),
            ("Way overpriced for what you get.", "Not worth the money.", "You can find better for half the price."),
        ),
        "delivery": (
            (
                "Arrived the next day.",
                "Delivery was quick and the courier was friendly.",
                "Shipped fast and the tracking was accurate.",
            ),
            (
                "Delivery took almost two weeks.",
                "The parcel was left out in the rain.",
                "Arrived three days later than promised.",
            ),
        ),
        "packaging": (
            ("Nicely packaged with no plastic.", "Packaging was secure and it made a lovely gift."),
            (
                "The box was crushed when it arrived.",
                "Way too much packaging for such a small item.",
                "The seal on the box was already broken.",
            ),
        ),
        "battery": (
            ("Battery easily lasts a full week.", "Charges quickly and holds its charge well."),
            ("Battery barely lasts a day.", "The battery died completely after a month."),
        ),
        "size": (
            ("True to size and fits perfectly.", "The size is just right for my small flat."),
            ("Runs small, order a size up.", "Much smaller than it looks in the pictures."),
        ),
        "customer_service": (
            ("Customer service sorted out a small issue within hours.", "Support were friendly and helpful."),
            ("Customer service never answered my emails.", "Support kept sending me copy-paste answers."),
        ),
        "design": (
            ("Looks even better in person.", "Love the colour and the clean design."),
            ("The colour is nothing like the photos.", "Looks cheap in person."),
        ),
        "ease_of_use": (
            ("Super easy to set up.", "Intuitive to use straight out of the box."),
            ("The instructions are useless.", "Setting it up was a nightmare."),
        ),
    },
    "zh": {
        "quality": (
            ("做工很精细，质感很好", "用料扎实，没有异味", "质量比想象中好很多"),
            ("做工粗糙，有很多线头", "质量很差，用两周就开始坏了", "塑料感很强，很廉价"),
        ),
        "price": (
            ("性价比超高", "活动价入手很划算", "这个价格买到很值"),
            ("价格偏贵，不值这个钱", "比别家贵了不少", "刚买就降价了，心塞"),
        ),
        "delivery": (
            ("物流很快，隔天就到了", "顺丰发货，速度没得说", "快递小哥送货上门很贴心"),
            ("物流太慢了，等了一个多星期", "快递员直接放门口，也不打电话", "比预计晚了三天才到"),
        ),
        "packaging": (
            ("包装很用心，送人很有面子", "包装严实，没有任何磕碰"),
            ("外包装破了，盒子都压扁了", "包装太简陋了，就一个塑料袋"),
        ),
        "battery": (("续航很给力，充一次用一周", "充电很快"), ("续航太差，一天一充", "用了一个月电池就不行了")),
        "size": (("尺码标准，穿着很合身", "大小刚刚好"), ("尺码偏小，建议拍大一码", "比图片上看起来小很多")),
        "customer_service": (
            ("客服回复很快，态度也好", "有问题客服马上就解决了"),
            ("客服一直不回消息", "客服只会复制粘贴，解决不了问题"),
        ),
        "design": (("颜值很高，实物比图片还好看", "颜色很正"), ("有色差，和图片不一样", "实物看起来很廉价")),
        "ease_of_use": (("操作简单，老人也会用", "安装很方便，几分钟就搞定"), ("说明书看不懂", "设置太复杂了")),
    },
}

# Keyed by star rating, 1 to 5.
CLOSERS: Final[dict[Language, dict[int, tuple[str, ...]]]] = {
    "en": {
        5: ("Would definitely recommend.", "Will buy again.", "Highly recommend to anyone on the fence."),
        4: ("Would recommend.", "Happy overall.", "Would buy again at this price."),
        3: ("Might keep it, might not.", "Fine for the price.", "It'll do."),
        2: ("Probably returning it.", "Wouldn't recommend.", "Think twice."),
        1: ("Returning it.", "Save your money.", "Never again."),
    },
    "zh": {
        5: ("推荐购买！", "还会回购的", "已经推荐给朋友了"),
        4: ("推荐", "总体满意", "还会再买"),
        3: ("凑合用吧", "这个价格也就这样了", "一般"),
        2: ("不太推荐", "考虑退货了", "大家慎重"),
        1: ("已申请退货", "不会再买了", "大家别踩雷"),
    },
}

# Aspects that only make sense for some categories; any other aspect fits every product.
CATEGORY_ASPECTS: Final[dict[str, frozenset[str]]] = {
    "battery": frozenset({"Electronics", "Toys"}),
    "size": frozenset({"Apparel", "Home & Kitchen", "Sports & Outdoors", "Pet Supplies", "Office"}),
    "ease_of_use": frozenset({"Electronics", "Home & Kitchen", "Office", "Toys", "Pet Supplies"}),
}
