"""The membership events' copy of the member's counted attributes (gender, categories):
every path that writes events or changes members keeps it equal to the member, so the
statistics, which count from the copy, say what they said when they joined the member
table. ``copy_member_attributes()`` returns how many events it had to repair: 0 means
every copy was in step."""

from datetime import date

import pytest

from members import services
from members.models import COUNTED_FIELDS, Member, MembershipEvent
from members.spreadsheets.importing import run_import
from members.statistics import BY_UNION, breakdown
from tests.test_import import HEADER, member_row, resident_id, xlsx
from tests.test_services import new_member

Kind = MembershipEvent.Kind




def copies(member):
    return {tuple(getattr(event, name) for name in COUNTED_FIELDS)
            for event in MembershipEvent.objects.filter(member=member)}


def expected(member):
    member.refresh_from_db()
    return {tuple(getattr(member, name) for name in COUNTED_FIELDS)}


def in_step():
    return MembershipEvent.objects.all().copy_member_attributes() == 0


def test_services_copy_the_attributes_onto_every_event(people, tree):
    member = new_member(tree.factory, 1, date(2017, 6, 1), gender="女", migrant=True)
    services.change_status(member, Kind.RETAIN, date(2018, 1, 1))
    services.request_transfer(member, tree.nanen_joint, date(2019, 1, 1), user=people.city_admin)
    assert member.events.count() == 4
    assert copies(member) == {("女", True, False, False, False, False, False)}
    assert in_step()


def test_member_save_rewrites_the_copies_and_the_past_counts_today_s_attributes(tree):
    member = new_member(tree.factory, 2, date(2017, 6, 1))
    services.change_status(member, Kind.LEAVE, date(2018, 6, 30))
    member = Member.objects.get(pk=member.pk)
    member.is_truck_driver = True
    member.save()
    assert copies(member) == expected(member)
    # Counted on a day before they left, with the attributes they have today (as the
    # statistics did when they read the member table).
    report = breakdown(tree.city, date(2018, 1, 31), BY_UNION)
    assert (report.total.members, report.total.truck_driver_members) == (1, 1)
    # A save of other fields leaves the copies alone; one of the category does not.
    member.notes = "x"
    member.save(update_fields=["notes"])
    member.is_courier = True
    member.save(update_fields=["is_courier"])
    assert copies(member) == expected(member)
    assert in_step()


def test_copy_member_attributes_repairs_after_a_bulk_update(tree):
    a = new_member(tree.factory, 3, date(2017, 6, 1))
    b = new_member(tree.factory, 4, date(2017, 6, 1))
    Member.objects.filter(pk=a.pk).update(is_construction_worker=True)  # bypasses save()
    assert copies(a) != expected(a)
    assert MembershipEvent.objects.all().copy_member_attributes() == 1
    assert copies(a) == expected(a) and copies(b) == expected(b)
    assert in_step()


@pytest.mark.django_db
def test_import_writes_and_updates_the_copies(tree, people):
    rows = [member_row(1), member_row(2, 状态="退会")]
    rows[1].append("2020-01-31")
    header = [*HEADER, "离会日期"]
    result = run_import("members", xlsx(rows, header=header), people.superuser, commit=True)
    assert result.committed
    assert in_step()
    left = Member.objects.get(id_number=resident_id(2))
    assert copies(left) == {("女", True, False, False, False, False, False)}
    # Re-imported as a courier and no longer a migrant worker: the bulk update of the
    # members is followed by the events.
    result = run_import("members", xlsx([member_row(1, 人员类别="快递员")]), people.superuser,
                        commit=True)
    assert result.updated == 1
    changed = Member.objects.get(id_number=resident_id(1))
    assert copies(changed) == {("男", False, False, True, False, False, False)}
    assert in_step()


def test_demo_generator_writes_the_copies(db):
    from tests.test_seed_demo import seed

    seed(seed=3)
    assert MembershipEvent.objects.filter(gender="").count() == 0
    assert MembershipEvent.objects.filter(is_migrant_worker=True).exists()
    assert in_step()
