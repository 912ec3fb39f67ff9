"""A small world on the hand-built tree (tests/people.py) whose figures the dashboard
and campaign tests compute by hand. Look at it "as of" 2018-10-31.

Employers (division, employees, covering union, unionised on):
    E1 华力五金   南恩街道 441702001  120  factory          2012-03-01
    E2 南恩小店甲 南恩街道            30   nanen_joint      2016-06-01
    E3 南恩小店乙 南恩街道            10   nanen_joint      2018-02-01
    E4 城南大厂   城南街道 441702002  150  —
    E5 河西中厂   河西街道 441781002  40   —
    E6 春城小店   春城街道 441781001  8    —
    E7 春城工厂   春城街道            60   chuncheng_joint  2015-01-10

Members (union, joined, what else):
    m1  factory          2010-05-01
    m2  factory          2018-01-01   (1 January: new this year)
    m3  factory          2018-03-15   left 2018-09-01
    m4  factory          2018-11-05   (after the as-of day)
    m5  nanen_joint      2017-07-01   courier
    m6  nanen_joint      2018-03-20   migrant worker
    m7  chuncheng_joint  2016-01-01   migrant worker
    m8  chuncheng_joint  2018-10-31   truck driver (on the as-of day)
    m9  trucks           2018-06-01   truck driver, through the truck-driver drive
    m10 trucks           2015-01-01   retained 2017-01-01
"""

from datetime import date
from types import SimpleNamespace

import pytest

from members import services
from members.identity import check_character
from members.models import EnrolmentDrive, Member, MembershipEvent
from organizations.models import Division, Employer

AS_OF = date(2018, 10, 31)


def resident_id(sequence, born="19900101", area="441702"):
    first17 = f"{area}{born}{sequence:03d}"
    return first17 + check_character(first17)


def make_member(number, union, joined, **extra):
    gender = "男" if number % 2 else "女"
    member = Member(
        name=f"会员{number}", gender=gender, id_number=resident_id(100 + number),
        union=union, joined_on=joined, **extra,
    )
    return services.enrol(member)


def employer(name, division_code, employees, union=None, unionized_on=None):
    return Employer.objects.create(
        name=name, division=Division.objects.get(code=division_code), employees=employees,
        union=union, unionized_on=unionized_on,
    )


@pytest.fixture
def world(tree):
    w = SimpleNamespace(tree=tree)
    w.e1 = employer("华力五金", "441702001", 120, tree.factory, date(2012, 3, 1))
    w.e2 = employer("南恩小店甲", "441702001", 30, tree.nanen_joint, date(2016, 6, 1))
    w.e3 = employer("南恩小店乙", "441702001", 10, tree.nanen_joint, date(2018, 2, 1))
    w.e4 = employer("城南大厂", "441702002", 150)
    w.e5 = employer("河西中厂", "441781002", 40)
    w.e6 = employer("春城小店", "441781001", 8)
    w.e7 = employer("春城工厂", "441781001", 60, tree.chuncheng_joint, date(2015, 1, 10))
    w.drive = EnrolmentDrive.objects.create(
        name="货车司机入会行动", organizer=tree.trucks, default_union=tree.trucks,
        kind=EnrolmentDrive.Kind.OTHER, starts_on=date(2018, 5, 1),
        target_group="truck_driver", target_count=9000,
    )
    w.m1 = make_member(1, tree.factory, date(2010, 5, 1))
    w.m2 = make_member(2, tree.factory, date(2018, 1, 1))
    w.m3 = make_member(3, tree.factory, date(2018, 3, 15))
    services.change_status(w.m3, MembershipEvent.Kind.LEAVE, date(2018, 9, 1))
    w.m4 = make_member(4, tree.factory, date(2018, 11, 5))
    w.m5 = make_member(5, tree.nanen_joint, date(2017, 7, 1), is_courier=True)
    w.m6 = make_member(6, tree.nanen_joint, date(2018, 3, 20), is_migrant_worker=True)
    w.m7 = make_member(7, tree.chuncheng_joint, date(2016, 1, 1), is_migrant_worker=True)
    w.m8 = make_member(8, tree.chuncheng_joint, date(2018, 10, 31), is_truck_driver=True)
    w.m9 = make_member(9, tree.trucks, date(2018, 6, 1), is_truck_driver=True, drive=w.drive)
    w.m10 = make_member(10, tree.trucks, date(2015, 1, 1))
    services.change_status(w.m10, MembershipEvent.Kind.RETAIN, date(2017, 1, 1))
    return w
