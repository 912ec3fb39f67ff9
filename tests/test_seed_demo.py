"""The demo city generator (``seed_demo``): deterministic, valid data, consistent
paths and membership histories, the newspaper's proportions at a small size."""

from collections import defaultdict
from datetime import date

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from members.identity import parse_document
from members.models import EnrolmentDrive, Member, MembershipEvent, MembershipTally, Transfer
from members.statistics import breakdown, members_on
from organizations.models import Employer, Organization
from organizations.validators import normalize_credit_code

SMALL = {"unions": 60, "members": 500}


def seed(**options):
    call_command("seed_demo", **{**SMALL, **options}, stdout=_Null(), stderr=_Null())


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


@pytest.fixture
def demo(db):
    seed(seed=7)


def test_same_seed_gives_same_people_and_another_seed_does_not(db):
    seed(seed=7)
    first = list(Member.objects.order_by("id").values_list("id_number", "name", "union__code"))
    breakdown(Organization.objects.get(parent=None), date(2018, 10, 31))  # stores tallies
    seed(seed=7, reset=True)
    connection.check_constraints()  # the tallies went with their unions
    assert not MembershipTally.objects.exists()
    again = list(Member.objects.order_by("id").values_list("id_number", "name", "union__code"))
    assert first == again
    seed(seed=8, reset=True)
    other = list(Member.objects.order_by("id").values_list("id_number", "name", "union__code"))
    assert first != other


def test_refuses_a_database_with_data_unless_reset(demo):
    with pytest.raises(CommandError, match="--reset"):
        seed()


def test_sizes_and_the_count_on_the_reference_day(demo):
    city = Organization.objects.get(kind=Organization.Kind.CITY)
    assert city.code == "441700"
    assert Organization.objects.filter(kind=Organization.Kind.COUNTY).count() == 4
    assert Organization.objects.filter(kind=Organization.Kind.TOWN).count() == 48
    assert Organization.objects.filter(kind=Organization.Kind.INDUSTRY).count() == 15
    # Every town union carries its town's division code.
    for town in Organization.objects.filter(kind=Organization.Kind.TOWN).select_related("division"):
        assert town.code == town.division.code
    base = Organization.objects.base_unions().count()
    assert base >= SMALL["unions"]
    covered = Employer.objects.filter(union__isnull=False).count()
    assert covered > base  # joint unions cover several employers
    assert Employer.objects.without_union().filter(employees__gte=100).exists()
    # --members is the register's size on 2018-10-31; others left before or came later.
    assert members_on(city, date(2018, 10, 31)) == SMALL["members"]
    assert Member.objects.count() > SMALL["members"]
    assert Member.objects.filter(joined_on__gt=date(2018, 10, 31)).exists()
    assert EnrolmentDrive.objects.filter(members__isnull=False).distinct().count() >= 3


def test_every_generated_record_passes_the_registers_rules(demo):
    for number in Member.objects.values_list("id_number", flat=True):
        parse_document("居民身份证", number)
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    for member in Member.objects.select_related("employer", "union")[:150]:
        member.full_clean(validate_unique=False)
        assert member.union.kind in (*Organization.BASE_KINDS, Organization.Kind.INDUSTRY)
    for code in Organization.objects.exclude(credit_code=None).values_list("credit_code", flat=True):
        assert normalize_credit_code(code) == code and code.startswith("81")
    for code in Employer.objects.exclude(credit_code=None).values_list("credit_code", flat=True):
        assert normalize_credit_code(code) == code and code.startswith("91")


def test_paths_follow_the_parents(demo):
    unions = {o.pk: o for o in Organization.objects.all()}
    for union in unions.values():
        parent_path = unions[union.parent_id].path if union.parent_id else ""
        assert union.path == Organization.path_for(parent_path, union.pk)
        union.clean()  # kinds sit under kinds that may lead them
    # New rows get ids after the generated ones (sequences were moved on).
    new = Organization.objects.create(
        code="X1", name="测试工会", kind=Organization.Kind.BASE_SINGLE,
        parent=Organization.objects.get(code="441702001"),
        division=Organization.objects.get(code="441702001").division,
    )
    assert new.pk > max(unions)


def test_membership_histories_are_consistent(demo):
    events = defaultdict(list)
    for event in MembershipEvent.objects.order_by("member_id", "date", "id"):
        events[event.member_id].append(event)
    members = {m.pk: m for m in Member.objects.all()}
    assert set(events) == set(members)
    for member_id, history in events.items():
        member = members[member_id]
        assert history[0].kind == MembershipEvent.Kind.JOIN
        assert history[0].date == member.joined_on
        for event, following in zip(history, history[1:]):
            assert event.valid_until == following.date
        assert history[-1].valid_until is None
        assert history[-1].union_id == member.union_id
        if member.status in Member.MEMBER_STATUSES:
            assert member.left_on is None
        else:
            assert member.left_on == history[-1].date
        if member.employer_id:
            assert member.employer.union_id == member.union_id
    for transfer in Transfer.objects.all():
        assert transfer.state == Transfer.State.ACCEPTED
        kinds = [e.kind for e in events[transfer.member_id]]
        assert MembershipEvent.Kind.TRANSFER_OUT in kinds and MembershipEvent.Kind.TRANSFER_IN in kinds


def test_demo_city_has_the_three_kinds_of_site_of_the_newspaper(db):
    from django.core.management import call_command

    from organizations.models import CampaignTarget, DemonstrationSite

    call_command("seed_demo", "--unions", "60", "--members", "300", stdout=io.StringIO())
    open_sites = DemonstrationSite.objects.filter(status=DemonstrationSite.Status.OPEN)
    assert open_sites.filter(level=DemonstrationSite.Level.PROVINCIAL).count() == 6
    planned = DemonstrationSite.objects.filter(status=DemonstrationSite.Status.PLANNED)
    assert sorted(site.division.code for site in planned) == ["441702", "441704"]
    assert CampaignTarget.objects.count() == 2
