"""Membership changes through members.services and the as-of statistics read from them.

The statistics test builds a handful of members with joins, leaves, a retention and a
transfer at known dates; every expected number is worked out by hand in the comments."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection

from members import services
from members.identity import check_character
from members.models import Member, MembershipEvent, Transfer
from members.statistics import BY_COUNTY, BY_TOWN, BY_UNION, breakdown, members_on

Kind = MembershipEvent.Kind


def rid(first17):
    return first17 + check_character(first17)


def new_member(union, serial, joined_on, *, gender="男", migrant=False, user=None):
    """Enrol a member with a distinct valid ID (born 1980-01-01, sequence ``serial``)."""
    sequence = serial * 2 + (1 if gender == "男" else 0)  # odd for men, even for women
    member = Member(
        name=f"会员{serial}", id_number=rid(f"44170219800101{sequence:03d}"), union=union,
        joined_on=joined_on, gender=gender, is_migrant_worker=migrant,
    )
    return services.enrol(member, user=user)


def kinds(member):
    return [(e.kind, e.date, e.union_id, e.valid_until) for e in member.events.order_by("date", "id")]


# --- Enrolling, leaving, rejoining --------------------------------------------------------


def test_enrol_writes_a_join_event(people, tree):
    member = new_member(tree.nanen_joint, 1, date(2020, 4, 1), user=people.jiangcheng_clerk)
    assert member.status == Member.Status.ACTIVE
    assert member.created_by == people.jiangcheng_clerk
    event = member.events.get()
    assert (event.kind, event.date, event.union, event.valid_until) == (
        Kind.JOIN, date(2020, 4, 1), tree.nanen_joint, None
    )
    assert event.recorded_by == people.jiangcheng_clerk
    assert event.register_type == "入会"


def test_leave_then_rejoin_keeps_the_history(tree):
    member = new_member(tree.factory, 1, date(2015, 3, 1))
    services.change_status(member, Kind.LEAVE, date(2018, 6, 30), reason="个人要求退会")
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    assert member.left_on == date(2018, 6, 30) and member.leave_reason == "个人要求退会"
    with pytest.raises(services.MembershipError):
        services.change_status(member, Kind.LEAVE, date(2018, 7, 1))  # not a member now

    services.change_status(member, Kind.JOIN, date(2020, 1, 15))
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.left_on is None
    u = tree.factory.pk
    assert kinds(member) == [
        (Kind.JOIN, date(2015, 3, 1), u, date(2018, 6, 30)),
        (Kind.LEAVE, date(2018, 6, 30), u, date(2020, 1, 15)),
        (Kind.JOIN, date(2020, 1, 15), u, None),
    ]
    # As of each date, the history answers.
    assert members_on(tree.city, date(2018, 6, 29)) == 1
    assert members_on(tree.city, date(2018, 6, 30)) == 0
    assert members_on(tree.city, date(2019, 12, 31)) == 0
    assert members_on(tree.city, date(2020, 1, 15)) == 1
    # A change cannot be dated before the last one.
    with pytest.raises(services.MembershipError):
        services.change_status(member, Kind.RETAIN, date(2019, 1, 1))


# --- Transfers ---------------------------------------------------------------------------


def test_transfer_within_scope_takes_effect_at_once(people, tree):
    member = new_member(tree.factory, 1, date(2016, 5, 1))
    transfer = services.request_transfer(
        member, tree.nanen_joint, date(2021, 3, 1), user=people.jiangcheng_clerk, reason="失业"
    )
    assert transfer.state == Transfer.State.ACCEPTED
    assert transfer.decided_by == people.jiangcheng_clerk
    member.refresh_from_db()
    assert member.union == tree.nanen_joint and member.status == Member.Status.ACTIVE
    assert kinds(member) == [
        (Kind.JOIN, date(2016, 5, 1), tree.factory.pk, date(2021, 3, 1)),
        (Kind.TRANSFER_OUT, date(2021, 3, 1), tree.factory.pk, date(2021, 3, 1)),
        (Kind.TRANSFER_IN, date(2021, 3, 1), tree.nanen_joint.pk, None),
    ]
    out, in_ = member.events.order_by("id")[1:]
    assert out.counterpart == tree.nanen_joint and in_.counterpart == tree.factory
    assert members_on(tree.factory, date(2021, 2, 28)) == 1
    assert members_on(tree.factory, date(2021, 3, 1)) == 0
    assert members_on(tree.nanen_joint, date(2021, 3, 1)) == 1
    assert members_on(tree.jiangcheng, date(2021, 3, 1)) == 1  # never counted twice


def test_transfer_across_subtrees_waits_for_the_receiving_side(people, tree):
    member = new_member(tree.nanen_joint, 1, date(2017, 8, 1))
    day = date(2022, 9, 1)
    transfer = services.request_transfer(member, tree.chuncheng_joint, day, user=people.jiangcheng_clerk)
    assert transfer.state == Transfer.State.PENDING
    member.refresh_from_db()
    assert member.union == tree.nanen_joint
    # Until Yangchun accepts, the person still counts in Jiangcheng.
    assert members_on(tree.jiangcheng, day) == 1
    assert members_on(tree.yangchun, day) == 0
    assert member.events.count() == 1
    # Both sides see the request.
    assert Transfer.objects.visible_to(people.yangchun_clerk).get() == transfer
    assert Transfer.objects.visible_to(people.jiangcheng_clerk).get() == transfer
    assert not Transfer.objects.visible_to(people.base_clerk).exists()

    services.accept_transfer(transfer, user=people.yangchun_clerk)
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.ACCEPTED and transfer.decided_by == people.yangchun_clerk
    member.refresh_from_db()
    assert member.union == tree.chuncheng_joint
    assert members_on(tree.jiangcheng, day) == 0
    assert members_on(tree.yangchun, day) == 1
    assert members_on(tree.jiangcheng, date(2022, 8, 31)) == 1  # the past is unchanged
    with pytest.raises(services.MembershipError):
        services.accept_transfer(transfer, user=people.yangchun_clerk)


def test_transfer_rules(people, tree):
    member = new_member(tree.nanen_joint, 1, date(2017, 8, 1))
    with pytest.raises(services.MembershipError):
        services.request_transfer(member, tree.nanen_joint, date(2020, 1, 1), user=people.city_admin)
    with pytest.raises(services.MembershipError):
        services.request_transfer(member, tree.nanen, date(2020, 1, 1), user=people.city_admin)
    pending = services.request_transfer(
        member, tree.chuncheng_joint, date(2020, 1, 1), user=people.jiangcheng_clerk
    )
    services.reject_transfer(pending, user=people.yangchun_clerk)
    member.refresh_from_db()
    assert member.union == tree.nanen_joint and member.events.count() == 1


# --- As-of statistics on a hand-built register -------------------------------------------


@pytest.fixture
def history(people, tree):
    """
    A  woman, migrant  南恩街道联合工会   joined 2018-03-01
    B  man             华力五金工会        joined 2017-06-01, left 2018-09-30
    C  woman           华力五金工会        joined 2018-10-15, transferred to 春城街道联合工会 2019-02-01
    D  man, migrant    春城街道联合工会   joined 2016-01-01
    E  woman           货车司机工联会      joined 2018-11-05
    F  man             南恩街道联合工会   joined 2015-05-05, retained 2018-07-01
    """
    h = type("History", (), {})()
    h.a = new_member(tree.nanen_joint, 1, date(2018, 3, 1), gender="女", migrant=True)
    h.b = new_member(tree.factory, 2, date(2017, 6, 1))
    services.change_status(h.b, Kind.LEAVE, date(2018, 9, 30), reason="个人要求退会")
    h.c = new_member(tree.factory, 3, date(2018, 10, 15), gender="女")
    services.request_transfer(h.c, tree.chuncheng_joint, date(2019, 2, 1), user=people.city_admin)
    h.d = new_member(tree.chuncheng_joint, 4, date(2016, 1, 1), migrant=True)
    h.e = new_member(tree.trucks, 5, date(2018, 11, 5), gender="女")
    h.f = new_member(tree.nanen_joint, 6, date(2015, 5, 5))
    services.change_status(h.f, Kind.RETAIN, date(2018, 7, 1), reason="失业")
    return h


def figures(row, *names):
    return tuple(getattr(row, name) for name in names)


MEMBER_FIGURES = ("members", "women_members", "migrant_members", "retained_members")


def test_members_on_dates(history, tree):
    # 2017-12-31: B, D, F (A, C, E not yet joined).
    assert members_on(tree.city, date(2017, 12, 31)) == 3
    # 2018-10-31: A, C, D, F (B left on 09-30, E not yet) — F retained still counts.
    assert members_on(tree.city, date(2018, 10, 31)) == 4
    assert members_on(tree.jiangcheng, date(2018, 10, 31)) == 3  # A, C, F
    assert members_on(tree.yangchun, date(2018, 10, 31)) == 1  # D
    # 2019-06-30: A, C (now Yangchun), D, E, F.
    assert members_on(tree.city, date(2019, 6, 30)) == 5
    assert members_on(tree.jiangcheng, date(2019, 6, 30)) == 2  # A, F
    assert members_on(tree.yangchun, date(2019, 6, 30)) == 2  # C, D
    assert members_on(tree.trucks, date(2019, 6, 30)) == 1  # E
    # The day of the transfer: C has left the factory and arrived in Chuncheng.
    assert members_on(tree.factory, date(2019, 2, 1)) == 0
    assert members_on(tree.chuncheng_joint, date(2019, 2, 1)) == 2


def test_breakdown_by_union_on_2018_10_31(history, tree):
    report = breakdown(tree.city, date(2018, 10, 31), BY_UNION)
    rows = {row.organization: row for row in report.rows}
    # Jiangcheng: A (woman, migrant), C (woman), F (retained man).
    assert figures(rows[tree.jiangcheng], *MEMBER_FIGURES) == (3, 2, 1, 1)
    # Yangchun: D (migrant man).
    assert figures(rows[tree.yangchun], *MEMBER_FIGURES) == (1, 0, 1, 0)
    assert figures(rows[tree.trucks], *MEMBER_FIGURES) == (0, 0, 0, 0)
    assert figures(report.total, *MEMBER_FIGURES) == (4, 2, 2, 1)
    # New members since 2018-01-01: A (03-01) and C (10-15), both in Jiangcheng.
    assert rows[tree.jiangcheng].new_members == 2
    assert report.total.new_members == 2


def test_breakdown_by_county_and_town_on_2019_06_30(history, tree):
    day = date(2019, 6, 30)
    by_county = {row.key: row for row in breakdown(tree.city, day, BY_COUNTY).rows}
    # 江城区 441702: A, F.  阳春市 441781: C, D.  The truck drivers' federation sits in
    # the city division 441700: E.
    assert figures(by_county["441702"], *MEMBER_FIGURES) == (2, 1, 1, 1)
    assert figures(by_county["441781"], *MEMBER_FIGURES) == (2, 1, 1, 0)
    assert figures(by_county["441700"], *MEMBER_FIGURES) == (1, 1, 0, 0)

    by_town = breakdown(tree.city, day, BY_TOWN)
    towns = {row.key: row for row in by_town.rows}
    assert towns["441702001"].members == 2
    assert towns["441781001"].members == 2
    assert figures(by_town.total, *MEMBER_FIGURES) == (5, 3, 2, 1)
    # No one joined in the first half of 2019: C's transfer is not a new member.
    assert by_town.total.new_members == 0


def test_breakdown_new_members_in_a_chosen_period(history, tree):
    # Joins after 2018-10-31 up to 2019-06-30: only E (2018-11-05).
    report = breakdown(tree.city, date(2019, 6, 30), BY_UNION, since=date(2018, 10, 31))
    rows = {row.organization: row for row in report.rows}
    assert rows[tree.trucks].new_members == 1
    assert report.total.new_members == 1
    # A county's own breakdown sees only its subtree.
    jiangcheng = breakdown(tree.jiangcheng, date(2018, 10, 31), BY_UNION)
    assert jiangcheng.total.members == 3
    assert jiangcheng.total.new_members == 2


# --- One person, one membership, even under concurrent saves -----------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_enrolments_of_the_same_id(tree):
    """Two threads, each with its own database connection, enrol the same ID at the
    same moment: the unique constraint lets exactly one in; the other gets IntegrityError
    (which the entry page turns into the message — see test_entry_page)."""
    barrier = threading.Barrier(2, timeout=20)
    number = rid("44170219900307024")
    outcomes = []

    def save(serial):
        try:
            member = Member(name=f"并发{serial}", id_number=number, union=tree.nanen_joint,
                            joined_on=date(2024, 5, 1), gender="女")
            barrier.wait()
            services.enrol(member)
            outcomes.append("saved")
        except IntegrityError:
            outcomes.append("integrity error")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["integrity error", "saved"]
    assert Member.objects.filter(id_number=number).count() == 1
    assert MembershipEvent.objects.filter(member__id_number=number).count() == 1
