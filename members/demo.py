"""The demo city's members, their membership events, transfers and enrolment drives,
generated for ``seed_demo`` and the benchmarks.

``members`` is the register's size on 2018-10-31 (the newspaper's 440,871 at full
size): exactly that many people are members on that day. About 5% more people are
generated on top — some who joined and left (or moved away) before that day, some who
joined after it, up to ``LATEST`` — so counts "today" differ from counts on the day.

ID numbers are SYNTHETIC: they pass the GB 11643 checksum and carry a real address code
(the county of the member's union for locals, with the historical codes 441723 阳东县
and 441722 阳春县 for people old enough to have been issued them; real county codes of
Guangxi, Hunan, Guizhou, Sichuan, Jiangxi and other Guangdong cities for migrant
workers), a random birth date consistent with an age of 18–60 at joining and a
sequence number drawn from the generator, made unique by stepping it. They belong to
nobody in particular and must never be used outside a demo. Mobile numbers are random
``1[3-9]`` numbers, member card numbers are unique by construction.

Deterministic: everything comes from the ``random.Random`` passed in, and dates are
relative to fixed days (``AS_OF``, ``LATEST``), never to today.
"""

from bisect import bisect
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from operator import mul
from zoneinfo import ZoneInfo

from members.models import EnrolmentDrive, Member, MembershipEvent, Transfer
from organizations.demo import (
    AS_OF, K, indexes_deferred, insert_rows, person_name, random_date, reset_sequences, _next_id,
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
LATEST = date(2024, 12, 31)  # the demo's "today": late joiners and leavers stop here
SHANGHAI = ZoneInfo("Asia/Shanghai")
EV = MembershipEvent.Kind
ST = Member.Status

# Shares of the register on AS_OF (the rest are ordinary members).
SHARES = {
    "truck": 0.0205,  # 9,000+ truck drivers
    "courier": 0.010,
    "delivery": 0.005,
    "ride": 0.003,
    "construction": 0.033,
    "railway": 0.007,  # the 2017 深茂铁路 construction-site drive
    "fields": 0.020,  # 田间地头 / slack-season drives in rural towns
    "park": 0.025,  # industrial-park drives
    "migrant": 0.035,  # other migrant workers, mostly joined since 2016
}
LEFT_BEFORE = 0.03  # joined and left before AS_OF
LATE = 0.025  # joined after AS_OF
LEAVE_AFTER = 0.02  # core members who left after AS_OF
RETAINED = 0.01
TRANSFERRED = 0.03  # moved between base unions in the city (history kept)

# (address code, place as written, weight) for migrant workers from elsewhere.
MIGRANT_ORIGINS = [
    ("450881", "广西壮族自治区桂平市", 10), ("450821", "广西壮族自治区平南县", 8),
    ("450921", "广西壮族自治区容县", 6), ("450981", "广西壮族自治区北流市", 7),
    ("450923", "广西壮族自治区博白县", 8), ("450924", "广西壮族自治区兴业县", 4),
    ("430524", "湖南省隆回县", 5), ("430522", "湖南省新邵县", 4), ("431021", "湖南省桂阳县", 3),
    ("430682", "湖南省临湘市", 2), ("520221", "贵州省水城县", 3), ("522422", "贵州省大方县", 3),
    ("522425", "贵州省织金县", 3), ("511324", "四川省仪陇县", 3), ("510921", "四川省蓬溪县", 2),
    ("360732", "江西省兴国县", 2), ("440981", "广东省高州市", 8), ("440982", "广东省化州市", 6),
    ("440882", "广东省雷州市", 5), ("440883", "广东省吴川市", 4),
]
ORIGIN_CUM = list(accumulate(w for *_, w in MIGRANT_ORIGINS))
COUNTY_PLACE = {
    "441702": "广东省阳江市江城区", "441704": "广东省阳江市阳东区",
    "441721": "广东省阳江市阳西县", "441781": "广东省阳江市阳春市",
}
ETHNICITY = {
    "45": (["汉族", "壮族", "瑶族", "仫佬族", "毛南族", "苗族"], [64, 30, 3, 1, 1, 1]),
    "52": (["汉族", "苗族", "布依族", "侗族", "土家族", "彝族"], [60, 15, 12, 8, 3, 2]),
    "43": (["汉族", "土家族", "苗族", "侗族", "瑶族"], [85, 7, 5, 2, 1]),
    "local": (["汉族", "壮族", "瑶族", "回族", "满族"], [993, 4, 2, 0.5, 0.5]),
}
ETHNICITY_CUM = {k: (values, list(accumulate(weights))) for k, (values, weights) in ETHNICITY.items()}
EDUCATION = {
    "regular": (["博士", "硕士", "本科", "大专", "中专", "高中", "初中", "小学及以下"],
                [0.2, 1.8, 14, 17, 15, 20, 27, 5]),
    "migrant": (["本科", "大专", "中专", "高中", "初中", "小学及以下"], [1, 4, 12, 22, 48, 13]),
}
EDUCATION_CUM = {k: (v, list(accumulate(w))) for k, (v, w) in EDUCATION.items()}
POLITICAL = {
    "regular": (["群众", "中共党员", "共青团员", "中共预备党员", "民革党员", "民盟盟员", "民建会员",
                 "民进会员", "农工党党员", "致公党党员", "九三学社社员", "无党派人士"],
                [72, 12, 13, 0.6, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.3]),
    "migrant": (["群众", "共青团员", "中共党员"], [88, 8, 4]),
}
POLITICAL_CUM = {k: (v, list(accumulate(w))) for k, (v, w) in POLITICAL.items()}
SKILLS = (["无", "职业资格五级（初级）", "职业资格四级（中级）", "职业资格三级（高级）",
           "职业资格二级（技师）", "职业资格一级（高级技师）"], list(accumulate([55, 15, 15, 10, 4, 1])))
MOBILE_PREFIXES = ("13", "15", "18", "17", "19", "14", "16")
MOBILE_CUM = list(accumulate([30, 25, 25, 8, 6, 3, 3]))
LEAVE_REASONS = ["劳动（工作）关系发生变化", "个人要求退会", "所在企业破产", "失业"]
REGULAR_YEARS = list(range(2010, 2019))
REGULAR_YEAR_CUM = list(accumulate([24, 22, 22, 22, 0.4, 0.4, 0.4, 0.4, 0.4]))

MEMBER_COLUMNS = [
    "id", "name", "gender", "ethnicity", "id_type", "id_number", "birth_date", "native_place",
    "household_place", "household_type", "education", "political_status", "employment_status",
    "skill_grade", "mobile", "employer_id", "union_id", "joined_on", "card_number",
    "member_type", "status", "left_on", "leave_reason", "is_migrant_worker", "is_truck_driver",
    "is_courier", "is_delivery_rider", "is_ride_hailing_driver", "is_construction_worker",
    "drive_id", "notes", "created_at", "created_by_id",
]
EVENT_COLUMNS = [
    "id", "member_id", "kind", "date", "union_id", "counterpart_id", "reason", "note",
    "valid_until", "recorded_by_id", "recorded_at",
    # The member's counted attributes, copied onto each event (MembershipEvent docstring).
    "gender", "is_migrant_worker", "is_truck_driver", "is_courier", "is_delivery_rider",
    "is_ride_hailing_driver", "is_construction_worker",
]
TRANSFER_COLUMNS = [
    "id", "member_id", "from_union_id", "to_union_id", "date", "reason", "state",
    "requested_by_id", "requested_at", "decided_by_id", "decided_at",
]
DRIVE_COLUMNS = [
    "id", "name", "organizer_id", "default_union_id", "kind", "starts_on", "ends_on", "place",
    "target_group", "target_count", "notes",
]


def _pick(rng, values, cum):
    return values[bisect(cum, rng.random() * cum[-1])]


_STAMPS = {}
_PARTIAL = {}


def _partial_sum(digits, offset):
    """The check-digit sum of the address or birth-date part of an ID number, cached:
    a few dozen addresses and some thousands of dates cover a million people."""
    key = (digits, offset)
    total = _PARTIAL.get(key)
    if total is None:
        total = _PARTIAL[key] = sum(map(mul, map(int, digits), ID_WEIGHTS[offset:]))
    return total


def _stamp(day, rng):
    """A working-hours timestamp on ``day`` (deterministic: no clock). Cached: there are
    only so many days and ten-minute slots, and building datetimes is the slow part."""
    key = (day, int(rng.random() * 48))
    stamp = _STAMPS.get(key)
    if stamp is None:
        stamp = _STAMPS[key] = datetime.combine(day, time(9, 0), SHANGHAI) + timedelta(
            minutes=10 * key[1])
    return stamp


class Pool:
    """Weighted choice among unions, with precomputed cumulative weights."""

    def __init__(self, unions, weights):
        pairs = [(u, w) for u, w in zip(unions, weights) if w > 0]
        self.unions = [u for u, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))

    def __bool__(self):
        return bool(self.unions)

    def pick(self, rng):
        return self.unions[bisect(self.cum, rng.random() * self.cum[-1])]


class MemberGenerator:
    def __init__(self, rng, tree, members):
        self.rng = rng
        self.tree = tree
        self.n = members
        self.used_ids = set()
        emps = tree.employers_of
        self.employer_pick = {}
        for union_id, rows in emps.items():
            self.employer_pick[union_id] = (
                [r["id"] for r in rows], list(accumulate(max(1, r["employees"]) for r in rows))
            )
        base = tree.base
        staff = {u["id"]: sum(r["employees"] for r in emps.get(u["id"], [])) for u in base}
        migrants = {u["id"]: sum(r["migrant_employees"] for r in emps.get(u["id"], [])) for u in base}
        # Unions founded in 2014-2018 are young: their employers' staff were still
        # joining, so they weigh less (the newspaper's 70,000+ new members in 2014-2018
        # are mostly the migrant and gig workers of the campaigns).
        young = {u["id"]: 0.3 if (u["founded_on"] or date(1990, 1, 1)) >= date(2014, 1, 1) else 1
                 for u in base}
        self.regular = Pool(base, [staff[u["id"]] * young[u["id"]] for u in base])
        self.migrant = Pool(base, [migrants[u["id"]] + 1 for u in base])
        self.feds = {}
        self.fed_children = {}
        for fed in tree.industry:
            self.feds.setdefault(fed["_category"], []).append(fed)
        for u in base:
            parent = tree.by_id[u["parent_id"]]
            if parent["kind"] == K.INDUSTRY:
                self.fed_children.setdefault(parent["_category"], []).append(u)
        self.city_fed = {cat: feds[0] for cat, feds in self.feds.items()}

    # --- drives -------------------------------------------------------------------
    def build_drives(self):
        tree, rng = self.tree, self.rng
        next_id = _next_id(EnrolmentDrive)
        towns_of = {}
        for u in tree.base:
            code = tree.division_code[u["division_id"]]
            towns_of.setdefault(code, []).append(u)

        def joint_in(prefixes):
            unions = [u for code, us in towns_of.items() if code.startswith(prefixes) for u in us]
            joint = [u for u in unions if u["kind"] == K.BASE_JOINT] or unions
            return joint

        specs = [
            ("railway", "深茂铁路阳江段建设工地集中入会活动", EnrolmentDrive.Kind.CONSTRUCTION_SITE,
             self.city_fed.get("construction_worker"), [self.city_fed.get("construction_worker")],
             date(2017, 3, 20), date(2017, 11, 30), "深茂铁路阳江段沿线各标段项目部",
             "construction_worker"),
            ("fields", "田间地头送服务·农民工入会活动（阳春市）", EnrolmentDrive.Kind.FIELDS,
             tree.counties["441781"], joint_in(("4417811",)), date(2016, 11, 1), date(2017, 2, 28),
             "阳春市各镇村委会", "migrant_worker"),
            ("fields", "农闲季节农民工集中入会活动（阳西县）", EnrolmentDrive.Kind.FIELDS,
             tree.counties["441721"], joint_in(("441721",)), date(2017, 11, 15), date(2018, 2, 28),
             "阳西县各镇农贸市场及村委会", "migrant_worker"),
            ("fields", "农闲时节入会宣传周（阳东区）", EnrolmentDrive.Kind.FIELDS,
             tree.counties["441704"], joint_in(("441704",)), date(2018, 1, 8), date(2018, 2, 9),
             "阳东区各镇", "migrant_worker"),
            ("park", "合山镇五金刀剪产业园集中入会活动", EnrolmentDrive.Kind.INDUSTRIAL_PARK,
             tree.counties["441704"], joint_in(("441704107", "441704100")), date(2016, 5, 9),
             date(2016, 9, 30), "阳东区合山镇五金刀剪产业园", "migrant_worker"),
            ("park", "阳江高新区工业园区集中入会活动", EnrolmentDrive.Kind.INDUSTRIAL_PARK,
             tree.counties["441702"], joint_in(("441702103", "441702102")), date(2017, 4, 10),
             date(2017, 6, 30), "阳江高新区（平冈镇、埠场镇）", "migrant_worker"),
            ("park", "阳春产业转移工业园入会活动", EnrolmentDrive.Kind.INDUSTRIAL_PARK,
             tree.counties["441781"], joint_in(("441781001", "441781002")), date(2018, 4, 2),
             date(2018, 6, 29), "阳春产业转移工业园", "migrant_worker"),
            ("courier", "快递行业“暖蜂行动”集中入会", EnrolmentDrive.Kind.DELIVERY_DEPOT,
             self.city_fed.get("courier"), [self.city_fed.get("courier")], date(2017, 6, 1),
             date(2018, 10, 31), "市区各快递网点及分拣中心", "courier"),
            ("truck", "货车司机入会集中行动", EnrolmentDrive.Kind.OTHER,
             self.city_fed.get("truck_driver"), [self.city_fed.get("truck_driver")],
             date(2018, 5, 1), date(2018, 10, 31), "阳江港、各物流园及货运站场", "truck_driver"),
            ("delivery", "外卖骑手线上入会", EnrolmentDrive.Kind.ONLINE,
             self.city_fed.get("delivery_rider"), [self.city_fed.get("delivery_rider")],
             date(2018, 4, 1), date(2018, 10, 31), "", "delivery_rider"),
        ]
        self.drives = []
        self.drives_by_cohort = {}
        for cohort, name, kind, organizer, unions, start, end, place, group in specs:
            unions = [u for u in unions if u]
            if not organizer or not unions:
                continue
            default = unions[0] if len(unions) == 1 else rng.choice(unions)
            drive = {
                "id": next_id, "name": name, "organizer_id": organizer["id"],
                "default_union_id": default["id"], "kind": kind, "starts_on": start,
                "ends_on": end, "place": place, "target_group": group, "target_count": 0,
                "notes": "", "_unions": unions,
            }
            next_id += 1
            self.drives.append(drive)
            self.drives_by_cohort.setdefault(cohort, []).append(drive)
        return self.drives

    # --- people -------------------------------------------------------------------
    def _id_number(self, address, birth, male):
        rng = self.rng
        stem = f"{address}{birth:%Y%m%d}"
        seq = int(rng.random() * 499) * 2 + (1 if male else 2)
        first17 = f"{stem}{seq:03d}"
        while first17 in self.used_ids:
            seq = seq + 2 if seq + 2 < 1000 else (1 if male else 2)
            first17 = f"{stem}{seq:03d}"
        self.used_ids.add(first17)
        total = _partial_sum(address, 0) + _partial_sum(f"{birth:%Y%m%d}", 6) + sum(
            map(mul, map(int, f"{seq:03d}"), ID_WEIGHTS[14:]))
        return first17 + "10X98765432"[total % 11]

    def _employer(self, union):
        choice = self.employer_pick.get(union["id"])
        if not choice:
            return None
        ids, cum = choice
        return ids[bisect(cum, self.rng.random() * cum[-1])]

    def _cohort_union_and_date(self, cohort):
        """(union row, join date, drive row or None, category flags) for a core member."""
        rng = self.rng
        flags = set()
        drive = None
        if cohort in ("truck", "courier", "delivery", "ride"):
            category = {"truck": "truck_driver", "courier": "courier", "delivery": "delivery_rider",
                        "ride": "ride_hailing_driver"}[cohort]
            flags.add(category)
            feds = self.feds.get(category, [])
            children = self.fed_children.get(category, [])
            if feds and (not children or rng.random() < 0.7):
                union = feds[0] if rng.random() < 0.6 else rng.choice(feds)
                drives = self.drives_by_cohort.get(cohort, [])
                if drives and union["id"] == drives[0]["_unions"][0]["id"] and rng.random() < 0.8:
                    drive = drives[0]
            elif children:
                union = rng.choice(children)
            else:
                union = self.regular.pick(rng)
            if rng.random() < 0.5:
                flags.add("migrant_worker")
        elif cohort == "construction":
            flags.add("construction_worker")
            children = self.fed_children.get("construction_worker", [])
            feds = self.feds.get("construction_worker", [])
            roll = rng.random()
            union = rng.choice(children) if children and roll < 0.7 else (
                rng.choice(feds) if feds and roll < 0.8 else self.regular.pick(rng))
            if rng.random() < 0.6:
                flags.add("migrant_worker")
        elif cohort in ("railway", "fields", "park"):
            flags.add("migrant_worker")
            if cohort == "railway":
                flags.add("construction_worker")
            drives = self.drives_by_cohort.get(cohort)
            if drives:
                drive = rng.choice(drives)
                union = rng.choice(drive["_unions"])
            else:
                union = self.migrant.pick(rng)
        elif cohort == "migrant":
            flags.add("migrant_worker")
            union = self.migrant.pick(rng)
        else:
            union = self.regular.pick(rng)
        founded = union["founded_on"] or date(1990, 1, 1)
        if drive is not None:
            start, end = max(drive["starts_on"], founded), min(drive["ends_on"], AS_OF)
        elif "migrant_worker" in flags or union["kind"] == K.INDUSTRY:
            # Migrant workers came in with the campaigns from 2016 on.
            start = max(founded, date(2016, 1, 1) if rng.random() < 0.95 else date(2010, 1, 1))
            end = AS_OF
        elif founded < date(2014, 1, 1):
            # Most of the register predates 2014; the newspaper counts 70,000+ new
            # members in 2014-2018, most of them migrant workers and gig workers.
            year = _pick(rng, REGULAR_YEARS, REGULAR_YEAR_CUM)
            if date(year, 12, 31) < founded:
                year = founded.year
            start, end = max(founded, date(year, 1, 1)), min(date(year, 12, 31), AS_OF)
        else:
            start, end = founded, AS_OF
        if start > end:
            start = end
        return union, random_date(rng, start, end), drive, flags

    def _person(self, member_id, union, joined, flags):
        """The member row's personal columns."""
        rng = self.rng
        migrant = "migrant_worker" in flags
        if flags & {"truck_driver", "construction_worker", "ride_hailing_driver"}:
            male_share = 0.95
        elif flags & {"courier", "delivery_rider"}:
            male_share = 0.85
        else:
            male_share = 0.56
        male = rng.random() < male_share
        gender = "男" if male else "女"
        age = rng.triangular(18, 60, 27)
        birth = joined - timedelta(days=int(age * 365.25 + rng.random() * 300))
        county = self.tree.division_code[union["division_id"]][:6]
        if county == "441700":
            county = "441702"
        if migrant and rng.random() < 0.75:
            address, place, _ = MIGRANT_ORIGINS[bisect(ORIGIN_CUM, rng.random() * ORIGIN_CUM[-1])]
            county_name = place.split("自治区")[-1].split("省")[-1]
            native = place[:2] + (county_name[:-1] if len(county_name) > 2 else county_name)
            ethnic_key = address[:2] if address[:2] in ETHNICITY_CUM else "local"
        else:
            address, place = county, COUNTY_PLACE[county]
            native = "广东阳江"
            if county == "441704" and birth.year < 1996:
                address = "441723"  # 阳东县's code until 2013, still on older cards
            elif county == "441781" and birth.year < 1975 and rng.random() < 0.3:
                address = "441722"  # 阳春县, before it became a city
            ethnic_key = "local"
        values, cum = ETHNICITY_CUM[ethnic_key]
        ethnicity = _pick(rng, values, cum)
        group = "migrant" if migrant else "regular"
        if migrant:
            household = "农业户口"
        else:
            household = "农业户口" if rng.random() < 0.35 else "非农业户口"
        gig = flags & {"truck_driver", "courier", "delivery_rider", "ride_hailing_driver"}
        mobile = f"{MOBILE_PREFIXES[bisect(MOBILE_CUM, rng.random() * MOBILE_CUM[-1])]}{int(rng.random() * 1e9):09d}"
        return {
            "name": person_name(rng, gender), "gender": gender, "ethnicity": ethnicity,
            "id_number": self._id_number(address, birth, male), "birth_date": birth,
            "native_place": native, "household_place": place, "household_type": household,
            "education": _pick(rng, *EDUCATION_CUM[group]),
            "political_status": _pick(rng, *POLITICAL_CUM[group]),
            "skill_grade": "无" if gig else _pick(rng, *SKILLS),
            "mobile": mobile,
        }

    def generate(self, first_member_id, first_event_id, first_transfer_id, chunk=50000):
        """Yield (members, events, transfers) row lists chunk by chunk."""
        rng = self.rng
        n = self.n
        plan = []
        for cohort, share in SHARES.items():
            plan += [cohort] * round(n * share)
        plan = plan[:n]
        plan += ["regular"] * (n - len(plan))
        plan += ["left"] * round(n * LEFT_BEFORE) + ["late"] * round(n * LATE)
        rng.shuffle(plan)
        self.total = len(plan)
        member_id, event_id, transfer_id = first_member_id, first_event_id, first_transfer_id
        members, events, transfers = [], [], []
        drive_counts = {}
        for cohort in plan:
            if cohort in ("left", "late"):
                migrant = rng.random() < 0.12
                union = (self.migrant if migrant else self.regular).pick(rng)
                flags = {"migrant_worker"} if migrant else set()
                drive = None
                if cohort == "late":
                    joined = random_date(rng, AS_OF + timedelta(days=1), LATEST)
                else:
                    start = max(union["founded_on"] or date(2010, 1, 1), date(2010, 1, 1))
                    joined = random_date(rng, min(start, AS_OF - timedelta(days=60)),
                                         AS_OF - timedelta(days=60))
            else:
                union, joined, drive, flags = self._cohort_union_and_date(cohort)
            person = self._person(member_id, union, joined, flags)
            # The member's history: join, maybe a transfer, maybe an end or retention.
            history = [(EV.JOIN, joined, union, None, "")]
            current = union
            roll = rng.random()
            if cohort == "left":
                end = random_date(rng, joined + timedelta(days=30), AS_OF)
                kind = EV.TRANSFER_OUT if rng.random() < 0.25 else EV.LEAVE
                history.append((kind, end, union, None, rng.choice(LEAVE_REASONS)
                                if kind == EV.LEAVE else "劳动（工作）关系发生变化"))
            elif roll < TRANSFERRED and cohort != "late":
                moved = random_date(rng, joined + timedelta(days=30), LATEST)
                target = self.regular.pick(rng)
                if target["id"] != union["id"]:
                    reason = "劳动（工作）关系发生变化"
                    history.append((EV.TRANSFER_OUT, moved, union, target, reason))
                    history.append((EV.TRANSFER_IN, moved, target, union, reason))
                    transfers.append([
                        transfer_id, member_id, union["id"], target["id"], moved, reason,
                        "accepted", None, _stamp(moved, rng), None, _stamp(moved, rng),
                    ])
                    transfer_id += 1
                    current = target
            elif roll < TRANSFERRED + LEAVE_AFTER and cohort != "late":
                end = random_date(rng, max(joined, AS_OF) + timedelta(days=1), LATEST)
                history.append((EV.LEAVE, end, union, None, rng.choice(LEAVE_REASONS)))
            elif roll < TRANSFERRED + LEAVE_AFTER + RETAINED and cohort != "late":
                day = random_date(rng, joined + timedelta(days=30), LATEST)
                history.append((EV.RETAIN, day, union, None, "在本单位下岗后待岗"))
            last_kind, last_date, _, _, last_reason = history[-1]
            status = {EV.JOIN: ST.ACTIVE, EV.TRANSFER_IN: ST.ACTIVE, EV.RETAIN: ST.RETAINED,
                      EV.TRANSFER_OUT: ST.TRANSFERRED_OUT, EV.LEAVE: ST.LEFT}[last_kind]
            ended = last_kind in (EV.TRANSFER_OUT, EV.LEAVE)
            recent = joined > date(2018, 6, 30)
            card = None if (recent and rng.random() < 0.3) else f"4417{joined.year}{member_id:08d}"
            if drive is not None:
                drive_counts[drive["id"]] = drive_counts.get(drive["id"], 0) + 1
            members.append([
                member_id, person["name"], person["gender"], person["ethnicity"], "居民身份证",
                person["id_number"], person["birth_date"], person["native_place"],
                person["household_place"], person["household_type"], person["education"],
                person["political_status"],
                "待（下）岗" if status == ST.RETAINED else "在岗",
                person["skill_grade"], person["mobile"], self._employer(current), current["id"],
                joined, card,
                "probationary" if recent and rng.random() < 0.1 else "ordinary",
                status, last_date if ended else None, last_reason if ended else "",
                "migrant_worker" in flags, "truck_driver" in flags, "courier" in flags,
                "delivery_rider" in flags, "ride_hailing_driver" in flags,
                "construction_worker" in flags,
                drive["id"] if drive else None, "", _stamp(joined, rng), None,
            ])
            counted = members[-1][MEMBER_COLUMNS.index("gender")], *members[-1][
                MEMBER_COLUMNS.index("is_migrant_worker"):MEMBER_COLUMNS.index("drive_id")]
            for index, (kind, day, at, counterpart, reason) in enumerate(history):
                valid_until = history[index + 1][1] if index + 1 < len(history) else None
                events.append([
                    event_id, member_id, kind, day, at["id"],
                    counterpart["id"] if counterpart else None, reason, "", valid_until, None,
                    _stamp(day, rng), *counted,
                ])
                event_id += 1
            member_id += 1
            if len(members) >= chunk:
                yield members, events, transfers
                members, events, transfers = [], [], []
        self.drive_counts = drive_counts
        if members:
            yield members, events, transfers


def expected_reported(tree, members, rng):
    """上报数: what each base union reports — the share of the register its workforce
    suggests, give or take, so the report and the register visibly differ."""
    staff = {u["id"]: 0 for u in tree.base}
    for rows in tree.employers_of.items():
        staff[rows[0]] = sum(r["employees"] for r in rows[1])
    total = sum(staff.values()) or 1
    for union in tree.base:
        share = members * staff[union["id"]] / total
        union["reported_members"] = max(0, round(share * rng.uniform(0.85, 1.25)))


def save_members(rng, tree, members, progress=None):
    """Generate and insert the drives, members, events and transfers (the tree must be
    saved already). Returns a dict of row counts."""
    generator = MemberGenerator(rng, tree, members)
    drives = generator.build_drives()
    insert_rows(EnrolmentDrive, DRIVE_COLUMNS, ([d[c] for c in DRIVE_COLUMNS] for d in drives))
    counts = {"drives": len(drives), "members": 0, "events": 0, "transfers": 0}
    with indexes_deferred(Member, MembershipEvent, Transfer):
        for member_rows, event_rows, transfer_rows in generator.generate(
            _next_id(Member), _next_id(MembershipEvent), _next_id(Transfer)
        ):
            counts["members"] += insert_rows(Member, MEMBER_COLUMNS, member_rows)
            counts["events"] += insert_rows(MembershipEvent, EVENT_COLUMNS, event_rows)
            counts["transfers"] += insert_rows(Transfer, TRANSFER_COLUMNS, transfer_rows)
            if progress:
                progress(counts["members"], generator.total)
    # A drive's target is what its organisers aimed for: a round figure above the result.
    for drive in drives:
        enrolled = generator.drive_counts.get(drive["id"], 0)
        target = max(50, -(-int(enrolled * 1.15) // 50) * 50)
        EnrolmentDrive.objects.filter(pk=drive["id"]).update(target_count=target)
    reset_sequences(EnrolmentDrive, Member, MembershipEvent, Transfer)
    return counts
