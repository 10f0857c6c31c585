"""Synthetic identities: names, 民族, birth dates, real area codes, addresses, valid ID numbers,
issuing bureaus and validity periods by 居民身份证法 §5.

Everything is drawn from a ``numpy.random.Generator`` so the same seed gives the same people.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from idrenew.customers.domain.idnumber import make_id_number
from idrenew.customers.domain.validity import expected_end

# The generator's "today": fixed so that output does not depend on the day it runs.
REFERENCE_DAY = date(2026, 11, 30)
FIRST_START = date(2006, 1, 1)  # validity starts are drawn from 2006 to REFERENCE_DAY

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐")
GIVEN_MALE = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清"
    "飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善"
    "厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
GIVEN_FEMALE = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛"
    "艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君"
    "琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸"
)

# 民族 with rough weights (汉 about 85 % as in the population, then the larger minorities).
ETHNICITIES = (
    ("汉", 0.85),
    ("回", 0.025),
    ("满", 0.02),
    ("壮", 0.025),
    ("维吾尔", 0.015),
    ("土家", 0.012),
    ("苗", 0.01),
    ("彝", 0.008),
    ("蒙古", 0.008),
    ("藏", 0.006),
    ("侗", 0.005),
    ("瑶", 0.004),
    ("朝鲜", 0.004),
    ("白", 0.004),
    ("哈尼", 0.004),
)

ROAD_WORDS = (
    "人民解放建设中山胜利和平文化新华长江黄河光明友谊朝阳东风红旗幸福团结青年学府迎宾滨江湖滨"
    "环城府前太平兴业振华发展民主工农育才桃园丰收金桥银河锦绣"
)
PLACE_WORDS = (
    "东西南北新老大小上下前后石李王张刘陈杨桥河湾坪岭沟塘湖山林园坡庄店营屯堡寨铺集岗洲溪坝"
)
ESTATE_SUFFIXES = ("小区", "花园", "家园", "苑", "新村", "公寓", "名城", "雅居")


@dataclass(frozen=True)
class Area:
    code: str
    province: str
    city: str  # "" under a municipality (北京 天津 上海 重庆)
    county: str
    issuer: str

    @property
    def prefix(self) -> str:
        """The administrative part of an address: 湖南省长沙市开福区 / 北京市朝阳区."""
        return f"{self.province}{self.city}{self.county}"

    @property
    def urban(self) -> bool:
        return self.county.endswith("区")


@dataclass(frozen=True)
class Identity:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth: date
    area: Area
    address: str  # as printed, lines joined
    id_number: str
    valid_from: date
    valid_to: date | None  # None = 长期
    issuer_text: str | None = None  # a bureau name other than the area's usual one

    @property
    def issuer(self) -> str:
        return self.issuer_text or self.area.issuer

    def front_fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "birth_date": self.birth.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
        }

    def back_fields(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "valid_from": format_period_day(self.valid_from),
            "valid_to": "长期" if self.valid_to is None else format_period_day(self.valid_to),
        }

    def fields(self) -> dict[str, str]:
        return {**self.front_fields(), **self.back_fields()}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["birth"] = self.birth.isoformat()
        data["valid_from"] = self.valid_from.isoformat()
        data["valid_to"] = None if self.valid_to is None else self.valid_to.isoformat()
        return data


def format_period_day(day: date) -> str:
    return f"{day:%Y.%m.%d}"


@functools.cache
def areas() -> tuple[Area, ...]:
    """The shipped county-level divisions (``areas.json``, real GB/T 2260 codes)."""
    data = json.loads((Path(__file__).with_name("areas.json")).read_text(encoding="utf-8"))
    return tuple(Area(**row) for row in data["areas"])


def _pick(rng: np.random.Generator, items: str | tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def make_name(rng: np.random.Generator, male: bool) -> str:
    """2–4 characters: a surname (now and then a compound one) and one or two given chars."""
    surname = _pick(rng, COMPOUND_SURNAMES) if rng.random() < 0.04 else _pick(rng, SURNAMES)
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given_len = 1 if rng.random() < 0.3 else 2
    given = "".join(_pick(rng, pool) for _ in range(given_len))
    return surname + given


def make_ethnicity(rng: np.random.Generator) -> str:
    names = [name for name, _ in ETHNICITIES]
    weights = np.array([w for _, w in ETHNICITIES])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _words(rng: np.random.Generator, pool: str, n: int) -> str:
    return "".join(_pick(rng, pool) for _ in range(n))


def make_street(rng: np.random.Generator, area: Area) -> str:
    """The part after the county: streets and house numbers in town, villages in the country."""
    n = int(rng.integers(1, 400))
    if area.urban or rng.random() < 0.35:
        road = _words(rng, ROAD_WORDS, 2) + _pick(rng, ("路", "街", "大道", "中路", "东路", "北街"))
        form = int(rng.integers(5))
        if form == 0:
            return f"{road}{n}号"
        if form == 1:
            building, unit = int(rng.integers(1, 30)), int(rng.integers(1, 6))
            room = int(rng.integers(1, 33)) * 100 + int(rng.integers(1, 5))
            return f"{road}{n}号{building}栋{unit}单元{room}室"
        if form == 2:
            estate = _words(rng, PLACE_WORDS + ROAD_WORDS, 2) + _pick(rng, ESTATE_SUFFIXES)
            return (
                f"{road}{n}号{estate}{int(rng.integers(1, 40))}栋{int(rng.integers(101, 2800))}号"
            )
        if form == 3:
            street = _words(rng, ROAD_WORDS, 2) + "街道"
            building, unit = int(rng.integers(1, 20)), int(rng.integers(1, 9))
            room = int(rng.integers(101, 1900))
            return f"{street}{road}{n}号院{building}号楼{unit}单元{room}号"
        return f"{road}{n}号附{int(rng.integers(1, 20))}号"
    town = _words(rng, PLACE_WORDS + ROAD_WORDS, 2) + _pick(rng, ("镇", "乡", "镇"))
    village = _words(rng, PLACE_WORDS, 2) + "村"
    form = int(rng.integers(3))
    if form == 0:
        return f"{town}{village}{int(rng.integers(1, 16))}组{n}号"
    if form == 1:
        return f"{town}{village}{_words(rng, PLACE_WORDS, 2)}组{n}号"
    return f"{town}{village}村民委员会{int(rng.integers(1, 12))}组"


def make_address(rng: np.random.Generator, area: Area) -> str:
    """A printed address of 13–33 characters (two or three card lines of at most 11)."""
    for _ in range(20):
        text = area.prefix + make_street(rng, area)
        if 13 <= len(text) <= 33:
            return text
    return (area.prefix + make_street(rng, area))[:33]


def _random_day(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _leap_day_near(day: date) -> date | None:
    for year in range(day.year, day.year - 4, -1):
        try:
            return date(year, 2, 29)
        except ValueError:
            continue
    return None


def make_birth(rng: np.random.Generator) -> date:
    """Ages 16–80 on ``REFERENCE_DAY``; 29 February now and then (a classic edge case)."""
    first = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - 80)
    last = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - 16)
    birth = _random_day(rng, first, last)
    if rng.random() < 0.02:
        leap = _leap_day_near(birth)
        if leap is not None and first <= leap <= last:
            birth = leap
    return birth


def make_validity(rng: np.random.Generator, birth: date) -> tuple[date, date | None]:
    """A start between 2006 and REFERENCE_DAY (mostly a recent renewal) and the end the law
    gives (``expected_end``: 5/10/20 years by age at the start, 长期 from 46)."""
    earliest = max(FIRST_START, _add_years(birth, 14) + timedelta(days=1))
    if earliest > REFERENCE_DAY:  # pragma: no cover - ages start at 16
        earliest = REFERENCE_DAY
    if rng.random() < 0.7:
        recent = max(earliest, REFERENCE_DAY - timedelta(days=5 * 365))
        start = _random_day(rng, recent, REFERENCE_DAY)
    else:
        start = _random_day(rng, earliest, REFERENCE_DAY)
    if rng.random() < 0.03:  # a card started on 29 February ends on 28 February
        leap = _leap_day_near(start)
        if leap is not None and earliest <= leap <= REFERENCE_DAY:
            start = leap
    return start, expected_end(birth, start)


def make_identity(rng: np.random.Generator) -> Identity:
    male = bool(rng.random() < 0.5)
    area = _pick_area(rng)
    birth = make_birth(rng)
    sequence = int(rng.integers(0, 500)) * 2 + (1 if male else 0)  # odd = male
    start, end = make_validity(rng, birth)
    return Identity(
        name=make_name(rng, male),
        sex="男" if male else "女",
        ethnicity=make_ethnicity(rng),
        birth=birth,
        area=area,
        address=make_address(rng, area),
        id_number=make_id_number(area.code, birth, sequence),
        valid_from=start,
        valid_to=end,
    )


def issuer_variant(area: Area) -> str | None:
    """Another name a real bureau of the area prints: the district's full name before 分局
    (成都市公安局武侯区分局 beside the rule's 武侯分局); None when the area has no such form."""
    stem = area.county[:-1]
    if area.county.endswith("区") and area.issuer.endswith(f"公安局{stem}分局"):
        return area.issuer[: -len(stem) - 2] + area.county + "分局"
    return None


def _pick_area(rng: np.random.Generator) -> Area:
    all_areas = areas()
    return all_areas[int(rng.integers(len(all_areas)))]
