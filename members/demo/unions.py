"""The demo city's union tree: 阳江市总工会, four county federations, one union per town
on the real divisions, 15 industry federations founded 2014–2018, a few sector unions,
33 city-level (市直) base unions and, at the default size, 5,375 base unions covering
7,846 employers, 490 of them founded 2014–2018 (261 in non-public enterprises), plus
employers without a union (未建会): 17 with 100+ employees and many with 25+ — the
Yangjiang Daily feature (DOMAIN.md). Other sizes scale these figures.

Everything is drawn from one ``random.Random(seed)``: the same seed and sizes give the
same tree, names, codes and headcounts. Rows are built in memory with their primary keys
and materialized paths already assigned (``build_tree``), then loaded in bulk
(``save_tree``).
"""

from dataclasses import dataclass, field
from datetime import date

from members.demo.common import (
    AS_OF, BASE_UNIONS, COUNTIES, EMPLOYERS_COVERED, NEW_BASE_UNIONS, NEW_NON_PUBLIC,
    NEW_PERIOD_START, UNCOVERED_100, person_name, random_date,
)
from members.demo.employers import EMPLOYER_COLUMNS, Employers, headcount
from members.demo.rows import insert_rows, next_id
from organizations.models import Division, Employer, Organization
from organizations.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

K = Organization.Kind

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

JOINT_PLACES = [
    "工业园", "商业街", "商会", "个体私营企业", "商贸城", "农贸市场", "大厦", "物流园",
    "五金刀剪园", "电商产业园", "餐饮行业", "小微企业", "家庭农场", "社区",
]


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


# The industry of a sector union's employers, by the sector's code suffix.
SECTOR_INDUSTRY = {"S01": "教育", "S02": "卫生、社会保障和社会服务业",
                   "S03": "交通运输、仓储业和邮政业", "S04": "其它"}
# What the employers under an industry federation do, by the federation's target group.
CATEGORY_TRADE = {
    "truck_driver": ("运输", "交通运输、仓储业和邮政业"),
    "courier": ("快递服务", "交通运输、仓储业和邮政业"),
    "construction_worker": ("建筑工程", "建筑业"),
    "delivery_rider": ("餐饮管理", "住宿、餐饮业"),
    "ride_hailing_driver": ("运输", "交通运输、仓储业和邮政业"),
}


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


@dataclass
class Sizes:
    """How many base unions sit where, and how many employers they cover."""

    city: int
    sector: int
    industry: int
    town: int
    joint: int  # of the town ones
    employers: int
    new: int  # founded 2014-2018
    new_non_public: int  # of those, in non-public enterprises

    @property
    def total(self):
        return self.city + self.sector + self.industry + self.town


def build_tree(rng, unions=BASE_UNIONS, uncovered=None):
    """Generate the union tree with ``unions`` base unions and their employers, plus
    employers without a union (``uncovered``: how many with 100+, 25-99 and fewer
    employees; scaled from the newspaper's if None). Returns a ``Tree``; nothing is
    written."""
    scale = unions / BASE_UNIONS
    builder = TreeBuilder(rng)
    builder.add_upper_levels()
    for spec in builder.base_union_specs(builder.sizes(unions, scale)):
        builder.add_base_union(spec)
    if uncovered is None:
        uncovered = (max(1, round(UNCOVERED_100 * scale)), round(0.08 * unions),
                     round(0.25 * unions))
    builder.employers.add_uncovered(uncovered, builder.town_codes, builder.town_weights)
    return builder.tree


class TreeBuilder:
    """Adds union rows to a ``Tree`` top down; its ``employers`` add the employers."""

    def __init__(self, rng):
        self.rng = rng
        self.divisions = {d.code: d for d in Division.objects.all()}
        self.tree = Tree(division_code={d.pk: d.code for d in self.divisions.values()})
        self.next_id = next_id(Organization)
        self.credit = CreditCodes(rng)
        self.names_used = set()
        self.employers = Employers(rng, self.tree, self.divisions, self.credit, self.names_used)
        self.children_coded = {}  # parent id -> how many children have a code
        self.town_codes = self.town_weights = None  # known after add_upper_levels

    def add_org(self, code, name, kind, parent, division_code, founded=None, non_public=False,
                with_credit=True):
        rng = self.rng
        pk = self.next_id
        self.next_id += 1
        row = {
            "id": pk, "code": code, "name": name, "kind": kind,
            "parent_id": parent["id"] if parent else None,
            "path": Organization.path_for(parent["path"] if parent else "", pk),
            "division_id": self.divisions[division_code].pk,
            "credit_code": self.credit.next("81", division_code[:6]) if with_credit else None,
            "founded_on": founded, "chair": person_name(rng, rng.choice("男男女")),
            "phone": f"0662-{rng.randint(2000000, 8999999)}",
            "is_non_public": non_public, "reported_members": None,
        }
        self.tree.organizations.append(row)
        self.tree.by_id[pk] = row
        return row

    def child_code(self, parent):
        """The next code under ``parent``: its own code and a four-digit number."""
        number = self.children_coded[parent["id"]] = self.children_coded.get(parent["id"], 0) + 1
        return f"{parent['code']}{number:04d}"

    def add_upper_levels(self):
        """The city federation, the counties, the towns, industry federations and
        sector unions: everything above the base unions."""
        rng, tree, add_org = self.rng, self.tree, self.add_org
        city = tree.city = add_org("441700", "阳江市总工会", K.CITY, None, "441700", date(1988, 6, 1))
        for code, name in COUNTIES:
            tree.counties[code] = add_org(code, f"{name}总工会", K.COUNTY, city, code,
                                          date(1988, 9, 1) if code != "441704" else date(2014, 3, 1))
        for code, division in self.divisions.items():
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
        self.town_codes = sorted(tree.towns)
        self.town_weights = [TOWN_WEIGHTS.get(code, 1) for code in self.town_codes]

    def sizes(self, unions, scale):
        """How many of the ``unions`` base unions sit where (the remainder under the
        towns), how many are joint and how many new."""
        tree = self.tree
        n_city = min(CITY_LEVEL_COUNT, max(1, round(CITY_LEVEL_COUNT * scale)))
        n_sector = max(len(tree.sectors), round(0.06 * unions))
        n_industry = max(len(tree.industry) // 3, round(0.025 * unions))
        n_town = max(len(tree.towns), unions - n_city - n_sector - n_industry)
        n_total = n_city + n_sector + n_industry + n_town
        # Joint unions are what makes employers outnumber base unions: choose how many,
        # and later how many employers each covers (3-8), so the total hits the target.
        employers = round(n_total * EMPLOYERS_COVERED / BASE_UNIONS)
        n_joint = max(1, min(n_town // 2, round((employers - n_total) / 4.5)))
        # Founding dates: NEW_BASE_UNIONS share founded 2014-2018, of those
        # NEW_NON_PUBLIC share in non-public enterprises.
        n_new = round(n_total * NEW_BASE_UNIONS / BASE_UNIONS)
        n_new_np = round(n_new * NEW_NON_PUBLIC / NEW_BASE_UNIONS)
        return Sizes(city=n_city, sector=n_sector, industry=n_industry, town=n_town,
                     joint=n_joint, employers=employers, new=n_new, new_non_public=n_new_np)

    def base_union_specs(self, sizes):
        """One dict per base union, in random order: its parent row, kind, town, whether
        it is public, new (founded 2014-2018) and, if joint, how many employers it covers."""
        specs = self._placed(sizes)
        self.rng.shuffle(specs)
        _mark_new(specs, sizes)
        self._spread_joint_employers(specs, sizes)
        return specs

    def _placed(self, sizes):
        rng, tree = self.rng, self.tree
        town_codes, town_weights = self.town_codes, self.town_weights
        jiangcheng_towns = [code for code in town_codes if code.startswith("441702")]
        specs = []
        for i in range(sizes.city):
            specs.append({"parent": tree.city, "kind": K.BASE_SINGLE, "public": True,
                          "name": CITY_LEVEL_UNITS[i % len(CITY_LEVEL_UNITS)],
                          "town": rng.choice(jiangcheng_towns)})
        for i in range(sizes.sector):
            sector = tree.sectors[i % len(tree.sectors)]
            specs.append({"parent": sector, "kind": K.BASE_SINGLE,
                          "public": sector["_stem"] != "S03",
                          "town": rng.choices(town_codes, town_weights)[0]})
        for i in range(sizes.industry):
            federation = tree.industry[i % len(tree.industry)]
            county = tree.division_code[federation["division_id"]][:6]
            towns = [c for c in town_codes if county == "441700" or c.startswith(county)]
            # Unions under the industry federations (all founded 2014-2018) are new.
            specs.append({"parent": federation, "kind": K.BASE_SINGLE, "public": False,
                          "new": True, "town": rng.choice(towns)})
        town_picks = rng.choices(town_codes, town_weights, k=sizes.town)
        # Every town gets at least one base union.
        for index, code in enumerate(town_codes[: min(len(town_codes), sizes.town)]):
            town_picks[index] = code
        for index, code in enumerate(town_picks):
            kind = K.BASE_JOINT if index < sizes.joint else K.BASE_SINGLE
            specs.append({"parent": tree.towns[code], "kind": kind,
                          "public": kind == K.BASE_SINGLE and rng.random() < 0.25, "town": code})
        return specs

    def _spread_joint_employers(self, specs, sizes):
        """Employers per joint union: 3-8 each, nudged until the total is exact."""
        rng = self.rng
        joint_specs = [s for s in specs if s["kind"] == K.BASE_JOINT]
        for spec in joint_specs:
            spec["employers"] = rng.randint(3, 8)
        excess = (sum(s["employers"] for s in joint_specs) + (sizes.total - len(joint_specs))
                  - sizes.employers)
        while excess and joint_specs:
            spec = rng.choice(joint_specs)
            if excess > 0 and spec["employers"] > 3:
                spec["employers"] -= 1
                excess -= 1
            elif excess < 0 and spec["employers"] < 8:
                spec["employers"] += 1
                excess += 1

    def add_base_union(self, spec):
        """The base union of ``spec`` and the employers it covers."""
        rng = self.rng
        parent_founded = spec["parent"]["founded_on"] or date(1990, 1, 1)
        if spec.get("new"):
            founded = random_date(rng, max(NEW_PERIOD_START, parent_founded), AS_OF)
        else:
            founded = random_date(rng, max(date(1990, 1, 1), parent_founded), date(2013, 12, 31))
        if spec["kind"] == K.BASE_JOINT:
            union = self._add_joint_union(spec, founded)
        else:
            union = self._add_single_union(spec, founded)
        self.tree.base.append(union)

    def _add_joint_union(self, spec, founded):
        """A joint union (联合工会) of small employers in one place of a town."""
        rng, parent, town_code = self.rng, spec["parent"], spec["town"]
        base = f"{self.tree.town_name[town_code]}{rng.choice(JOINT_PLACES)}"
        name = f"{base}联合工会"
        number = 2
        while name in self.names_used:
            name = f"{base}第{number}联合工会"
            number += 1
        self.names_used.add(name)
        union = self.add_org(self.child_code(parent), name, K.BASE_JOINT, parent, town_code,
                             founded, non_public=True)
        for _ in range(spec["employers"]):
            emp_name, industry = self.employers.company_name(town_code)
            self.employers.add(emp_name, industry, town_code, union, True,
                               headcount(rng, 2.5, 0.7, 3, 300), random_date(rng, founded, AS_OF))
        return union

    def _add_single_union(self, spec, founded):
        """A single-employer union, named after its employer."""
        rng, parent, town_code = self.rng, spec["parent"], spec["town"]
        non_public = not spec["public"]
        emp_name, industry = self._single_employer(spec)
        union = self.add_org(self.child_code(parent), f"{emp_name}工会", K.BASE_SINGLE, parent,
                             town_code, founded, non_public=non_public,
                             with_credit=rng.random() < 0.85)
        employees = headcount(rng, 4.0, 1.0, 8, 20000) if parent["kind"] != K.CITY \
            else headcount(rng, 5.5, 0.6, 80, 5000)
        self.employers.add(emp_name, industry, town_code, union, non_public, employees, founded)
        return union

    def _single_employer(self, spec):
        """(name, industry) of a single-employer union's employer, after its parent."""
        parent, town_code = spec["parent"], spec["town"]
        if parent["kind"] == K.CITY:
            return spec["name"], "其它"
        if parent["kind"] == K.SECTOR:
            return self._sector_employer(parent["_stem"], town_code)
        if parent["kind"] == K.INDUSTRY:
            trade = CATEGORY_TRADE.get(parent["_category"])
            if trade is None:
                trade = ("刀剪", "制造业") if "刀剪" in parent["name"] else ("物业管理", "房地产业")
            return self.employers.company_name(town_code, trade)
        return self.employers.company_name(town_code)

    def _sector_employer(self, stem_code, town_code):
        """A school, hospital, shipping company or office under a sector union."""
        stem = self.rng.choice(SECTOR_STEMS[stem_code])
        if stem_code != "S03":
            name = f"{self.tree.town_name[town_code]}{stem}"
        else:
            name = self.employers.company_name(town_code, (stem, SECTOR_INDUSTRY["S03"]))[0]
        if name in self.names_used:
            name = f"阳江市{name}" if not name.startswith("阳江") else f"{name}分部"
        self.names_used.add(name)
        return name, SECTOR_INDUSTRY[stem_code]


def _mark_new(specs, sizes):
    """Which base unions were founded 2014-2018: the forced ones (under the industry
    federations) first, then non-public ones, then public ones."""
    forced = [s for s in specs if s.get("new")]
    non_public_pool = [s for s in specs if not s.get("new") and not s["public"]]
    public_pool = [s for s in specs if not s.get("new") and s["public"]]
    for spec in non_public_pool[: max(0, sizes.new_non_public - len(forced))]:
        spec["new"] = True
    for spec in public_pool[: max(0, sizes.new - max(sizes.new_non_public, len(forced)))]:
        spec["new"] = True


ORG_COLUMNS = [
    "id", "code", "name", "kind", "parent_id", "path", "division_id", "credit_code",
    "founded_on", "chair", "phone", "is_non_public", "reported_members",
]


def save_tree(tree):
    insert_rows(Organization, ORG_COLUMNS, ([o[c] for c in ORG_COLUMNS] for o in tree.organizations))
    insert_rows(Employer, EMPLOYER_COLUMNS, ([e[c] for c in EMPLOYER_COLUMNS] for e in tree.employers))
