"""The demo city's employers: company names, headcounts and ownership, with and
without a union. Rows are column dicts (``EMPLOYER_COLUMNS``), ids assigned here."""

import math

from members.demo.common import COUNTIES
from members.demo.rows import next_id
from organizations.models import Employer

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
NON_PUBLIC_TYPES = [  # (economic type, employer nature, weight)
    ("私营经济", "私营企业", 70), ("私营经济", "其他有限责任公司", 12),
    ("港澳台投资", "港澳台商投资企业", 8), ("外商投资", "外商投资企业", 5),
    ("个体经济", "个体经济组织", 5),
]
PUBLIC_TYPES = [
    ("国有经济", "国有企业", 40), ("国有经济", "国有独资公司", 10), ("集体经济", "集体企业", 20),
    ("股份制", "国有控股公司", 10), ("股份制", "其他股份有限公司", 20),
]


EMPLOYER_COLUMNS = [
    "id", "name", "credit_code", "nature", "economic_type", "industry", "division_id",
    "employees", "women_employees", "migrant_employees", "union_id", "unionized_on",
]


class Employers:
    """Adds employer rows to ``tree``: unique names, unified social credit codes from
    ``credit`` (shared with the unions), headcounts and ownership drawn from ``rng``.
    ``names_used`` is shared with the union builder, so no employer and no joint union
    get a name twice."""

    def __init__(self, rng, tree, divisions, credit, names_used):
        self.rng = rng
        self.tree = tree
        self.divisions = divisions  # division code -> Division
        self.credit = credit
        self.names_used = names_used
        self.next_id = next_id(Employer)

    def company_name(self, town_code, trade=None):
        """A company name in ``town_code`` (place, maybe town, brand, product, form) and
        its industry; ``trade`` is (product, industry), drawn from ``TRADES`` if None."""
        rng, names_used = self.rng, self.names_used
        county_name = dict(COUNTIES)[town_code[:6]]
        place = "阳江市" if town_code.startswith("441702") else f"阳江市{county_name}"
        town = self.tree.town_name[town_code].removesuffix("街道").removesuffix("镇")
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

    def add(self, name, industry, town_code, union, non_public, employees, unionized_on):
        """Add an employer row (``union`` a union row or None) and return it."""
        rng = self.rng
        economic_type, nature = ownership(rng, non_public, industry)
        women = round(employees * rng.uniform(0.2, 0.65))
        migrant_share = rng.uniform(0.05, 0.6) if non_public else rng.uniform(0.0, 0.1)
        row = {
            "id": self.next_id, "name": name,
            "credit_code": self.credit.next("91", town_code[:6]),
            "nature": nature, "economic_type": economic_type, "industry": industry,
            "division_id": self.divisions[town_code].pk, "employees": employees,
            "women_employees": women, "migrant_employees": round(employees * migrant_share),
            "union_id": union["id"] if union else None, "unionized_on": unionized_on,
        }
        self.next_id += 1
        self.tree.employers.append(row)
        if union:
            self.tree.employers_of.setdefault(union["id"], []).append(row)
        return row

    def add_uncovered(self, uncovered, town_codes, town_weights):
        """Employers without a union, the campaign's targets: ``uncovered`` is how many
        with 100+, with 25-99 and with fewer employees, placed in towns by weight."""
        rng = self.rng
        n100, n25, nsmall = uncovered
        for count, low, high in ((n100, 100, 900), (n25, 25, 99), (nsmall, 3, 24)):
            for _ in range(count):
                town_code = rng.choices(town_codes, town_weights)[0]
                name, industry = self.company_name(town_code)
                employees = min(high, max(low, round(low * math.exp(abs(rng.gauss(0, 0.6))))))
                self.add(name, industry, town_code, None, True, employees, None)


def headcount(rng, mu, sigma, low, high):
    """Lognormal headcounts: many small employers, a long tail of large ones."""
    return int(min(high, max(low, round(rng.lognormvariate(mu, sigma)))))


def ownership(rng, non_public, industry):
    """(economic type, employer nature) for an employer in ``industry``."""
    if industry in ("教育", "卫生、社会保障和社会服务业") and not non_public:
        return "国有经济", rng.choice(["财政拨款的事业单位", "其他事业单位"])
    if industry == "其它" and not non_public:
        return "国有经济", rng.choice(["机关", "国有企业", "财政拨款的事业单位"])
    table = NON_PUBLIC_TYPES if non_public else PUBLIC_TYPES
    economic_type, nature, _ = rng.choices(table, [w for *_, w in table])[0]
    return economic_type, nature
