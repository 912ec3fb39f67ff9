"""The register list, a member's record and the list of drives: each named person sees
their own area, masked personal data unless their role allows it, bounded queries."""

from datetime import date

import pytest
from django.urls import reverse

from members import services
from members.identity import check_character
from members.models import Category, EnrolmentDrive, Member, MembershipEvent


def rid(first17):
    return first17 + check_character(first17)


def make_member(union, serial, name="李", **extra):
    """A member born 1980-01-01 with a distinct Jiangcheng-coded ID from ``serial``."""
    number = rid(f"44170219800101{serial:03d}")
    gender = "男" if int(number[16]) % 2 else "女"
    member = Member(
        name=f"{name}{serial}", id_number=number, union=union, joined_on=date(2019, 1, 1),
        gender=gender, birth_date=date(1980, 1, 1), mobile=f"139{serial:08d}", **extra,
    )
    return services.enrol(member)


@pytest.fixture
def register(tree):
    """Two people in the factory union, one in Nanen's joint union, one in Chuncheng."""
    r = type("Register", (), {})()
    r.factory_a = make_member(tree.factory, 1, name="王", is_migrant_worker=True)
    r.factory_b = make_member(tree.factory, 2, name="王", card_number="YJ-0002")
    r.nanen = make_member(tree.nanen_joint, 3, name="黄", is_courier=True)
    r.chuncheng = make_member(tree.chuncheng_joint, 4, name="黄")
    return r


def list_ids(client, **params):
    response = client.get(reverse("member_list"), params)
    assert response.status_code == 200
    return [member.pk for member in response.context["members"]]


# --- The register list -------------------------------------------------------------------


def test_member_list_access(client, people, register):
    assert client.get(reverse("member_list")).status_code == 302  # anonymous → login
    expected = {
        people.superuser: 4, people.city_admin: 4, people.jiangcheng_clerk: 3,
        people.jiangcheng_viewer: 3, people.yangchun_clerk: 1, people.base_clerk: 2,
    }
    for user, count in expected.items():
        client.force_login(user)
        assert len(list_ids(client)) == count, user.username


def test_member_list_filters(client, people, register, tree):
    client.force_login(people.jiangcheng_clerk)
    assert list_ids(client, union=tree.factory.code) == [register.factory_b.pk, register.factory_a.pk]
    assert list_ids(client, union=tree.nanen.code) == [
        register.nanen.pk, register.factory_b.pk, register.factory_a.pk
    ]
    assert list_ids(client, category=Category.COURIER) == [register.nanen.pk]
    services.change_status(register.factory_a, MembershipEvent.Kind.LEAVE, date(2023, 1, 1))
    assert list_ids(client, status=Member.Status.LEFT) == [register.factory_a.pk]
    assert list_ids(client, status=Member.Status.ACTIVE) == [register.nanen.pk, register.factory_b.pk]
    # A union outside the clerk's area is not a filter they may use.
    assert client.get(reverse("member_list"), {"union": tree.chuncheng_joint.code}).status_code == 404


def test_member_list_search(client, people, register):
    client.force_login(people.jiangcheng_clerk)
    number = register.factory_a.id_number
    assert list_ids(client, q=number) == [register.factory_a.pk]
    assert list_ids(client, q=number.lower()) == [register.factory_a.pk]
    legacy = number[:6] + number[8:17]  # the same person's old 15-digit card
    assert list_ids(client, q=legacy) == [register.factory_a.pk]
    assert list_ids(client, q=register.factory_b.mobile) == [register.factory_b.pk]
    assert list_ids(client, q="YJ-0002") == [register.factory_b.pk]
    assert list_ids(client, q="王") == [register.factory_b.pk, register.factory_a.pk]
    assert list_ids(client, q="王1") == [register.factory_a.pk]
    assert list_ids(client, q="1") == []  # no substring matching
    # Search never reaches outside the area.
    assert list_ids(client, q=register.chuncheng.id_number) == []


def test_member_list_is_always_masked(client, people, register):
    # A list is read over a clerk's shoulder at a drive: masked for every role; the full
    # numbers are on the member's own page for roles that need them.
    member = register.factory_a
    for person in (people.jiangcheng_viewer, people.jiangcheng_clerk, people.superuser):
        client.force_login(person)
        html = client.get(reverse("member_list")).content.decode()
        assert member.id_number not in html and member.mobile not in html
        assert member.masked_id_number in html and member.masked_mobile in html


def test_member_list_keyset_pages_in_bounded_queries(
    client, people, tree, django_assert_max_num_queries, monkeypatch
):
    from members import views

    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    members = [make_member(tree.nanen_joint, serial) for serial in range(1, 13)]
    newest_first = [m.pk for m in reversed(members)]
    client.force_login(people.jiangcheng_clerk)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("member_list"))
    assert [m.pk for m in response.context["members"]] == newest_first[:5]
    assert response.context["has_more"] is True
    html = response.content.decode()
    assert f"after={newest_first[4]}" in html

    with django_assert_max_num_queries(10) as captured:
        second = client.get(reverse("member_list"), {"after": newest_first[4]})
    assert [m.pk for m in second.context["members"]] == newest_first[5:10]
    # Nothing counts the table: "more" comes from fetching one row beyond the page.
    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)

    third = client.get(reverse("member_list"), {"after": newest_first[9]})
    assert [m.pk for m in third.context["members"]] == newest_first[10:]
    assert third.context["has_more"] is False

    # Filters carry over to the next page.
    filtered = client.get(reverse("member_list"), {"union": tree.nanen_joint.code})
    assert f"union={tree.nanen_joint.code}" in filtered.content.decode()


def test_member_list_queries_do_not_grow_with_rows(client, people, tree, django_assert_max_num_queries):
    from organizations.models import Division, Employer

    employer = Employer.objects.create(
        name="华力五金", division=Division.objects.get(code="441702001"), union=tree.factory
    )
    for serial in range(1, 31):
        make_member(tree.factory, serial, employer=employer)
    client.force_login(people.city_admin)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("member_list"))
    assert len(response.context["members"]) == 30
    assert "华力五金" in response.content.decode()


# --- A member's record -------------------------------------------------------------------


def test_member_detail_access(client, people, register):
    url = reverse("member_detail", args=[register.chuncheng.pk])
    assert client.get(url).status_code == 302
    client.force_login(people.jiangcheng_clerk)
    assert client.get(url).status_code == 404
    client.force_login(people.yangchun_clerk)
    assert client.get(url).status_code == 200
    client.force_login(people.base_clerk)
    assert client.get(reverse("member_detail", args=[register.nanen.pk])).status_code == 404
    assert client.get(reverse("member_detail", args=[register.factory_a.pk])).status_code == 200


def test_member_detail_shows_history_and_transfers(client, people, register, tree):
    member = register.factory_a
    services.request_transfer(member, tree.nanen_joint, date(2021, 6, 1), user=people.jiangcheng_clerk)
    services.change_status(member, MembershipEvent.Kind.RETAIN, date(2022, 2, 1), reason="失业",
                           user=people.jiangcheng_clerk)
    client.force_login(people.jiangcheng_viewer)
    response = client.get(reverse("member_detail", args=[member.pk]))
    assert response.status_code == 200
    events = list(response.context["events"])
    assert [e.kind for e in events] == ["join", "transfer_out", "transfer_in", "retain"]
    html = response.content.decode()
    for event in events:
        assert event.get_kind_display() in html
    assert "2021-06-01" in html and "2022-02-01" in html and "失业" in html
    assert "jiangcheng_clerk" in html  # recorded by
    transfers = list(response.context["transfers"])
    assert len(transfers) == 1 and transfers[0].to_union == tree.nanen_joint
    assert transfers[0].get_state_display() in html
    # The viewer sees masked personal data; a clerk the full number.
    assert member.id_number not in html and member.masked_id_number in html
    client.force_login(people.jiangcheng_clerk)
    assert member.id_number in client.get(reverse("member_detail", args=[member.pk])).content.decode()


def test_member_detail_queries_are_bounded(client, people, register, tree, django_assert_max_num_queries):
    member = register.nanen
    for day in (date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)):
        services.change_status(member, MembershipEvent.Kind.LEAVE, day)
        services.change_status(member, MembershipEvent.Kind.JOIN, day.replace(month=6))
    client.force_login(people.jiangcheng_clerk)
    # Session, user, grant, member, its union, events, transfers, session save: the
    # seven events come in one query.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("member_detail", args=[member.pk]))
    assert len(response.context["events"]) == 7


# --- Drives --------------------------------------------------------------------------------


def test_drive_list_counts_without_n_plus_one(client, people, tree, django_assert_max_num_queries):
    drives = []
    for index, (organizer, union) in enumerate(
        [(tree.nanen, tree.nanen_joint), (tree.factory, None), (tree.chuncheng, tree.chuncheng_joint)]
    ):
        drives.append(EnrolmentDrive.objects.create(
            name=f"入会活动{index}", organizer=organizer, default_union=union,
            kind=EnrolmentDrive.Kind.OTHER, starts_on=date(2024, 1, 1 + index), target_count=4,
        ))
    for serial in range(1, 4):
        make_member(tree.nanen_joint, serial, drive=drives[0])
    make_member(tree.factory, 9, drive=drives[1])

    client.force_login(people.jiangcheng_clerk)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("drive_list"))
    listed = {drive.name: drive.enrolled for drive in response.context["drives"]}
    assert listed == {"入会活动0": 3, "入会活动1": 1}  # Chuncheng's drive is not theirs
    html = response.content.decode()
    assert '<progress max="4" value="3">' in html
    assert reverse("drive_entry", args=[drives[0].pk]) in html

    client.force_login(people.jiangcheng_viewer)
    html = client.get(reverse("drive_list")).content.decode()
    assert reverse("drive_entry", args=[drives[0].pk]) not in html  # viewers do not enter


# --- Layout --------------------------------------------------------------------------------


def test_layout_nav_and_login_page(client, people):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    client.force_login(people.jiangcheng_clerk)
    html = client.get(reverse("member_list")).content.decode()
    for url in (reverse("member_list"), reverse("drive_list"), "/admin/", 'href="/"'):
        assert url in html
    assert 'aria-current="page"' in html


def test_member_list_filters_used_by_dashboard_links(client, people, register, tree):
    """The dashboard links here with status=current, a division, a drive or a join period."""
    services.change_status(register.factory_a, MembershipEvent.Kind.LEAVE, date(2023, 1, 1))
    services.change_status(register.factory_b, MembershipEvent.Kind.RETAIN, date(2023, 1, 1))
    client.force_login(people.city_admin)
    # Active and retained count; the one who left does not.
    assert list_ids(client, status="current") == [
        register.chuncheng.pk, register.nanen.pk, register.factory_b.pk
    ]
    assert list_ids(client, division="441781") == [register.chuncheng.pk]
    assert list_ids(client, division="441702001", status="current") == [
        register.nanen.pk, register.factory_b.pk
    ]
    drive = EnrolmentDrive.objects.create(
        name="快递入会", organizer=tree.nanen, kind=EnrolmentDrive.Kind.OTHER,
        starts_on=date(2024, 1, 1),
    )
    late = make_member(tree.nanen_joint, 5, drive=drive)
    Member.objects.filter(pk=late.pk).update(joined_on=date(2024, 2, 1))
    response = client.get(reverse("member_list"), {"drive": drive.pk})
    assert [m.pk for m in response.context["members"]] == [late.pk]
    assert "快递入会" in response.content.decode()
    assert list_ids(client, joined_from="2024-01-01") == [late.pk]
    assert list_ids(client, joined_to="2023-12-31", division="441781") == [register.chuncheng.pk]
    # A malformed date is a bad request naming the parameter, not a silently wider list.
    response = client.get(reverse("member_list"), {"joined_from": "2024-02-30"})
    assert response.status_code == 400 and "joined_from" in response.content.decode()
