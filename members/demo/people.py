"""The personal columns of the demo's members: name, gender, ethnicity, ID number,
birth date, places, education, political status, skills and mobile number.

ID numbers are SYNTHETIC: they pass the GB 11643 checksum (``members.identity``) and
carry a real address code (the county of the member's union for locals, with the
historical codes 441723 阳东县 and 441722 阳春县 for people old enough to have been issued
them; real county codes of Guangxi, Hunan, Guizhou, Sichuan, Jiangxi and other Guangdong
cities for migrant workers), a random birth date consistent with an age of 18–60 at
joining and a sequence number drawn from the generator, made unique by stepping it. They
belong to nobody in particular and must never be used outside a demo. Mobile numbers are
random ``1[3-9]`` numbers.
"""

from bisect import bisect
from datetime import timedelta
from itertools import accumulate

from members.demo.common import person_name
from members.identity import check_character

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


def pick(rng, values, cum):
    """One of ``values``, weighted by the cumulative weights ``cum``."""
    return values[bisect(cum, rng.random() * cum[-1])]


class People:
    """Makes members' personal columns; every ID number it gives is new."""

    def __init__(self, rng, tree):
        self.rng = rng
        self.tree = tree
        self.used_ids = set()  # the first 17 characters of the ID numbers given

    def person(self, union, joined, flags):
        """The personal columns of a member of ``union`` (a row) who joined on
        ``joined``; ``flags`` are the member's categories ("migrant_worker", …)."""
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
        address, place, native, ethnic_key = self._origin(union, birth, migrant)
        ethnicity = pick(rng, *ETHNICITY_CUM[ethnic_key])
        group = "migrant" if migrant else "regular"
        if migrant:
            household = "农业户口"
        else:
            household = "农业户口" if rng.random() < 0.35 else "非农业户口"
        gig = flags & {"truck_driver", "courier", "delivery_rider", "ride_hailing_driver"}
        mobile = f"{MOBILE_PREFIXES[bisect(MOBILE_CUM, rng.random() * MOBILE_CUM[-1])]}{int(rng.random() * 1e9):09d}"
        return {
            "name": person_name(rng, gender), "gender": gender, "ethnicity": ethnicity,
            "id_number": self.id_number(address, birth, male), "birth_date": birth,
            "native_place": native, "household_place": place, "household_type": household,
            "education": pick(rng, *EDUCATION_CUM[group]),
            "political_status": pick(rng, *POLITICAL_CUM[group]),
            "skill_grade": "无" if gig else pick(rng, *SKILLS),
            "mobile": mobile,
        }

    def _origin(self, union, birth, migrant):
        """(ID address code, household place, native place, ethnicity key): most
        migrant workers come from elsewhere, everyone else from the union's county."""
        rng = self.rng
        county = self.tree.division_code[union["division_id"]][:6]
        if county == "441700":
            county = "441702"
        if migrant and rng.random() < 0.75:
            address, place, _ = MIGRANT_ORIGINS[bisect(ORIGIN_CUM, rng.random() * ORIGIN_CUM[-1])]
            county_name = place.split("自治区")[-1].split("省")[-1]
            native = place[:2] + (county_name[:-1] if len(county_name) > 2 else county_name)
            return address, place, native, address[:2] if address[:2] in ETHNICITY_CUM else "local"
        address, place = county, COUNTY_PLACE[county]
        if county == "441704" and birth.year < 1996:
            address = "441723"  # 阳东县's code until 2013, still on older cards
        elif county == "441781" and birth.year < 1975 and rng.random() < 0.3:
            address = "441722"  # 阳春县, before it became a city
        return address, place, "广东阳江", "local"

    def id_number(self, address, birth, male):
        """A synthetic, unique, checksum-valid resident ID number (odd sequence numbers
        for men, even for women, as the standard has it)."""
        stem = f"{address}{birth:%Y%m%d}"
        seq = int(self.rng.random() * 499) * 2 + (1 if male else 2)
        first17 = f"{stem}{seq:03d}"
        while first17 in self.used_ids:
            seq = seq + 2 if seq + 2 < 1000 else (1 if male else 2)
            first17 = f"{stem}{seq:03d}"
        self.used_ids.add(first17)
        return first17 + check_character(first17)
