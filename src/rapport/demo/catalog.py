"""The demo shop's product catalogue: categories, invented brands, bilingual product names, prices and stock."""

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Final


@dataclass(frozen=True, slots=True)
class ProductSpec:
    sku: str
    name_en: str
    name_zh: str
    category: str
    category_zh: str
    brand: str
    price: Decimal
    currency: str
    stock: int


@dataclass(frozen=True, slots=True)
class _ProductLine:
    name_en: str
    name_zh: str
    low: int
    high: int
    variant: str  # "c" colour, "s" shade, "f" book format, "-" none


@dataclass(frozen=True, slots=True)
class _Category:
    name: str
    name_zh: str
    sku_prefix: str
    brands: tuple[str, ...]
    variants: dict[str, tuple[tuple[str, str], ...]]
    lines: tuple[_ProductLine, ...]


def _category(name: str, name_zh: str, prefix: str, brands: str, variants: dict[str, str], lines: str) -> _Category:
    return _Category(
        name=name,
        name_zh=name_zh,
        sku_prefix=prefix,
        brands=tuple(brand.strip() for brand in brands.split(",")),
        variants={
            kind: tuple((en.strip(), zh.strip()) for en, zh in (pair.split(":") for pair in spec.split(",")))
            for kind, spec in variants.items()
        },
        lines=tuple(
            _ProductLine(en, zh, int(low), int(high), kind)
            for en, zh, low, high, kind in (line.split("|") for line in lines.strip().splitlines())
        ),
    )


_COLOURS = "Black:黑色, White:白色, Midnight Blue:午夜蓝, Silver:银色, Sage Green:鼠尾草绿"
_HOME_COLOURS = "Charcoal:炭灰色, Natural:原木色, Cream:奶白色, Sage:灰绿色, Terracotta:陶土红"
_CLOTH_COLOURS = "Navy:藏青色, Heather Grey:麻灰色, Olive:橄榄绿, Black:黑色, Oatmeal:燕麦色, Burgundy:酒红色"

_CATEGORIES: Final = (
    _category(
        "Electronics",
        "数码电子",
        "ELC",
        "Aurora, Voltix, Nimbus, Halcyon",
        {"c": _COLOURS},
        """
Wireless Noise-Cancelling Headphones|无线降噪耳机|79|299|c
True Wireless Earbuds|真无线蓝牙耳机|39|199|c
Portable Bluetooth Speaker|便携式蓝牙音箱|29|149|c
Smartwatch with Heart-Rate Monitor|心率监测智能手表|99|349|c
Fitness Tracker Band|智能运动手环|29|99|c
65W USB-C Fast Charger|65W USB-C 快充充电器|19|59|-
20000mAh Power Bank|20000mAh 移动电源|25|69|c
4K Action Camera|4K 运动相机|129|399|-
Wi-Fi Smart Plug, 2-Pack|Wi-Fi 智能插座（2只装）|19|39|-
Wireless Charging Pad|无线充电板|15|49|c
1080p Video Doorbell|1080p 可视门铃|79|199|-
Smart LED Desk Lamp|智能 LED 台灯|29|89|c
""",
    ),
    _category(
        "Home & Kitchen",
        "家居厨房",
        "HMK",
        "Hearthwell, Copperleaf, Maple & Mill, Nestory",
        {"c": _HOME_COLOURS},
        """
Bamboo Cutting Board Set|竹制砧板套装|19|49|-
Cast Iron Skillet, 10-inch|10英寸铸铁平底锅|24|69|-
Insulated Stainless Steel Water Bottle|不锈钢保温杯|15|39|c
Ceramic Coffee Mug Set of 4|陶瓷咖啡杯（4只装）|18|45|c
Non-Stick Frying Pan|不粘煎锅|22|79|-
Electric Kettle 1.7L|1.7升电热水壶|25|89|c
Glass Food Storage Containers, 10-Piece|玻璃保鲜盒（10件套）|24|59|-
Linen Duvet Cover|亚麻被套|59|179|c
Memory Foam Pillow|记忆棉枕头|29|89|-
Pour-Over Coffee Maker|手冲咖啡壶|19|59|-
Chef's Knife, 8-inch|8英寸主厨刀|35|149|-
Ultrasonic Aroma Diffuser|超声波香薰机|25|69|c
""",
    ),
    _category(
        "Apparel",
        "服饰",
        "APP",
        "Northline, Loomis & Co, Driftwood, Solstice",
        {"c": _CLOTH_COLOURS},
        """
Merino Wool Crew-Neck Sweater|美利奴羊毛圆领毛衣|59|129|c
Organic Cotton T-Shirt|有机棉T恤|15|35|c
Slim-Fit Stretch Jeans|修身弹力牛仔裤|39|89|c
Waterproof Rain Jacket|防水冲锋衣|69|189|c
Lightweight Down Jacket|轻薄羽绒服|99|249|c
Linen Button-Down Shirt|亚麻衬衫|39|79|c
Everyday Running Sneakers|日常跑步鞋|59|139|c
Wool Blend Scarf|羊毛混纺围巾|19|49|c
Leather Belt|真皮腰带|25|59|-
Cotton Crew Socks, 6-Pack|纯棉中筒袜（6双装）|12|24|-
Hooded Sweatshirt|连帽卫衣|35|75|c
Chino Trousers|卡其休闲裤|39|79|c
""",
    ),
    _category(
        "Beauty",
        "美妆个护",
        "BTY",
        "Petalune, Dewline, Saltmarsh Botanics, Clearleaf",
        {"s": "Rosewood:玫瑰木色, Brick Red:砖红色, Nude Pink:裸粉色, Berry:莓果色"},
        """
Hyaluronic Acid Hydrating Serum|玻尿酸保湿精华液|14|45|-
Vitamin C Brightening Cream|维C亮肤面霜|18|55|-
Gentle Foaming Cleanser|温和氨基酸洁面泡沫|9|25|-
Mineral Sunscreen SPF 50|物理防晒霜 SPF50|12|32|-
Argan Oil Shampoo|摩洛哥坚果油洗发水|9|24|-
Nourishing Hair Mask|滋养修护发膜|12|29|-
Matte Liquid Lipstick|哑光唇釉|9|24|s
Ionic Hair Dryer|负离子吹风机|39|129|-
Bamboo Makeup Brush Set|竹柄化妆刷套装|15|39|-
Lavender Body Lotion|薰衣草身体乳|9|22|-
Sheet Mask Variety Pack, 10-Count|补水面膜组合装（10片）|12|25|-
Rechargeable Electric Toothbrush|充电式电动牙刷|29|99|-
""",
    ),
    _category(
        "Sports & Outdoors",
        "运动户外",
        "SPT",
        "Trailborn, Summitcraft, Ridgeway, Bluefin",
        {"c": "Slate:石板灰, Forest Green:森林绿, Ocean Blue:海洋蓝, Coral:珊瑚橙, Black:黑色"},
        """
Non-Slip Yoga Mat, 6mm|6毫米防滑瑜伽垫|22|69|c
Adjustable Dumbbell Set|可调节哑铃套装|99|349|-
Ultralight 2-Person Camping Tent|超轻双人帐篷|89|279|c
Trekking Poles, Pair|登山杖（一对）|29|89|-
Hiking Backpack 30L|30升徒步双肩包|49|139|c
Resistance Bands Set|弹力带套装|12|35|-
High-Density Foam Roller|高密度泡沫轴|15|39|c
Cycling Helmet|骑行头盔|39|129|c
3-Season Sleeping Bag|三季睡袋|49|149|-
Jump Rope with Counter|计数跳绳|9|25|-
Stainless Steel Camping Cookware Set|不锈钢户外炊具套装|29|79|-
Anti-Fog Swim Goggles|防雾泳镜|12|35|c
""",
    ),
    _category(
        "Books",
        "图书",
        "BOK",
        "Lantern House, Northgate Books, Paper Crane Press, Willow & Ink",
        {"f": "Paperback:平装, Hardcover:精装"},
        """
The Art of Slow Cooking|慢炖的艺术|18|35|f
A Field Guide to Garden Birds|花园鸟类野外图鉴|15|29|f
Small Habits, Big Savings|小习惯，大储蓄|12|26|f
The Quiet Lighthouse|寂静的灯塔|10|24|f
Learn Python in 30 Days|30天学会Python|25|45|f
Mindful Mornings|正念清晨|12|22|f
Letters from the Salt Coast|盐岸来信|10|24|f
Small Spaces, Big Gardens|小空间，大花园|16|32|f
The Startup Playbook|创业实战手册|18|34|f
Bedtime Stories for Curious Kids|给好奇孩子的睡前故事|9|19|f
Watercolour for Beginners|零基础学水彩|14|28|f
The Last Train to Kyoto|开往京都的末班车|10|24|f
A Short History of Tea|茶的简史|14|28|f
Home Baking Made Simple|家庭烘焙轻松学|16|32|f
The Weekend Woodworker|周末木工坊|18|36|f
Running Your First Marathon|跑完你的第一场马拉松|14|26|f
The Cartographer's Daughter|制图师的女儿|10|24|f
Everyday Spanish for Travellers|旅行西班牙语日常会话|12|24|f
Sleep Better Tonight|今晚睡个好觉|12|24|f
The Little Book of Houseplants|室内绿植小百科|10|20|f
""",
    ),
    _category(
        "Toys",
        "玩具",
        "TOY",
        "Tinkertot, Brightblock, Moonbeam Kids, Whirlygig",
        {},
        """
Magnetic Building Tiles, 60-Piece|磁力片积木（60片）|29|79|-
Wooden Train Set|木质小火车套装|25|69|-
Remote Control Off-Road Car|遥控越野车|29|89|-
Plush Teddy Bear|毛绒泰迪熊|12|39|-
STEM Coding Robot Kit|STEM 编程机器人套件|39|129|-
1000-Piece Jigsaw Puzzle|1000片拼图|12|29|-
Kids' Art Easel|儿童画架|29|79|-
Dinosaur Figure Set|恐龙模型套装|15|35|-
Family Board Game|家庭桌游|19|45|-
Bubble Machine|泡泡机|12|29|-
Play Kitchen Set|过家家厨房玩具|49|149|-
Kids' Balance Bike|儿童平衡车|49|129|-
""",
    ),
    _category(
        "Grocery",
        "食品杂货",
        "GRC",
        "Golden Grove, Harvest Lane, Tidewater, Green Hollow",
        {},
        """
Organic Matcha Green Tea Powder, 100g|有机抹茶粉 100克|12|29|-
Single-Origin Coffee Beans, 500g|单一产地咖啡豆 500克|14|32|-
Extra Virgin Olive Oil, 1L|特级初榨橄榄油 1升|12|29|-
Raw Wildflower Honey, 500g|天然野花蜂蜜 500克|9|22|-
Unsalted Mixed Nuts, 1kg|原味混合坚果 1公斤|15|32|-
85% Dark Chocolate, 5-Pack|85%黑巧克力（5块装）|9|19|-
Jasmine Rice, 5kg|泰国茉莉香米 5公斤|12|25|-
Oolong Tea Gift Box|乌龙茶礼盒|19|59|-
Sparkling Water Variety Pack, 24 Cans|气泡水组合装（24罐）|12|24|-
Berry Granola, 750g|莓果燕麦脆 750克|6|14|-
Dried Mango Slices, 500g|芒果干 500克|7|15|-
Instant Ramen Variety Box, 12-Pack|拉面组合箱（12包）|12|22|-
""",
    ),
    _category(
        "Office",
        "办公用品",
        "OFF",
        "Inkwell, Deskline, Papyra, Quillmark",
        {"c": "Black:黑色, White:白色, Grey:灰色, Walnut:胡桃木色"},
        """
Ergonomic Mesh Office Chair|人体工学网椅|149|449|c
Height-Adjustable Standing Desk|电动升降办公桌|249|649|c
Wireless Ergonomic Mouse|无线人体工学鼠标|19|69|c
Mechanical Keyboard|机械键盘|49|159|c
Dotted Notebook A5|A5 点阵笔记本|8|22|-
Gel Pens, 12-Pack|中性笔（12支装）|7|16|-
Monitor Stand with Drawer|带抽屉显示器增高架|25|59|c
Desk Organizer|桌面收纳盒|15|39|c
Label Maker|标签打印机|29|79|-
A4 Laminator|A4 塑封机|29|69|-
Magnetic Whiteboard, 90x60cm|磁性白板 90x60厘米|35|89|-
Cross-Cut Paper Shredder|碎纸机|49|149|-
""",
    ),
    _category(
        "Pet Supplies",
        "宠物用品",
        "PET",
        "Happy Tails, Whiskerwood, Barkley & Co, Furrow",
        {},
        """
Grain-Free Dog Food, 12 lb|无谷狗粮 5.4公斤|29|69|-
Cat Scratching Post|猫抓柱|19|59|-
Orthopedic Memory Foam Dog Bed|记忆棉狗窝|39|129|-
Self-Cleaning Cat Litter Box|自动清洁猫砂盆|149|399|-
Retractable Dog Leash|自动伸缩牵引绳|12|35|-
Interactive Feather Cat Toy|逗猫棒|8|25|-
Stainless Steel Pet Bowl Set|不锈钢宠物碗套装|12|29|-
Clumping Cat Litter, 10kg|结团猫砂 10公斤|12|29|-
Dog Dental Chews, 30-Count|狗狗洁齿骨（30支）|12|32|-
Pet Water Fountain|宠物自动饮水机|25|59|-
Pet Carrier Backpack|宠物外出背包|35|89|-
Freeze-Dried Chicken Treats|冻干鸡肉零食|9|24|-
""",
    ),
)

CATEGORIES: Final[tuple[tuple[str, str], ...]] = tuple((c.name, c.name_zh) for c in _CATEGORIES)
_CENTS: Final = ("99", "99", "99", "49", "95", "00")
_OUT_OF_STOCK_RATE: Final = 0.08
_NAME_ATTEMPTS: Final = 40


def make_products(rng: random.Random, n: int = 240) -> list[ProductSpec]:
    """Draw `n` products spread evenly over the categories, with unique SKUs and unique English names."""
    used_names: set[str] = set()
    next_number = {c.sku_prefix: 10_001 + rng.randrange(40) for c in _CATEGORIES}
    products = []
    for i in range(n):
        category = _CATEGORIES[i % len(_CATEGORIES)]
        line, brand, name_en, name_zh = _draw_name(rng, category, used_names)
        used_names.add(name_en)
        number = next_number[category.sku_prefix]
        next_number[category.sku_prefix] = number + rng.randint(1, 29)
        products.append(
            ProductSpec(
                sku=f"{category.sku_prefix}-{number}",
                name_en=name_en,
                name_zh=name_zh,
                category=category.name,
                category_zh=category.name_zh,
                brand=brand,
                price=_price(rng, line),
                currency="USD",
                stock=_stock(rng),
            )
        )
    return products


def _draw_name(rng: random.Random, category: _Category, used: set[str]) -> tuple[_ProductLine, str, str, str]:
    for attempt in range(_NAME_ATTEMPTS * 2):
        line = rng.choice(category.lines)
        brand = rng.choice(category.brands)
        variant_en, variant_zh = "", ""
        options = category.variants.get(line.variant, ())
        if options and (line.variant == "f" or rng.random() < 0.6):
            variant_en, variant_zh = rng.choice(options)
        if line.variant == "f":  # books carry their title, not the publisher, in the name
            name_en = f"{line.name_en} ({variant_en})"
            name_zh = f"《{line.name_zh}》（{variant_zh}）"
        else:
            name_en = f"{brand} {line.name_en}" + (f", {variant_en}" if variant_en else "")
            name_zh = f"{brand} {line.name_zh}" + (f"（{variant_zh}）" if variant_zh else "")
        if attempt >= _NAME_ATTEMPTS:  # the category is nearly exhausted: number the generation instead
            generation = 2 + attempt - _NAME_ATTEMPTS
            name_en, name_zh = f"{name_en} Gen {generation}", f"{name_zh} 第{generation}代"
        if name_en not in used:
            return line, brand, name_en, name_zh
    raise ValueError(f"cannot draw another unique product name in {category.name}")


def _price(rng: random.Random, line: _ProductLine) -> Decimal:
    # Squaring skews prices towards the low end of the range, as real assortments are.
    dollars = line.low + int((line.high - line.low) * rng.random() ** 2)
    return Decimal(f"{dollars}.{rng.choice(_CENTS)}")


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < _OUT_OF_STOCK_RATE:
        return 0
    if roll < _OUT_OF_STOCK_RATE + 0.1:
        return rng.randint(1, 9)
    return rng.randint(10, 600)
