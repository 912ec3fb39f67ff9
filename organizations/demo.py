"""The demo city's union tree and employers, generated in memory for ``seed_demo`` and
the benchmarks (``bench``).

Everything is drawn from one ``random.Random(seed)``: the same seed and sizes give the
same tree, names, codes and headcounts. The shape follows the Yangjiang Daily feature
(DOMAIN.md): 阳江市总工会, four county federations, one union per town on the real
divisions, 15 industry federations founded 2014–2018, a few sector unions, 33 city-level
(市直) base unions and, at the default size, 5,375 base unions covering 7,846 employers,
490 of them founded 2014–2018 (261 in non-public enterprises), plus employers without a
union (未建会): 17 with 100+ employees and many with 25+. Other sizes scale these figures.

Rows are built with their primary keys and materialized paths already assigned, so they
go into the database in bulk (``insert_rows``: COPY on PostgreSQL, one executemany on
SQLite) without a round trip per union. Bulk-loaded rows get no django-simple-history
records; for demo data that is fine (the history starts with the first real edit).
"""

import io
import math
from contextlib import contextmanager
from bisect import bisect
from itertools import accumulate
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.management.color import no_style
from django.db import connection

from organizations.models import Division, Employer, Organization
from organizations.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

K = Organization.Kind

# The newspaper's figures (2018-10) that the default size reproduces.
BASE_UNIONS = 5375
EMPLOYERS_COVERED = 7846
NEW_BASE_UNIONS = 490  # founded 2014-2018
NEW_NON_PUBLIC = 261
UNCOVERED_100 = 17  # employers with 100+ employees and no union
AS_OF = date(2018, 10, 31)
NEW_PERIOD_START = date(2014, 1, 1)

COUNTIES = [
    ("441702", "江城区"), ("441704", "阳东区"), ("441721", "阳西县"), ("441781", "阳春市"),
]
# Towns where industry and people concentrate get more base unions.
TOWN_WEIGHTS = {
    "441702001": 4, "441702002": 4, "441702003": 3, "441702004": 3, "441702006": 3,
    "441702008": 2, "441702009": 3, "441702011": 2, "441704100": 4, "441704107": 4,
    "441704101": 2, "441721100": 3, "441781001": 4, "441781002": 3,
}

# (code suffix, name, parent county code or None for the city, founded, target category)
INDUSTRY_FEDERATIONS = [
    ("H01", "阳江市货车司机工会联合会", None, date(2018, 5, 1), "truck_driver"),
    ("H02", "阳江市快递行业工会联合会", None, date(2017, 3, 15), "courier"),
    ("H03", "阳江市建筑行业工会联合会", None, date(2015, 6, 18), "construction_worker"),
    ("H04", "阳江市外卖配送行业工会联合会", None, date(2018, 3, 8), "delivery_rider"),
    ("H05", "阳江市网约车司机工会联合会", None, date(2018, 7, 20), "ride_hailing_driver"),
    ("H06", "阳江市五金刀剪行业工会联合会", None, date(2014, 9, 26), ""),
    ("H07", "阳江市物业管理行业工会联合会", None, date(2016, 11, 2), ""),
    ("H01", "江城区快递行业工会联合会", "441702", date(2017, 8, 1), "courier"),
    ("H02", "江城区建筑行业工会联合会", "441702", date(2016, 4, 12), "construction_worker"),
    ("H01", "阳东区五金刀剪行业工会联合会", "441704", date(2015, 5, 20), ""),
    ("H02", "阳东区建筑行业工会联合会", "441704", date(2016, 9, 9), "construction_worker"),
    ("H01", "阳西县货车司机工会联合会", "441721", date(2018, 6, 6), "truck_driver"),
    ("H02", "阳西县快递行业工会联合会", "441721", date(2018, 1, 16), "courier"),
    ("H01", "阳春市货车司机工会联合会", "441781", date(2018, 6, 28), "truck_driver"),
    ("H02", "阳春市建筑行业工会联合会", "441781", date(2016, 12, 5), "construction_worker"),
]
# (code suffix, name, parent county or None, founded)
SECTOR_UNIONS = [
    ("S01", "阳江市教育系统工会", None, date(1989, 5, 1)),
    ("S02", "阳江市卫生健康系统工会", None, date(1990, 3, 1)),
    ("S03", "中国海员工会阳江市委员会", None, date(2013, 7, 16)),
    ("S04", "阳江市直属机关工会工作委员会", None, date(1989, 9, 1)),
    ("S01", "江城区教育工会", "441702", date(1992, 4, 1)),
    ("S01", "阳春市教育工会", "441781", date(1993, 6, 1)),
]
SECTOR_STEMS = {
    "S01": ["第一中学", "第二中学", "第三中学", "实验学校", "中心小学", "职业技术学校", "幼儿园"],
    "S02": ["人民医院", "中医院", "妇幼保健院", "卫生院", "疾病预防控制中心"],
    "S03": ["海运有限公司", "港务有限公司", "远洋渔业有限公司", "船务代理有限公司"],
    "S04": ["市场监督管理局", "税务局", "自然资源局", "人力资源和社会保障局", "住房和城乡建设局"],
}
CITY_LEVEL_UNITS = [
    "阳江日报社", "阳江广播电视台", "广东电网有限责任公司阳江供电局", "阳江海关",
    "中国移动通信集团广东有限公司阳江分公司", "中国电信股份有限公司阳江分公司",
    "中国联合网络通信有限公司阳江市分公司", "中国邮政集团有限公司阳江市分公司",
    "中国工商银行股份有限公司阳江分行", "中国农业银行股份有限公司阳江分行",
    "中国银行股份有限公司阳江分行", "中国建设银行股份有限公司阳江市分行",
    "阳江市公共交通集团有限公司", "阳江市自来水有限公司", "阳江市城市投资集团有限公司",
    "阳江港港务股份有限公司", "阳江职业技术学院", "阳江市人民医院", "阳江市中医医院",
    "阳江市第一人民医院", "阳江市图书馆", "阳江市博物馆", "阳江市汽车运输集团有限公司",
    "阳江市粮食储备有限公司", "阳江市烟草专卖局", "阳江市气象局", "阳江市水文局",
    "阳江市农村信用合作联社", "阳江市交通运输局", "阳江市公安局", "阳江市人民检察院",
    "阳江市中级人民法院", "阳江市财政局",
]
CITY_LEVEL_COUNT = 33

BRANDS = (
    "华力 宏达 金辉 鸿运 永利 恒丰 利达 兴发 新华 振华 富源 盛世 嘉和 东升 海达 顺发 明辉 金鹰 "
    "天誉 粤海 南华 汇丰 广源 昌盛 俊豪 泰丰 锦华 裕华 荣达 长盛 信达 骏业 创新 万达 德丰 "
    "合盛 正邦 鑫源 力拓 美达 永兴 伟业 宝丰 丰泰 华盛 海洋 银河 金海 协力 旺达"
).split()
# (product words, industry, employer nature when non-public)
TRADES = [
    ("五金制品", "制造业"), ("刀剪", "制造业"), ("厨具", "制造业"), ("不锈钢制品", "制造业"),
    ("塑料制品", "制造业"), ("电子科技", "制造业"), ("服装", "制造业"), ("鞋业", "制造业"),
    ("食品", "制造业"), ("水产品加工", "农、林、牧、渔业"), ("海产养殖", "农、林、牧、渔业"),
    ("农业发展", "农、林、牧、渔业"), ("茶业", "农、林、牧、渔业"), ("建材", "制造业"),
    ("陶瓷", "制造业"), ("建筑工程", "建筑业"), ("装饰工程", "建筑业"),
    ("物流", "交通运输、仓储业和邮政业"), ("运输", "交通运输、仓储业和邮政业"),
    ("快递服务", "交通运输、仓储业和邮政业"), ("商贸", "批发和零售业"), ("超市", "批发和零售业"),
    ("酒店管理", "住宿、餐饮业"), ("餐饮管理", "住宿、餐饮业"), ("物业管理", "房地产业"),
    ("房地产开发", "房地产业"), ("机械设备", "制造业"), ("新能源", "电力、热力、燃气及水的生产和供应业"),
    ("印刷", "制造业"), ("家具", "制造业"), ("环保科技", "水利、环境和公共设施管理业"),
    ("信息技术", "信息传输、计算机服务和软件业"), ("保安服务", "租赁和商务服务业"),
]
COMPANY_FORMS = ["有限公司", "有限公司", "有限公司", "有限公司", "实业有限公司", "股份有限公司", "厂"]
JOINT_PLACES = [
    "工业园", "商业街", "商会", "个体私营企业", "商贸城", "农贸市场", "大厦", "物流园",
    "五金刀剪园", "电商产业园", "餐饮行业", "小微企业", "家庭农场", "社区",
]
SURNAMES = (
    "陈 李 黄 林 梁 张 刘 吴 罗 谭 冯 许 关 何 杨 郑 王 蔡 叶 邓 钟 莫 周 曾 苏 欧 谢 卢 冼 敖 "
    "严 姚 麦 阮 司徒 邱 温 潘 余 朱"
).split()
SURNAME_WEIGHTS = [
    120, 80, 75, 70, 60, 55, 50, 45, 40, 35, 30, 28, 26, 25, 24, 22, 22, 20, 18, 18, 16, 15, 15,
    14, 12, 12, 12, 11, 10, 8, 8, 8, 8, 7, 4, 7, 7, 7, 6, 6,
]
GIVEN_MALE = "伟 强 军 勇 杰 涛 斌 华 明 辉 志 建 国 文 俊 锋 浩 宇 鹏 海 荣 超 坤 健 永 德 昌 耀 庆 森 泽 振 晓 伦".split()
GIVEN_FEMALE = "芳 敏 静 丽 燕 娟 霞 红 玲 婷 萍 洁 琳 慧 雪 梅 秀 英 莉 兰 凤 翠 嘉 欣 怡 颖 晓 雯 倩 佩 碧 桂 珍 妹".split()

NON_PUBLIC_TYPES = [  # (economic type, employer nature, weight)
    ("私营经济", "私营企业", 70), ("私营经济", "其他有限责任公司", 12),
    ("港澳台投资", "港澳台商投资企业", 8), ("外商投资", "外商投资企业", 5),
    ("个体经济", "个体经济组织", 5),
]
PUBLIC_TYPES = [
    ("国有经济", "国有企业", 40), ("国有经济", "国有独资公司", 10), ("集体经济", "集体企业", 20),
    ("股份制", "国有控股公司", 10), ("股份制", "其他股份有限公司", 20),
]


SURNAME_CUM = list(accumulate(SURNAME_WEIGHTS))


def person_name(rng, gender):
    """A Chinese name: a surname weighted as in western Guangdong, one or two given
    characters. (Hot path of the member generator: plain random() calls.)"""
    random = rng.random
    surname = SURNAMES[bisect(SURNAME_CUM, random() * SURNAME_CUM[-1])]
    pool = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    size = len(pool)
    given = pool[int(random() * size)]
    if random() >= 0.25:
        given += pool[int(random() * size)]
    return surname + given


def random_date(rng, start, end):
    """A day in [start, end]."""
    return start + timedelta(days=int(rng.random() * ((end - start).days + 1)))


class CreditCodes:
    """Unique, checksum-valid unified social credit codes (GB 32100): registration
    authority (81 for unions, 91 for companies), the county's division code and a
    post-2015 style body ``MA`` + 7 characters. A counter is scrambled by multiplying
    with a number prime to 31**7, a bijection, so codes look random but never repeat."""

    SPACE = 31 ** 7

    def __init__(self, rng):
        self.counter = rng.randrange(self.SPACE)

    def next(self, prefix, county_code):
        self.counter += 1
        n = (self.counter * 1_000_003) % self.SPACE
        body = []
        for _ in range(7):
            n, digit = divmod(n, 31)
            body.append(CREDIT_CODE_ALPHABET[digit])
        first17 = f"{prefix}{county_code}MA{''.join(body)}"
        return first17 + credit_code_check_character(first17)


@dataclass
class Tree:
    """The generated organisations and employers as column dicts, with lookups the
    member generator needs."""

    organizations: list = field(default_factory=list)
    employers: list = field(default_factory=list)
    by_id: dict = field(default_factory=dict)
    city: dict = None
    counties: dict = field(default_factory=dict)  # county code -> org row
    towns: dict = field(default_factory=dict)  # town code -> org row
    industry: list = field(default_factory=list)
    sectors: list = field(default_factory=list)
    base: list = field(default_factory=list)
    employers_of: dict = field(default_factory=dict)  # base union id -> [employer rows]
    division_code: dict = field(default_factory=dict)  # division id -> code
    town_name: dict = field(default_factory=dict)  # town code -> name


def _next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def build_tree(rng, unions=BASE_UNIONS, uncovered=None):
    """Generate the union tree with ``unions`` base unions and their employers, plus
    employers without a union. Returns a ``Tree``; nothing is written."""
    scale = unions / BASE_UNIONS
    divisions = {d.code: d for d in Division.objects.all()}
    tree = Tree(division_code={d.pk: d.code for d in divisions.values()})
    next_org = _next_id(Organization)
    next_employer = _next_id(Employer)
    credit = CreditCodes(rng)
    names_used = set()

    def add_org(code, name, kind, parent, division_code, founded=None, non_public=False,
                with_credit=True):
        nonlocal next_org
        pk = next_org
        next_org += 1
        row = {
            "id": pk, "code": code, "name": name, "kind": kind,
            "parent_id": parent["id"] if parent else None,
            "path": Organization.path_for(parent["path"] if parent else "", pk),
            "division_id": divisions[division_code].pk,
            "credit_code": credit.next("81", division_code[:6]) if with_credit else None,
            "founded_on": founded, "chair": person_name(rng, rng.choice("男男女")),
            "phone": f"0662-{rng.randint(2000000, 8999999)}",
            "is_non_public": non_public, "reported_members": None,
        }
        tree.organizations.append(row)
        tree.by_id[pk] = row
        return row

    city = tree.city = add_org("441700", "阳江市总工会", K.CITY, None, "441700", date(1988, 6, 1))
    for code, name in COUNTIES:
        tree.counties[code] = add_org(code, f"{name}总工会", K.COUNTY, city, code,
                                      date(1988, 9, 1) if code != "441704" else date(2014, 3, 1))
    for code, division in divisions.items():
        if division.level == Division.Level.TOWN:
            tree.town_name[code] = division.name
            tree.towns[code] = add_org(
                code, f"{division.name}总工会", K.TOWN, tree.counties[code[:6]], code,
                random_date(rng, date(1990, 1, 1), date(2008, 12, 31)),
            )
    for suffix, name, county, founded, category in INDUSTRY_FEDERATIONS:
        parent = tree.counties[county] if county else city
        division_code = county or "441700"
        row = add_org(f"{division_code}{suffix}", name, K.INDUSTRY, parent, division_code,
                      founded, non_public=True)
        row["_category"] = category
        tree.industry.append(row)
    for suffix, name, county, founded in SECTOR_UNIONS:
        parent = tree.counties[county] if county else city
        division_code = county or "441700"
        row = add_org(f"{division_code}{suffix}", name, K.SECTOR, parent, division_code, founded)
        row["_stem"] = suffix
        tree.sectors.append(row)

    # How many base unions sit where. The remainder goes under the towns.
    n_city = min(CITY_LEVEL_COUNT, max(1, round(CITY_LEVEL_COUNT * scale)))
    n_sector = max(len(tree.sectors), round(0.06 * unions))
    n_industry = max(len(tree.industry) // 3, round(0.025 * unions))
    n_town = max(len(tree.towns), unions - n_city - n_sector - n_industry)
    n_total = n_city + n_sector + n_industry + n_town
    # Joint unions are what makes employers outnumber base unions: choose how many, and
    # later how many employers each covers (3-8), so the total hits the target exactly.
    employers_target = round(n_total * EMPLOYERS_COVERED / BASE_UNIONS)
    n_joint = max(1, min(n_town // 2, round((employers_target - n_total) / 4.5)))

    # Founding dates: NEW_BASE_UNIONS share founded 2014-2018, of those NEW_NON_PUBLIC
    # share in non-public enterprises. Unions under the industry federations (all
    # founded 2014-2018) are necessarily new.
    n_new = round(n_total * NEW_BASE_UNIONS / BASE_UNIONS)
    n_new_np = round(n_new * NEW_NON_PUBLIC / NEW_BASE_UNIONS)

    specs = []  # (parent row, kind, public?) for each base union, then placed below
    town_codes = sorted(tree.towns)
    town_weights = [TOWN_WEIGHTS.get(code, 1) for code in town_codes]
    jiangcheng_towns = [code for code in town_codes if code.startswith("441702")]
    for i in range(n_city):
        specs.append({"parent": city, "kind": K.BASE_SINGLE, "public": True,
                      "name": CITY_LEVEL_UNITS[i % len(CITY_LEVEL_UNITS)],
                      "town": rng.choice(jiangcheng_towns)})
    for i in range(n_sector):
        sector = tree.sectors[i % len(tree.sectors)]
        specs.append({"parent": sector, "kind": K.BASE_SINGLE, "public": sector["_stem"] != "S03",
                      "town": rng.choices(town_codes, town_weights)[0]})
    for i in range(n_industry):
        federation = tree.industry[i % len(tree.industry)]
        county = tree.division_code[federation["division_id"]][:6]
        towns = [c for c in town_codes if county == "441700" or c.startswith(county)]
        specs.append({"parent": federation, "kind": K.BASE_SINGLE, "public": False, "new": True,
                      "town": rng.choice(towns)})
    town_picks = rng.choices(town_codes, town_weights, k=n_town)
    # Every town gets at least one base union.
    for index, code in enumerate(town_codes[: min(len(town_codes), n_town)]):
        town_picks[index] = code
    for index, code in enumerate(town_picks):
        kind = K.BASE_JOINT if index < n_joint else K.BASE_SINGLE
        specs.append({"parent": tree.towns[code], "kind": kind,
                      "public": kind == K.BASE_SINGLE and rng.random() < 0.25, "town": code})
    rng.shuffle(specs)

    # Assign "new" (2014-2018) status: forced ones first, then non-public, then public.
    forced = [s for s in specs if s.get("new")]
    non_public_pool = [s for s in specs if not s.get("new") and not s["public"]]
    public_pool = [s for s in specs if not s.get("new") and s["public"]]
    for spec in non_public_pool[: max(0, n_new_np - len(forced))]:
        spec["new"] = True
    for spec in public_pool[: max(0, n_new - max(n_new_np, len(forced)))]:
        spec["new"] = True

    # Employers per joint union: 3-8 each, nudged until the total is exact.
    joint_specs = [s for s in specs if s["kind"] == K.BASE_JOINT]
    for spec in joint_specs:
        spec["employers"] = rng.randint(3, 8)
    excess = sum(s["employers"] for s in joint_specs) + (n_total - len(joint_specs)) - employers_target
    while excess and joint_specs:
        spec = rng.choice(joint_specs)
        if excess > 0 and spec["employers"] > 3:
            spec["employers"] -= 1
            excess -= 1
        elif excess < 0 and spec["employers"] < 8:
            spec["employers"] += 1
            excess += 1

    counters = {}

    def child_code(parent):
        counters[parent["id"]] = counters.get(parent["id"], 0) + 1
        return f"{parent['code']}{counters[parent['id']]:04d}"

    def company_name(town_code, trade=None):
        county_name = dict(COUNTIES)[town_code[:6]]
        place = "阳江市" if town_code.startswith("441702") else f"阳江市{county_name}"
        town = tree.town_name[town_code].removesuffix("街道").removesuffix("镇")
        for attempt in range(6):
            product, industry = trade or rng.choice(TRADES)
            brand = rng.choice(BRANDS) if attempt < 3 else rng.choice(BRANDS) + rng.choice(BRANDS)
            name = f"{place}{town if rng.random() < 0.5 else ''}{brand}{product}{rng.choice(COMPANY_FORMS)}"
            if name not in names_used:
                break
        else:
            name = f"{name[:-4]}第{len(names_used)}分公司"
        names_used.add(name)
        return name, industry

    def add_employer(name, industry, town_code, union, non_public, employees, unionized_on):
        nonlocal next_employer
        economic_type, nature = _ownership(rng, non_public, industry)
        women = round(employees * rng.uniform(0.2, 0.65))
        migrant_share = rng.uniform(0.05, 0.6) if non_public else rng.uniform(0.0, 0.1)
        row = {
            "id": next_employer, "name": name,
            "credit_code": credit.next("91", town_code[:6]),
            "nature": nature, "economic_type": economic_type, "industry": industry,
            "division_id": divisions[town_code].pk, "employees": employees,
            "women_employees": women, "migrant_employees": round(employees * migrant_share),
            "union_id": union["id"] if union else None, "unionized_on": unionized_on,
        }
        next_employer += 1
        tree.employers.append(row)
        if union:
            tree.employers_of.setdefault(union["id"], []).append(row)
        return row

    for spec in specs:
        parent, town_code = spec["parent"], spec["town"]
        non_public = not spec["public"]
        parent_founded = parent["founded_on"] or date(1990, 1, 1)
        if spec.get("new"):
            founded = random_date(rng, max(NEW_PERIOD_START, parent_founded), AS_OF)
        else:
            founded = random_date(rng, max(date(1990, 1, 1), parent_founded), date(2013, 12, 31))
        if spec["kind"] == K.BASE_JOINT:
            town = tree.town_name[town_code]
            base = f"{town}{rng.choice(JOINT_PLACES)}"
            name = f"{base}联合工会"
            number = 2
            while name in names_used:
                name = f"{base}第{number}联合工会"
                number += 1
            names_used.add(name)
            union = add_org(child_code(parent), name, K.BASE_JOINT, parent, town_code, founded,
                            non_public=True)
            for _ in range(spec["employers"]):
                emp_name, industry = company_name(town_code)
                add_employer(emp_name, industry, town_code, union, True,
                             _headcount(rng, 2.5, 0.7, 3, 300),
                             random_date(rng, founded, AS_OF))
        else:
            if parent["kind"] == K.CITY:
                emp_name, industry = spec["name"], "其它"
            elif parent["kind"] == K.SECTOR:
                stem = rng.choice(SECTOR_STEMS[parent["_stem"]])
                emp_name = f"{tree.town_name[town_code]}{stem}" if parent["_stem"] != "S03" \
                    else company_name(town_code, (stem, "交通运输、仓储业和邮政业"))[0]
                if emp_name in names_used:
                    emp_name = f"阳江市{emp_name}" if not emp_name.startswith("阳江") else f"{emp_name}分部"
                names_used.add(emp_name)
                industry = {"S01": "教育", "S02": "卫生、社会保障和社会服务业",
                            "S03": "交通运输、仓储业和邮政业", "S04": "其它"}[parent["_stem"]]
            elif parent["kind"] == K.INDUSTRY:
                trade = {"truck_driver": ("运输", "交通运输、仓储业和邮政业"),
                         "courier": ("快递服务", "交通运输、仓储业和邮政业"),
                         "construction_worker": ("建筑工程", "建筑业"),
                         "delivery_rider": ("餐饮管理", "住宿、餐饮业"),
                         "ride_hailing_driver": ("运输", "交通运输、仓储业和邮政业"),
                         }.get(parent["_category"])
                if trade is None:
                    trade = ("刀剪", "制造业") if "刀剪" in parent["name"] else ("物业管理", "房地产业")
                emp_name, industry = company_name(town_code, trade)
            else:
                emp_name, industry = company_name(town_code)
            union = add_org(child_code(parent), f"{emp_name}工会", K.BASE_SINGLE, parent,
                            town_code, founded, non_public=non_public,
                            with_credit=rng.random() < 0.85)
            employees = _headcount(rng, 4.0, 1.0, 8, 20000) if parent["kind"] != K.CITY \
                else _headcount(rng, 5.5, 0.6, 80, 5000)
            add_employer(emp_name, industry, town_code, union, non_public, employees, founded)
        tree.base.append(union)

    # Employers without a union: the campaign's targets.
    if uncovered is None:
        uncovered = (max(1, round(UNCOVERED_100 * scale)), round(0.08 * unions),
                     round(0.25 * unions))
    n100, n25, nsmall = uncovered
    for count, low, high in ((n100, 100, 900), (n25, 25, 99), (nsmall, 3, 24)):
        for _ in range(count):
            town_code = rng.choices(town_codes, town_weights)[0]
            name, industry = company_name(town_code)
            employees = min(high, max(low, round(low * math.exp(abs(rng.gauss(0, 0.6))))))
            add_employer(name, industry, town_code, None, True, employees, None)
    return tree


def _headcount(rng, mu, sigma, low, high):
    """Lognormal headcounts: many small employers, a long tail of large ones."""
    return int(min(high, max(low, round(rng.lognormvariate(mu, sigma)))))


def _ownership(rng, non_public, industry):
    if industry in ("教育", "卫生、社会保障和社会服务业") and not non_public:
        return "国有经济", rng.choice(["财政拨款的事业单位", "其他事业单位"])
    if industry == "其它" and not non_public:
        return "国有经济", rng.choice(["机关", "国有企业", "财政拨款的事业单位"])
    table = NON_PUBLIC_TYPES if non_public else PUBLIC_TYPES
    economic_type, nature, _ = rng.choices(table, [w for *_, w in table])[0]
    return economic_type, nature


ORG_COLUMNS = [
    "id", "code", "name", "kind", "parent_id", "path", "division_id", "credit_code",
    "founded_on", "chair", "phone", "is_non_public", "reported_members",
]
EMPLOYER_COLUMNS = [
    "id", "name", "credit_code", "nature", "economic_type", "industry", "division_id",
    "employees", "women_employees", "migrant_employees", "union_id", "unionized_on",
]


def save_tree(tree):
    insert_rows(Organization, ORG_COLUMNS, ([o[c] for c in ORG_COLUMNS] for o in tree.organizations))
    insert_rows(Employer, EMPLOYER_COLUMNS, ([e[c] for c in EMPLOYER_COLUMNS] for e in tree.employers))


# --- bulk loading -------------------------------------------------------------------

def _copy_value(value):
    if value is None:
        return "\\N"
    return str(value)


def insert_rows(model, columns, rows, batch_size=5000):
    """Insert ``rows`` (sequences of Python values in ``columns`` order, primary keys
    included) into ``model``'s table as fast as the database allows: COPY on PostgreSQL,
    executemany on SQLite. Bypasses ``save()``, signals and history. Values must not
    contain tabs, newlines or backslashes (true of everything the demo generates).
    Returns the number of rows."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg2's own cursor: copy_expert is not wrapped
            buffer = io.StringIO()
            pending = 0
            for row in rows:
                buffer.write("\t".join([_copy_value(v) for v in row]))
                buffer.write("\n")
                pending += 1
                if pending >= batch_size * 10:
                    buffer.seek(0)
                    raw.copy_expert(sql, buffer)
                    count += pending
                    buffer = io.StringIO()
                    pending = 0
            if pending:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                count += pending
        return count
    fields = [model._meta.get_field(c[:-3] if c.endswith("_id") and c != "id" else c)
              for c in columns]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, row)])
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


@contextmanager
def indexes_deferred(*models):
    """Load big tables the way PostgreSQL's manual recommends: drop their secondary
    indexes, unique and foreign-key constraints, load, then rebuild them — one sort per
    index and one join per foreign key instead of a B-tree insert and a queued trigger
    per row (about three times faster for a million members). The rebuilt definitions
    come from the catalog, so indexes other apps add are kept too. Runs inside the
    caller's transaction; use it on tables that nothing else is writing. A no-op on
    SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        # ALTER TABLE refuses tables with queued foreign-key checks: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
                [model._meta.db_table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [model._meta.db_table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            saved.append((table, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        for table, constraints, indexes in saved:
            for _, definition in indexes:
                cursor.execute(definition)
            # Unique constraints before foreign keys (ORDER BY contype DESC above).
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                )


def reset_sequences(*models):
    """After inserting rows with explicit ids, move PostgreSQL's id sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
