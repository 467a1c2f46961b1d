"""City and country to a coarse region: the generalisation used by pseudonymised exports and DP aggregates."""

from __future__ import annotations

# Chinese cities to the seven traditional regions; US cities to the four census regions. Other countries stay whole.
_CN = {
    "north": ("北京", "beijing", "天津", "tianjin", "石家庄", "shijiazhuang", "太原", "taiyuan", "呼和浩特", "hohhot"),
    "northeast": ("沈阳", "shenyang", "大连", "dalian", "长春", "changchun", "哈尔滨", "harbin"),
    "east": (
        "上海",
        "shanghai",
        "南京",
        "nanjing",
        "杭州",
        "hangzhou",
        "苏州",
        "suzhou",
        "宁波",
        "ningbo",
        "合肥",
        "hefei",
        "福州",
        "fuzhou",
        "厦门",
        "xiamen",
        "济南",
        "jinan",
        "青岛",
        "qingdao",
        "南昌",
        "nanchang",
        "无锡",
        "wuxi",
    ),
    "central": ("武汉", "wuhan", "长沙", "changsha", "郑州", "zhengzhou"),
    "south": (
        "广州",
        "guangzhou",
        "深圳",
        "shenzhen",
        "东莞",
        "dongguan",
        "南宁",
        "nanning",
        "海口",
        "haikou",
        "佛山",
        "foshan",
    ),
    "southwest": ("成都", "chengdu", "重庆", "chongqing", "昆明", "kunming", "贵阳", "guiyang", "拉萨", "lhasa"),
    "northwest": (
        "西安",
        "xi'an",
        "xian",
        "兰州",
        "lanzhou",
        "乌鲁木齐",
        "urumqi",
        "西宁",
        "xining",
        "银川",
        "yinchuan",
    ),
}
_US = {
    "northeast": ("new york", "boston", "philadelphia", "pittsburgh", "newark", "providence", "hartford", "buffalo"),
    "midwest": (
        "chicago",
        "detroit",
        "minneapolis",
        "columbus",
        "indianapolis",
        "milwaukee",
        "kansas city",
        "st. louis",
        "cleveland",
        "omaha",
        "cincinnati",
    ),
    "south": (
        "houston",
        "dallas",
        "austin",
        "san antonio",
        "atlanta",
        "miami",
        "charlotte",
        "nashville",
        "washington",
        "baltimore",
        "orlando",
        "tampa",
        "new orleans",
        "memphis",
        "louisville",
        "raleigh",
        "jacksonville",
    ),
    "west": (
        "los angeles",
        "san francisco",
        "seattle",
        "san diego",
        "portland",
        "denver",
        "phoenix",
        "las vegas",
        "san jose",
        "salt lake city",
        "sacramento",
        "oakland",
        "honolulu",
        "anchorage",
        "albuquerque",
    ),
}
_LOOKUP = {("CN", city): f"CN-{region}" for region, cities in _CN.items() for city in cities} | {
    ("US", city): f"US-{region}" for region, cities in _US.items() for city in cities
}


def region_of(country: str | None, city: str | None) -> str:
    """`CN-east`, `US-west`, the country code for other countries, `unknown` without a country."""
    country = (country or "").upper()
    if not country:
        return "unknown"
    key = (city or "").strip().lower().removesuffix("市")
    return _LOOKUP.get((country, key), f"{country}-other" if country in {"CN", "US"} else country)


REGIONS = tuple(sorted({*(_LOOKUP.values()), "CN-other", "US-other"}))
