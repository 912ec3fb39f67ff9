"""The demo city's enrolment drives (集中入会活动) of 2016–2018: the 深茂铁路 construction
sites, 田间地头 drives in the rural towns' slack season, industrial parks, couriers,
truck drivers and delivery riders online."""

from datetime import date

from members.demo.rows import next_id
from members.models import EnrolmentDrive
from organizations.models import Organization

KIND = EnrolmentDrive.Kind

DRIVE_COLUMNS = [
    "id", "name", "organizer_id", "default_union_id", "kind", "starts_on", "ends_on", "place",
    "target_group", "target_count", "notes",
]


def build_drives(rng, tree, city_fed):
    """The drives as column dicts (``_unions``: the unions it enrolled into), and them
    by cohort of the member generator. ``city_fed``: the city's industry federation of
    each target group. Drives whose organiser or unions are missing (a small demo) are
    left out."""
    next_drive_id = next_id(EnrolmentDrive)
    drives, by_cohort = [], {}
    for cohort, name, kind, organizer, unions, start, end, place, group in _drive_specs(tree, city_fed):
        unions = [u for u in unions if u]
        if not organizer or not unions:
            continue
        default = unions[0] if len(unions) == 1 else rng.choice(unions)
        drive = {
            "id": next_drive_id, "name": name, "organizer_id": organizer["id"],
            "default_union_id": default["id"], "kind": kind, "starts_on": start,
            "ends_on": end, "place": place, "target_group": group, "target_count": 0,
            "notes": "", "_unions": unions,
        }
        next_drive_id += 1
        drives.append(drive)
        by_cohort.setdefault(cohort, []).append(drive)
    return drives, by_cohort


def _drive_specs(tree, city_fed):
    """(cohort, name, kind, organiser row, union rows, start, end, place, target group)."""
    towns_of = {}
    for u in tree.base:
        code = tree.division_code[u["division_id"]]
        towns_of.setdefault(code, []).append(u)

    def joint_in(prefixes):
        unions = [u for code, us in towns_of.items() if code.startswith(prefixes) for u in us]
        return [u for u in unions if u["kind"] == Organization.Kind.BASE_JOINT] or unions

    counties = tree.counties
    construction = city_fed.get("construction_worker")
    return [
        ("railway", "深茂铁路阳江段建设工地集中入会活动", KIND.CONSTRUCTION_SITE, construction,
         [construction], date(2017, 3, 20), date(2017, 11, 30), "深茂铁路阳江段沿线各标段项目部",
         "construction_worker"),
        ("fields", "田间地头送服务·农民工入会活动（阳春市）", KIND.FIELDS, counties["441781"],
         joint_in(("4417811",)), date(2016, 11, 1), date(2017, 2, 28), "阳春市各镇村委会",
         "migrant_worker"),
        ("fields", "农闲季节农民工集中入会活动（阳西县）", KIND.FIELDS, counties["441721"],
         joint_in(("441721",)), date(2017, 11, 15), date(2018, 2, 28), "阳西县各镇农贸市场及村委会",
         "migrant_worker"),
        ("fields", "农闲时节入会宣传周（阳东区）", KIND.FIELDS, counties["441704"],
         joint_in(("441704",)), date(2018, 1, 8), date(2018, 2, 9), "阳东区各镇", "migrant_worker"),
        ("park", "合山镇五金刀剪产业园集中入会活动", KIND.INDUSTRIAL_PARK, counties["441704"],
         joint_in(("441704107", "441704100")), date(2016, 5, 9), date(2016, 9, 30),
         "阳东区合山镇五金刀剪产业园", "migrant_worker"),
        ("park", "阳江高新区工业园区集中入会活动", KIND.INDUSTRIAL_PARK, counties["441702"],
         joint_in(("441702103", "441702102")), date(2017, 4, 10), date(2017, 6, 30),
         "阳江高新区（平冈镇、埠场镇）", "migrant_worker"),
        ("park", "阳春产业转移工业园入会活动", KIND.INDUSTRIAL_PARK, counties["441781"],
         joint_in(("441781001", "441781002")), date(2018, 4, 2), date(2018, 6, 29),
         "阳春产业转移工业园", "migrant_worker"),
        ("courier", "快递行业“暖蜂行动”集中入会", KIND.DELIVERY_DEPOT, city_fed.get("courier"),
         [city_fed.get("courier")], date(2017, 6, 1), date(2018, 10, 31), "市区各快递网点及分拣中心",
         "courier"),
        ("truck", "货车司机入会集中行动", KIND.OTHER, city_fed.get("truck_driver"),
         [city_fed.get("truck_driver")], date(2018, 5, 1), date(2018, 10, 31),
         "阳江港、各物流园及货运站场", "truck_driver"),
        ("delivery", "外卖骑手线上入会", KIND.ONLINE, city_fed.get("delivery_rider"),
         [city_fed.get("delivery_rider")], date(2018, 4, 1), date(2018, 10, 31), "",
         "delivery_rider"),
    ]
