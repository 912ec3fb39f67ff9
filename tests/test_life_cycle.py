"""A member's whole life through ``members.services`` (issue 17, items 1–4): every
会籍变化 with its official reason, a retained member working again, rejoining after
leaving, 预备 → 正式, applications, batch changes that hold or fail whole — and the
statistics on dates before and after each kind of change. Every expected figure is
worked out by hand in the comments."""

import csv
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from members import services
from members.models import Application, BatchChange, Member, MembershipEvent
from members.services import ChangeKind
from members.statistics import BY_UNION, breakdown, members_on
from organizations import codes
from organizations.models import Grant, Role
from tests.test_services import new_member

Kind = MembershipEvent.Kind
# The project's copy of the official code lists, and the shared original when present.
CODE_LISTS = [codes.CODE_LIST_FILE] + [
    path for path in [settings.BASE_DIR.parent / "shared" / "data" / "register_code_lists.csv"]
    if path.exists()]


def test_reasons_table_covers_exactly_the_official_change_reasons():
    """The one table of which reason goes with which change names every official
    会籍变化原因 and nothing else, and each change's register type is an official one."""
    tabled = {reason for reasons in MembershipEvent.REASONS.values() for reason in reasons}
    for path in CODE_LISTS:
        with open(path, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        official = {row["value"] for row in rows if row["list"] == "会籍变化原因"}
        types = {row["value"] for row in rows if row["list"] == "会籍变化类型"}
        assert tabled == official, path
        assert set(MembershipEvent.REGISTER_TYPE.values()) == types, path
    assert "在本单位下岗后待岗" in MembershipEvent.REASONS[Kind.RETAIN]
    assert MembershipEvent.REASONS[Kind.LEAVE] == ("个人要求退会",)
    assert MembershipEvent.REASONS[Kind.STRIKE_OFF] == ("因犯罪被开除会籍",)


def test_a_reason_must_go_with_its_change(people, tree):
    member = new_member(tree.factory, 1, date(2015, 3, 1))
    clerk = people.jiangcheng_clerk
    for change, reason in ((ChangeKind.RETAIN, "个人要求退会"), (ChangeKind.LEAVE, "失业"),
                           (ChangeKind.STRIKE_OFF, "失业"), (ChangeKind.DEATH, "失业")):
        with pytest.raises(services.MembershipError):
            services.record_change(member, change, date(2020, 1, 1), user=clerk, reason=reason)
    assert member.events.count() == 1  # nothing written
    services.record_change(member, ChangeKind.RETAIN, date(2020, 1, 1), user=clerk,
                           reason="所在企业破产")
    assert member.events.last().reason == "所在企业破产"


def test_dates_are_checked_against_the_history(people, tree):
    member = new_member(tree.factory, 1, date(2015, 3, 1))
    clerk = people.jiangcheng_clerk
    services.record_change(member, ChangeKind.RETAIN, date(2019, 5, 1), user=clerk, reason="失业")
    with pytest.raises(services.MembershipError, match="2019-05-01"):
        services.record_change(member, ChangeKind.LEAVE, date(2019, 4, 30), user=clerk,
                               reason="个人要求退会")
    with pytest.raises(services.MembershipError):
        services.record_change(member, ChangeKind.LEAVE, date(2999, 1, 1), user=clerk,
                               reason="个人要求退会")
    assert Member.objects.get(pk=member.pk).status == Member.Status.RETAINED


@pytest.fixture
def life(people, tree):
    """
    R  华力五金工会   joined 2015-03-01, 保留 2018-07-01 (失业), 转入 南恩街道联合工会 2019-03-01
    J  华力五金工会   joined 2016-01-01, 退会 2018-05-31, 入会 again 2019-01-10
    S  华力五金工会   joined 2016-06-01, 除名 2018-09-01
    T  华力五金工会   joined 2017-01-01, death 2018-12-01
    """
    clerk = people.jiangcheng_clerk
    h = type("Life", (), {})()
    h.r = new_member(tree.factory, 1, date(2015, 3, 1))
    services.record_change(h.r, ChangeKind.RETAIN, date(2018, 7, 1), user=clerk, reason="失业")
    services.record_change(h.r, ChangeKind.RETURN, date(2019, 3, 1), user=clerk,
                           union=tree.nanen_joint, reason="劳动（工作）关系发生变化")
    h.j = new_member(tree.factory, 2, date(2016, 1, 1))
    services.record_change(h.j, ChangeKind.LEAVE, date(2018, 5, 31), user=clerk,
                           reason="个人要求退会")
    services.record_change(h.j, ChangeKind.REJOIN, date(2019, 1, 10), user=clerk,
                           union=tree.factory)
    h.s = new_member(tree.factory, 3, date(2016, 6, 1))
    services.record_change(h.s, ChangeKind.STRIKE_OFF, date(2018, 9, 1), user=clerk,
                           reason="因犯罪被开除会籍")
    h.t = new_member(tree.factory, 4, date(2017, 1, 1))
    services.record_change(h.t, ChangeKind.DEATH, date(2018, 12, 1), user=clerk)
    for name in "rjst":
        getattr(h, name).refresh_from_db()
    return h


def test_each_change_leaves_the_member_where_the_register_says(life, tree, people):
    assert (life.r.status, life.r.union) == (Member.Status.ACTIVE, tree.nanen_joint)
    assert [(e.kind, e.register_type) for e in life.r.events.all()] == [
        (Kind.JOIN, "入会"), (Kind.RETAIN, "保留"), (Kind.TRANSFER_IN, "转入")]
    back = life.r.events.last()
    assert back.counterpart == tree.factory and back.recorded_by == people.jiangcheng_clerk
    # Rejoined: the same row, a second 入会; the join date is the new one.
    assert Member.objects.filter(id_number=life.j.id_number).count() == 1
    assert [e.kind for e in life.j.events.all()] == [Kind.JOIN, Kind.LEAVE, Kind.JOIN]
    assert (life.j.status, life.j.joined_on, life.j.left_on) == (
        Member.Status.ACTIVE, date(2019, 1, 10), None)
    assert life.s.status == Member.Status.STRUCK_OFF and life.t.status == Member.Status.DECEASED
    # The dead do not rejoin; a current member cannot join twice.
    for member in (life.t, life.j):
        with pytest.raises(services.MembershipError):
            services.rejoin(member, date(2020, 1, 1), user=people.jiangcheng_clerk)


def test_statistics_before_and_after_each_change(life, tree):
    def row(day, since=None):
        report = breakdown(tree.city, day, BY_UNION, since=since)
        return report.total.members, report.total.retained_members, report.total.new_members

    # 2018-04-30: R, J, S, T all working members; nobody retained.
    assert members_on(tree.city, date(2018, 4, 30)) == 4
    # 2018-07-01: J has left (05-31); R retained, still counted, apart.
    assert row(date(2018, 7, 1))[:2] == (3, 1)
    # 2018-12-31: R retained; S struck off (09-01), T dead (12-01): R only.
    assert row(date(2018, 12, 31))[:2] == (1, 1)
    # 2019-01-10: J rejoined — counted once (one event in effect), and new in 2019.
    assert row(date(2019, 1, 10)) == (2, 1, 1)
    # 2019-03-01: R works again in 南恩街道联合工会: a working member there, no longer apart,
    # gone from the factory; the return is not a new member.
    assert row(date(2019, 3, 1)) == (2, 0, 1)
    assert members_on(tree.nanen_joint, date(2019, 3, 1)) == 1
    assert members_on(tree.factory, date(2019, 3, 1)) == 1  # J
    assert members_on(tree.nanen_joint, date(2019, 2, 28)) == 0


def test_return_to_work_only_for_retained_members_in_the_area(life, tree, people):
    with pytest.raises(services.MembershipError):  # R works already
        services.return_to_work(life.r, tree.factory, date(2020, 1, 1), user=people.jiangcheng_clerk)
    member = new_member(tree.factory, 9, date(2015, 1, 1))
    services.record_change(member, ChangeKind.RETAIN, date(2018, 1, 1), user=people.superuser,
                           reason="在本单位下岗后待岗")
    with pytest.raises(services.MembershipError):  # 阳春's union: outside the clerk's area
        services.record_change(member, ChangeKind.RETURN, date(2019, 1, 1),
                               user=people.jiangcheng_clerk, union=tree.chuncheng_joint,
                               reason="劳动（工作）关系发生变化")
    # Back at the old workplace: 转入 into the same union, no counterpart.
    services.record_change(member, ChangeKind.RETURN, date(2019, 1, 1),
                           user=people.jiangcheng_clerk, union=tree.factory,
                           reason="劳动（工作）关系发生变化")
    back = member.events.last()
    assert (back.kind, back.union, back.counterpart) == (Kind.TRANSFER_IN, tree.factory, None)


def test_probationary_member_becomes_ordinary_on_a_date(tree, people):
    member = new_member(tree.factory, 1, date(2020, 1, 1))
    Member.objects.filter(pk=member.pk).update(member_type=Member.MemberType.PROBATIONARY)
    with pytest.raises(services.MembershipError):
        services.make_ordinary(member, date(2019, 12, 31), user=people.jiangcheng_clerk)
    services.make_ordinary(member, date(2020, 7, 1), user=people.jiangcheng_clerk)
    member.refresh_from_db()
    assert (member.member_type, member.ordinary_since) == (Member.MemberType.ORDINARY,
                                                           date(2020, 7, 1))
    assert member.history.first().history_user == people.jiangcheng_clerk
    with pytest.raises(services.MembershipError):
        services.make_ordinary(member, date(2020, 8, 1), user=people.jiangcheng_clerk)


# --- Batch changes ---------------------------------------------------------------------------


def test_batch_holds_whole(tree, people):
    members = [new_member(tree.factory, serial, date(2016, 1, 1)) for serial in (1, 2, 3)]
    record = services.batch_change(
        Member.objects.filter(pk__in=[m.pk for m in members]), ChangeKind.RETAIN,
        date(2020, 1, 1), user=people.jiangcheng_clerk, reason="所在企业破产")
    assert record.count == 3 and set(record.members.all()) == set(members)
    assert record.recorded_by == people.jiangcheng_clerk and record.scope == tree.jiangcheng
    assert Member.objects.filter(status=Member.Status.RETAINED).count() == 3
    assert all(m.events.last().recorded_by == people.jiangcheng_clerk for m in members)


def test_batches_are_audited_for_the_administrators_of_their_area(client, tree, people):
    members = [new_member(tree.factory, serial, date(2016, 1, 1)) for serial in (1, 2)]
    services.batch_change(Member.objects.filter(pk__in=[m.pk for m in members]),
                          ChangeKind.RETAIN, date(2020, 1, 1), user=people.jiangcheng_clerk,
                          reason="失业")
    yangchun_admin = User.objects.create_user("yangchun_admin", is_staff=True)
    Grant.objects.create(user=yangchun_admin, organization=tree.yangchun, role=Role.ADMIN)
    url = reverse("admin:members_batchchange_changelist")
    for user, sees in ((people.city_admin, 1), (yangchun_admin, 0)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response.context["cl"].result_count == sees
    client.force_login(people.jiangcheng_clerk)  # a clerk records batches, does not audit
    assert client.get(url).status_code == 403


def test_batch_fails_whole_and_names_who_and_why(tree, people):
    members = [new_member(tree.factory, serial, date(2016, 1, 1)) for serial in (1, 2, 3)]
    services.change_status(members[1], Kind.LEAVE, date(2019, 1, 1), reason="个人要求退会")
    chosen = Member.objects.filter(pk__in=[m.pk for m in members])
    count, problems = services.batch_preview(chosen, ChangeKind.RETAIN, date(2020, 1, 1),
                                             user=people.jiangcheng_clerk, reason="失业")
    assert count == 3 and [member.pk for member, _why in problems] == [members[1].pk]
    events = MembershipEvent.objects.count()
    with pytest.raises(services.BatchRefused) as refused:
        services.batch_change(chosen, ChangeKind.RETAIN, date(2020, 1, 1),
                              user=people.jiangcheng_clerk, reason="失业")
    assert [(m.pk, why) for m, why in refused.value.problems] == [
        (members[1].pk, f"{members[1].name} 目前不是会员。")]
    # Nothing of the batch landed: not even the two members who could take it.
    assert MembershipEvent.objects.count() == events
    assert Member.objects.filter(status=Member.Status.RETAINED).count() == 0
    assert not BatchChange.objects.exists()


# --- Applications ----------------------------------------------------------------------------


def _application(tree, **extra):
    from tests.scoped_data import resident_id

    return Application(name="林申请", id_number=resident_id("441702", date(1995, 3, 3), 51),
                       gender="男", union=tree.factory, applied_on=date(2024, 7, 1), **extra)


def test_application_reviewed_then_enrolled_with_the_reviewer(tree, people):
    application = services.apply(_application(tree), user=people.base_clerk)
    assert application.state == Application.State.PENDING
    with pytest.raises(services.MembershipError):  # one pending application per person
        services.apply(_application(tree), user=people.base_clerk)
    with pytest.raises(services.MembershipError):  # 阳春's clerk does not review it
        services.approve_application(application, people.yangchun_clerk)
    approved = services.approve_application(application, people.jiangcheng_clerk,
                                            day=date(2024, 7, 5))
    member = approved.member
    assert (approved.state, approved.reviewed_by) == (Application.State.APPROVED,
                                                      people.jiangcheng_clerk)
    assert (member.union, member.joined_on, member.member_type) == (
        tree.factory, date(2024, 7, 5), Member.MemberType.PROBATIONARY)
    assert member.events.get().recorded_by == people.jiangcheng_clerk
    with pytest.raises(services.MembershipError):  # already decided
        services.reject_application(approved, people.jiangcheng_clerk)
    with pytest.raises(services.MembershipError):  # a member now: cannot apply again
        services.apply(_application(tree), user=people.base_clerk)


def test_application_of_someone_who_left_rejoins_them(tree, people):
    first = services.approve_application(services.apply(_application(tree)),
                                         people.jiangcheng_clerk, day=date(2024, 7, 5))
    services.change_status(first.member, Kind.LEAVE, date(2025, 1, 1), reason="个人要求退会")
    again = services.approve_application(services.apply(_application(tree)),
                                         people.jiangcheng_clerk, day=date(2025, 6, 1))
    assert again.member.pk == first.member.pk
    assert [e.kind for e in again.member.events.all()] == [Kind.JOIN, Kind.LEAVE, Kind.JOIN]


def test_rejected_application_records_the_reviewer(tree, people):
    application = services.apply(_application(tree))
    services.reject_application(application, people.jiangcheng_clerk, note="材料不全")
    application.refresh_from_db()
    assert (application.state, application.reviewed_by, application.review_note) == (
        Application.State.REJECTED, people.jiangcheng_clerk, "材料不全")
    assert not Member.objects.exists()
