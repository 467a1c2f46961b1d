"""Name, place and number tables behind `people.make_person`, parsed once at import so each draw is a few lookups."""

import random
from collections.abc import Callable, Sequence
from typing import Final, Literal, TypeVar

T = TypeVar("T")

Gender = Literal["female", "male", "unknown"]
Contact = tuple[str, dict[str, str]]  # (E.164 phone, address) drawn together so area codes match the city

_EN_FEMALE = """
Emma Olivia Ava Sophia Isabella Mia Charlotte Amelia Harper Evelyn Abigail Emily Elizabeth Sofia Madison Avery Ella
Scarlett Grace Chloe Victoria Riley Aria Lily Zoey Penelope Lillian Addison Layla Natalie Camila Hannah Brooklyn Zoe
Nora Leah Savannah Audrey Claire Eleanor Skylar Ellie Samantha Stella Violet Allison Anna Hazel Aaliyah Lucy Caroline
Sarah Maya Ruby Naomi Alice Quinn Lydia Melanie Julia Katherine Madeline Elena Vivian Jessica Sophie Lauren Megan
Rebecca Laura Rachel Amy Jennifer Michelle Karen Susan Linda Patricia Margaret Nancy Sandra Helen Fiona Siobhan Niamh
Priya Aisha Maria Rosa Fatima Bethany Imogen Freya Georgia
"""
_EN_MALE = """
Liam Noah William James Oliver Benjamin Elijah Lucas Mason Logan Alexander Ethan Jacob Michael Daniel Henry Jackson
Sebastian Aiden Matthew Samuel David Joseph Carter Owen Wyatt John Jack Luke Dylan Isaac Gabriel Julian Mateo Anthony
Lincoln Joshua Christopher Andrew Theodore Caleb Ryan Nathan Thomas Leo Isaiah Charles Hudson Christian Hunter Connor
Eli Ezra Aaron Adrian Jonathan Nolan Elias Cameron Robert Nicholas Dominic Adam Ian Austin Jordan Cooper Evan Xavier
Jose Miles Jason Richard Mark Steven Paul Kevin Brian George Edward Kenneth Timothy Jeffrey Scott Eric Stephen Gregory
Patrick Frank Raymond Harry Alfie Callum Rhys Declan Arjun Rahul Omar Carlos Diego Luis
"""
_EN_LAST = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson
Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez
Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins
Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Romero Patterson Hamilton Graham
Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Stevens Murray Ford Marshall Owens
Harrison Fernandez McDonald Woods Kennedy Wells Chen Freeman Webb Tucker Burns Crawford Olson Simpson Porter Hunter
Gordon Silva Shaw Snyder Mason Dixon Hunt Holmes Palmer Wagner Black Robertson Boyd Rose Stone Fox Warren Mills Meyer
Schmidt Ferguson Nichols Weaver Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce Hansen Hart Bradley Knight
Elliott Cunningham Duncan Armstrong Carroll Lane Riley Andrews Berry Hoffman Johnston Matthews Richards Carpenter
Lawrence O'Brien O'Connor MacLeod Davies Thomson Byrne Walsh Singh Khan Wong Tan
"""

# city|state|ZIP prefixes|area codes
_US_CITIES = """
New York|NY|100 101 102 104|212 646 917 332
Brooklyn|NY|112|718 347 929
Los Angeles|CA|900 901|213 310 323 424
San Francisco|CA|941|415 628
San Diego|CA|919 921|619 858
San Jose|CA|951|408 669
Sacramento|CA|958|916 279
Chicago|IL|606|312 773 872
Houston|TX|770|713 281 832
Dallas|TX|752|214 469 972
Austin|TX|787|512 737
Phoenix|AZ|850|602 480 623
Philadelphia|PA|191|215 267
Pittsburgh|PA|152|412
Seattle|WA|981|206 253 425
Portland|OR|972|503 971
Denver|CO|802|303 720
Boston|MA|021|617 857
Atlanta|GA|303|404 470 678
Miami|FL|331|305 786
Orlando|FL|328|407 321
Tampa|FL|336|813 656
Minneapolis|MN|554|612
Detroit|MI|482|313
Nashville|TN|372|615 629
Charlotte|NC|282|704 980
Raleigh|NC|276|919 984
Columbus|OH|432|614 380
Salt Lake City|UT|841|801 385
Las Vegas|NV|891|702 725
Kansas City|MO|641|816
St. Louis|MO|631|314
Baltimore|MD|212|410 443
Washington|DC|200|202
Madison|WI|537|608
"""
# city|region|outward codes
_UK_CITIES = """
London|Greater London|SW1A SW11 SE1 SE15 E1 E14 N1 N7 NW1 NW3 W1D W11 EC1V WC2H
London|Greater London|SW6 SW19 SE10 E8 E17 N16 W4 W5
Manchester|Greater Manchester|M1 M4 M14 M20
Birmingham|West Midlands|B1 B5 B15 B30
Leeds|West Yorkshire|LS1 LS6 LS11
Liverpool|Merseyside|L1 L8 L17
Bristol|Bristol|BS1 BS6 BS8
Sheffield|South Yorkshire|S1 S10 S11
Newcastle upon Tyne|Tyne and Wear|NE1 NE2 NE6
Nottingham|Nottinghamshire|NG1 NG5 NG7
Edinburgh|Scotland|EH1 EH3 EH10
Glasgow|Scotland|G1 G12 G41
Cardiff|Wales|CF10 CF11 CF24
Belfast|Northern Ireland|BT1 BT7 BT9
Brighton|East Sussex|BN1 BN2 BN3
Oxford|Oxfordshire|OX1 OX2 OX4
Cambridge|Cambridgeshire|CB1 CB2 CB4
"""
# city|province|forward sortation areas|area codes
_CA_CITIES = """
Toronto|ON|M5V M4C M6H M5A M4Y|416 647 437
Ottawa|ON|K1P K2P K1S|613 343
Mississauga|ON|L5B L5M L4Z|905 289
Hamilton|ON|L8P L8S|905 289
Montreal|QC|H2X H3A H2T H4A|514 438
Quebec City|QC|G1R G1K|418 581
Vancouver|BC|V6B V5K V6K|604 778 236
Victoria|BC|V8V V8W|250 778
Calgary|AB|T2P T3A T2R|403 587 825
Edmonton|AB|T5J T6E|780 587
Winnipeg|MB|R3C R2M|204 431
Halifax|NS|B3H B3K|902 782
Saskatoon|SK|S7K S7N|306 639
"""
# city|state|first postcode|last postcode
_AU_CITIES = """
Sydney|NSW|2000|2234
Sydney|NSW|2000|2234
Melbourne|VIC|3000|3207
Melbourne|VIC|3000|3207
Brisbane|QLD|4000|4179
Perth|WA|6000|6199
Adelaide|SA|5000|5199
Canberra|ACT|2600|2617
Hobart|TAS|7000|7019
Gold Coast|QLD|4209|4230
Newcastle|NSW|2280|2308
Darwin|NT|800|832
"""
_STREET_NAMES = """
Oak Maple Cedar Pine Elm Washington Lake Hill Park Main Church Spring Ridge Sunset Highland Lincoln Jefferson Madison
Franklin Willow Meadow River Forest Chestnut Walnut Cherry Magnolia Birch Aspen Hickory Sycamore Laurel Valley Mill
Center Union Market Water Bay Harbor Grove Orchard Prospect Summit Fairview Greenwood Lakeview Riverside Westwood
"""
_UK_STREET_NAMES = """
High Church Station Victoria Park Mill Queens King Manor Albert Grange Windsor Stanley Oxford Cromwell Beech Elm
Chestnut Orchard Meadow Brook Willow Abbey Castle Chapel Bridge Springfield Salisbury Mount Pleasant
"""
_US_SUFFIXES = "Street Street Avenue Avenue Road Drive Lane Boulevard Court Way Place Terrace St Ave Rd Dr"
_UK_SUFFIXES = "Road Road Street Street Lane Close Avenue Crescent Gardens Terrace Grove Drive Way Place"
_AU_SUFFIXES = "Street Street Road Avenue Parade Crescent Place Drive Terrace Highway"
_UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_CA_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"

# Chinese surnames with their pinyin and a frequency weight (roughly per ten thousand people).
_ZH_SURNAMES = """
李 li 79|王 wang 71|张 zhang 71|刘 liu 54|陈 chen 45|杨 yang 31|黄 huang 22|赵 zhao 20|吴 wu 20|周 zhou 19
徐 xu 17|孙 sun 15|马 ma 15|朱 zhu 13|胡 hu 13|郭 guo 12|何 he 12|高 gao 11|林 lin 11|罗 luo 10|郑 zheng 10
梁 liang 9|谢 xie 8|宋 song 8|唐 tang 8|许 xu 7|韩 han 7|冯 feng 7|邓 deng 7|曹 cao 7|彭 peng 6|曾 zeng 6
肖 xiao 6|田 tian 6|董 dong 5|袁 yuan 5|潘 pan 5|于 yu 5|蒋 jiang 5|蔡 cai 5|余 yu 5|杜 du 5|叶 ye 5|程 cheng 5
苏 su 4|魏 wei 4|吕 lv 4|丁 ding 4|任 ren 4|沈 shen 4|姚 yao 4|卢 lu 4|姜 jiang 4|崔 cui 4|钟 zhong 4|谭 tan 3
陆 lu 3|汪 wang 3|范 fan 3|金 jin 3|石 shi 3|廖 liao 3|贾 jia 3|夏 xia 3|韦 wei 3|付 fu 3|方 fang 3|白 bai 3
邹 zou 3|孟 meng 3|熊 xiong 3|秦 qin 3|邱 qiu 3|江 jiang 3|尹 yin 2|薛 xue 2|闫 yan 2|段 duan 2|雷 lei 2|侯 hou 2
龙 long 2|史 shi 2|陶 tao 2|黎 li 2|贺 he 2|顾 gu 2|毛 mao 2|郝 hao 2|龚 gong 2|邵 shao 2|万 wan 2|钱 qian 2
严 yan 2|覃 qin 2|武 wu 2|戴 dai 2|莫 mo 2|孔 kong 2|向 xiang 2|汤 tang 2|欧阳 ouyang 1|上官 shangguan 1
司马 sima 1|诸葛 zhuge 1
"""
_ZH_GIVEN_FEMALE = """
芳 fang|娜 na|敏 min|静 jing|丽 li|艳 yan|婷 ting|雪 xue|琳 lin|慧 hui|颖 ying|洁 jie|玲 ling|燕 yan|霞 xia
红 hong|梅 mei|萍 ping|倩 qian|晶 jing|欣 xin|璐 lu|瑶 yao|薇 wei|蕾 lei|露 lu|雯 wen|怡 yi|蓉 rong|琴 qin
媛 yuan|青 qing|曼 man|秀英 xiuying|桂英 guiying|秀兰 xiulan|玉兰 yulan|桂兰 guilan|丽娟 lijuan|海燕 haiyan
小红 xiaohong|晓燕 xiaoyan|春梅 chunmei|丽华 lihua|美玲 meiling|淑芬 shufen|雅琴 yaqin|晓丽 xiaoli
婷婷 tingting|丹丹 dandan|欣怡 xinyi|子涵 zihan|雨萱 yuxuan|梓涵 zihan|诗涵 shihan|可馨 kexin|思琪 siqi
雨涵 yuhan|佳怡 jiayi|梦瑶 mengyao|一诺 yinuo|语桐 yutong|若汐 ruoxi|雅婷 yating|佳琪 jiaqi|晓雯 xiaowen
文静 wenjing|慧敏 huimin|雪梅 xuemei|玉珍 yuzhen|凤英 fengying|春燕 chunyan|美华 meihua|丽萍 liping
晓红 xiaohong|梦婷 mengting|欣然 xinran|思雨 siyu|紫萱 zixuan|嘉欣 jiaxin|芷若 zhiruo|婉清 wanqing
静怡 jingyi|晓彤 xiaotong|雨桐 yutong|安琪 anqi|秋菊 qiuju|冬梅 dongmei|海霞 haixia|艳红 yanhong
丽丽 lili|莉莉 lili|晶晶 jingjing|佳佳 jiajia|悦 yue|彤 tong
"""
_ZH_GIVEN_MALE = """
伟 wei|强 qiang|磊 lei|军 jun|勇 yong|杰 jie|涛 tao|明 ming|超 chao|刚 gang|平 ping|辉 hui|鹏 peng|华 hua
飞 fei|鑫 xin|波 bo|斌 bin|宇 yu|浩 hao|凯 kai|健 jian|俊 jun|帆 fan|旭 xu|龙 long|阳 yang|峰 feng|亮 liang
毅 yi|建国 jianguo|建华 jianhua|建军 jianjun|志强 zhiqiang|志明 zhiming|晓明 xiaoming|国强 guoqiang
国华 guohua|海涛 haitao|海波 haibo|文军 wenjun|永强 yongqiang|卫东 weidong|红军 hongjun|德明 deming
俊杰 junjie|浩然 haoran|子轩 zixuan|宇航 yuhang|浩宇 haoyu|梓豪 zihao|宇轩 yuxuan|子豪 zihao|皓轩 haoxuan
博文 bowen|天佑 tianyou|铭泽 mingze|睿哲 ruizhe|一鸣 yiming|思远 siyuan|嘉豪 jiahao|俊熙 junxi|文博 wenbo
明轩 mingxuan|志伟 zhiwei|建平 jianping|立新 lixin|振华 zhenhua|家豪 jiahao|伟东 weidong|小龙 xiaolong
少华 shaohua|春生 chunsheng|金龙 jinlong|海军 haijun|学军 xuejun|成龙 chenglong|大伟 dawei|晓东 xiaodong
宏伟 hongwei|鹏飞 pengfei|云飞 yunfei|振宇 zhenyu|子健 zijian|承泽 chengze|逸凡 yifan|俊宇 junyu
永康 yongkang|鑫磊 xinlei|晨阳 chenyang
"""
# Mobile number blocks of China Mobile, Unicom and Telecom; the busiest blocks appear twice.
_ZH_MOBILE_PREFIXES = """
130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 166 173 175 176 177 178
180 181 182 183 184 185 186 187 188 189 191 198 199 135 136 138 139 186 188
"""
# city|region|postal prefix|weight|district:street pairs
_ZH_CITIES = """
上海市|上海市|200|5|静安区:南京西路 静安区:延安中路 黄浦区:淮海中路 黄浦区:南京东路 徐汇区:漕溪北路 徐汇区:衡山路
上海市|上海市|200|0|浦东新区:世纪大道 浦东新区:张杨路 长宁区:愚园路 杨浦区:国定路 闵行区:七莘路 普陀区:长寿路
北京市|北京市|100|5|朝阳区:建国路 朝阳区:朝阳北路 海淀区:中关村大街 海淀区:学院路 东城区:东直门内大街
北京市|北京市|100|0|西城区:西单北大街 丰台区:丰台北路 通州区:新华大街 昌平区:回龙观西大街
广州市|广东省|510|4|天河区:天河路 天河区:体育西路 越秀区:中山五路 越秀区:北京路 海珠区:江南大道中 白云区:机场路
深圳市|广东省|518|4|南山区:深南大道 南山区:科技园路 福田区:福华三路 福田区:华强北路 罗湖区:人民南路 宝安区:宝安大道
杭州市|浙江省|310|3|西湖区:文三路 西湖区:天目山路 上城区:解放路 拱墅区:湖墅南路 滨江区:江南大道 余杭区:文一西路
成都市|四川省|610|3|锦江区:春熙路 锦江区:红星路 武侯区:人民南路四段 青羊区:长顺街 高新区:天府大道 成华区:建设路
武汉市|湖北省|430|2|江汉区:解放大道 武昌区:中南路 洪山区:珞喻路 江岸区:沿江大道 汉阳区:汉阳大道
南京市|江苏省|210|2|鼓楼区:中山北路 玄武区:中山路 秦淮区:太平南路 建邺区:江东中路 栖霞区:仙林大道
西安市|陕西省|710|2|雁塔区:长安南路 碑林区:东大街 莲湖区:西大街 未央区:凤城八路
重庆市|重庆市|400|2|渝中区:民族路 渝北区:金开大道 江北区:建新北路 沙坪坝区:小龙坎正街 南岸区:南坪正街
天津市|天津市|300|2|和平区:南京路 河西区:友谊路 南开区:鞍山西道 滨海新区:中心大道
苏州市|江苏省|215|2|姑苏区:人民路 工业园区:星湖街 吴中区:东吴北路
长沙市|湖南省|410|1|芙蓉区:五一大道 岳麓区:麓山南路 天心区:劳动西路 雨花区:韶山中路
青岛市|山东省|266|1|市南区:香港中路 市北区:辽宁路 崂山区:海尔路 黄岛区:长江中路
厦门市|福建省|361|1|思明区:中山路 思明区:湖滨南路 湖里区:湖里大道 集美区:集美大道
"""
_COMMON_DOMAINS = """
gmail.com gmail.com gmail.com gmail.com gmail.com gmail.com outlook.com outlook.com hotmail.com yahoo.com yahoo.com
icloud.com icloud.com proton.me brightpath.io kestrelsoftware.com bluewater-consulting.com northfieldhealth.org
summitlaw.com lumenanalytics.co
"""
_COUNTRY_DOMAINS = {
    "US": "aol.com comcast.net att.net gmail.com",
    "GB": "btinternet.com yahoo.co.uk sky.com hotmail.co.uk",
    "CA": "shaw.ca rogers.com sympatico.ca gmail.com",
    "AU": "bigpond.com optusnet.com.au outlook.com.au gmail.com",
}
_ZH_DOMAINS = """
qq.com qq.com qq.com qq.com qq.com qq.com qq.com 163.com 163.com 163.com 163.com 163.com 126.com 126.com 126.com
gmail.com gmail.com sina.com foxmail.com outlook.com 139.com sohu.com
"""


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """`rng.choice` at half the cost (one float draw, no bit rejection): make_person's budget is tight."""
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, stop: int) -> int:
    """A uniform int in [0, stop), the cheap way (see `pick`)."""
    return int(rng.random() * stop)


def between(rng: random.Random, start: int, stop: int) -> int:
    """A uniform int in [start, stop), like `rng.randrange(start, stop)` but cheaper (see `pick`)."""
    return start + int(rng.random() * (stop - start))


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isascii() and ch.isalpha())


def _rows(block: str) -> list[list[str]]:
    return [line.split("|") for line in block.strip().splitlines()]


def _entries(block: str) -> list[list[str]]:
    """Split a `a b|c d` table whose entries are separated by `|` or line breaks into [[a, b], [c, d]]."""
    return [entry.split() for entry in block.replace("\n", "|").split("|") if entry.strip()]


EN_FIRST_NAMES: Final[tuple[tuple[str, str, Gender], ...]] = tuple(
    [(name, _slug(name), "female") for name in _EN_FEMALE.split()]
    + [(name, _slug(name), "male") for name in _EN_MALE.split()]
)
EN_LAST_NAMES: Final = tuple((name, _slug(name)) for name in _EN_LAST.split())
EN_COUNTRY_DRAW: Final = ("US",) * 11 + ("GB",) * 4 + ("CA",) * 2 + ("AU",) * 3
EN_DOMAINS: Final = {
    country: tuple(_COMMON_DOMAINS.split() + extra.split()) for country, extra in _COUNTRY_DOMAINS.items()
}
ZH_SURNAME_DRAW: Final = tuple(
    (surname, pinyin) for surname, pinyin, weight in _entries(_ZH_SURNAMES) for _ in range(int(weight))
)
ZH_GIVEN_NAMES: Final[tuple[tuple[str, str, Gender], ...]] = tuple(
    [(given, pinyin, "female") for given, pinyin in _entries(_ZH_GIVEN_FEMALE)]
    + [(given, pinyin, "male") for given, pinyin in _entries(_ZH_GIVEN_MALE)]
)
ZH_MOBILE_PREFIXES: Final = tuple(_ZH_MOBILE_PREFIXES.split())
ZH_DOMAINS: Final = tuple(_ZH_DOMAINS.split())

_US: Final = tuple(
    (city, state, tuple(zips.split()), tuple(areas.split())) for city, state, zips, areas in _rows(_US_CITIES)
)
_UK: Final = tuple((city, region, tuple(codes.split())) for city, region, codes in _rows(_UK_CITIES))
_CA: Final = tuple(
    (city, prov, tuple(fsas.split()), tuple(areas.split())) for city, prov, fsas, areas in _rows(_CA_CITIES)
)
_AU: Final = tuple((city, state, int(lo), int(hi)) for city, state, lo, hi in _rows(_AU_CITIES))
_ZH: Final = tuple(
    (city, region, prefix, tuple(tuple(pair.split(":")) for pair in pairs.split()))
    for city, region, prefix, weight, pairs in _rows(_ZH_CITIES)
    for _ in range(max(int(weight), 1))
)
_STREETS: Final = tuple(_STREET_NAMES.split())
_UK_STREETS: Final = tuple(_UK_STREET_NAMES.split())
_US_SUFFIX_DRAW: Final = tuple(_US_SUFFIXES.split())
_UK_SUFFIX_DRAW: Final = tuple(_UK_SUFFIXES.split())
_AU_SUFFIX_DRAW: Final = tuple(_AU_SUFFIXES.split())


def _north_american_phone(rng: random.Random, area: str) -> str:
    exchange = between(rng, 200, 1000)
    if exchange % 100 == 11:  # N11 codes (411, 911 …) are service numbers, never exchanges
        exchange += 1
    return f"+1{area}{exchange}{below(rng, 10_000):04d}"


def _house_number(rng: random.Random) -> int:
    return between(rng, 1, 120) if rng.random() < 0.6 else between(rng, 120, 9_800)


def _us_contact(rng: random.Random) -> Contact:
    city, state, zips, areas = pick(rng, _US)
    line1 = f"{_house_number(rng)} {pick(rng, _STREETS)} {pick(rng, _US_SUFFIX_DRAW)}"
    if rng.random() < 0.25:
        line1 += f", Apt {between(rng, 1, 40)}{pick(rng, 'ABCD')}"
    address = {
        "line1": line1,
        "city": city,
        "region": state,
        "postal_code": f"{pick(rng, zips)}{below(rng, 100):02d}",
        "country": "US",
    }
    return _north_american_phone(rng, pick(rng, areas)), address


def _ca_contact(rng: random.Random) -> Contact:
    city, province, fsas, areas = pick(rng, _CA)
    line1 = f"{_house_number(rng)} {pick(rng, _STREETS)} {pick(rng, _US_SUFFIX_DRAW)}"
    if rng.random() < 0.3:
        line1 = f"{between(rng, 101, 2400)}-{line1}"  # Canadian unit-first style: 1203-88 Queen Street
    local = f"{below(rng, 10)}{pick(rng, _CA_LETTERS)}{below(rng, 10)}"
    address = {
        "line1": line1,
        "city": city,
        "region": province,
        "postal_code": f"{pick(rng, fsas)} {local}",
        "country": "CA",
    }
    return _north_american_phone(rng, pick(rng, areas)), address


def _uk_contact(rng: random.Random) -> Contact:
    city, region, outwards = pick(rng, _UK)
    line1 = f"{between(rng, 1, 240)} {pick(rng, _UK_STREETS)} {pick(rng, _UK_SUFFIX_DRAW)}"
    if rng.random() < 0.2:
        line1 = f"Flat {between(rng, 1, 30)}, {line1}"
    inward = f"{below(rng, 10)}{pick(rng, _UK_INWARD_LETTERS)}{pick(rng, _UK_INWARD_LETTERS)}"
    address = {
        "line1": line1,
        "city": city,
        "region": region,
        "postal_code": f"{pick(rng, outwards)} {inward}",
        "country": "GB",
    }
    return f"+447{between(rng, 4, 10)}{below(rng, 100_000_000):08d}", address


def _au_contact(rng: random.Random) -> Contact:
    city, state, first, last = pick(rng, _AU)
    line1 = f"{between(rng, 1, 400)} {pick(rng, _STREETS)} {pick(rng, _AU_SUFFIX_DRAW)}"
    if rng.random() < 0.25:
        line1 = f"{between(rng, 1, 60)}/{line1}"  # Australian unit style: 4/27 George Street
    address = {
        "line1": line1,
        "city": city,
        "region": state,
        "postal_code": f"{between(rng, first, last + 1):04d}",
        "country": "AU",
    }
    return f"+614{below(rng, 100_000_000):08d}", address


CONTACT_MAKERS: Final[dict[str, Callable[[random.Random], Contact]]] = {
    "US": _us_contact,
    "GB": _uk_contact,
    "CA": _ca_contact,
    "AU": _au_contact,
}


def make_chinese_address(rng: random.Random) -> dict[str, str]:
    city, region, prefix, pairs = pick(rng, _ZH)
    district, street = pick(rng, pairs)
    line1 = f"{district}{street}{between(rng, 1, 1500)}号"
    roll = rng.random()
    if roll < 0.4:
        line1 += f"{between(rng, 1, 20)}号楼{between(rng, 1, 33)}{between(rng, 1, 9):02d}室"
    elif roll < 0.7:
        line1 += f"{between(rng, 1, 12)}栋{between(rng, 1, 6)}单元{between(rng, 1, 28)}{between(rng, 1, 5):02d}"
    return {
        "line1": line1,
        "city": city,
        "region": region,
        "postal_code": f"{prefix}{below(rng, 1000):03d}",
        "country": "CN",
    }
