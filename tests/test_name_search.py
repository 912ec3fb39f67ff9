"""Name search as Chinese clerks search (issue 17, item 7): pinyin initials (cxy →
陈秀英) and the given name without the surname, read as surnames are read (曾 zēng,
区 ōu, 单 shàn, 欧阳 one surname), from indexed columns kept by every writer."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from members import services
from members.models import Member
from members.models.names import name_keys
from members.spreadsheets.bulk import MemberWriter, NEW_MEMBER_FIELDS
from tests.test_services import rid


@pytest.mark.parametrize("name, initials, given", [
    ("陈秀英", "cxy", "秀英"),
    ("曾志伟", "zzw", "志伟"),   # 曾 as a surname is zēng, not céng
    ("区家明", "ojm", "家明"),   # 区 ōu, not qū
    ("单田芳", "stf", "田芳"),   # 单 shàn, not dān
    ("欧阳娜娜", "oynn", "娜娜"),  # a two-character surname
    ("司徒美玲", "stml", "美玲"),
    ("解晓东", "xxd", "晓东"),   # 解 xiè
    ("王", "w", ""),
])
def test_name_keys_read_surnames_as_surnames(name, initials, given):
    assert name_keys(name) == (initials, given)


def people_named(union, names):
    return [services.enrol(Member(
        name=name, id_number=rid(f"44170219800101{serial * 2 + 1:03d}"), union=union,
        joined_on=date(2019, 1, 1))) for serial, name in enumerate(names, start=1)]


def search(client, term):
    response = client.get(reverse("member_list"), {"q": term})
    return [member.name for member in response.context["members"]]


def test_search_by_initials_and_given_name(client, people, tree):
    people_named(tree.factory, ["陈秀英", "曾志伟", "区家明", "欧阳娜娜", "陈小燕"])
    for person in (people.jiangcheng_clerk, people.jiangcheng_viewer):  # a name search: any role
        client.force_login(person)
        assert search(client, "cxy") == ["陈小燕", "陈秀英"]
        assert search(client, "CXY") == ["陈小燕", "陈秀英"]
        assert search(client, "秀英") == ["陈秀英"]
        assert search(client, "zzw") == ["曾志伟"]
        assert search(client, "ojm") == ["区家明"]
        assert search(client, "娜娜") == ["欧阳娜娜"]
        assert search(client, "oy") == ["欧阳娜娜"]
        assert search(client, "陈") == ["陈小燕", "陈秀英"]  # the name prefix as before
        assert search(client, "英") == []  # no substring scan


def test_renaming_keeps_the_keys_in_step(people, tree):
    member, = people_named(tree.factory, ["陈秀英"])
    member.name = "单田芳"
    member.save(update_fields=["name"])
    assert Member.objects.filter(name_initials="stf", given_name="田芳").exists()


def test_bulk_writer_fills_the_keys(people, tree):
    """The import's bulk writer (COPY on PostgreSQL) bypasses Member.save: it computes
    the keys itself, whatever the values it was handed."""
    prototype = Member(name="欧阳娜娜", id_number=rid("44170219800101001"), union=tree.factory,
                       joined_on=date(2019, 1, 1), gender="男")
    values = tuple(getattr(prototype, name) for name in NEW_MEMBER_FIELDS)
    writer = MemberWriter(None)
    try:
        writer.write([(values, [("join", date(2019, 1, 1), None, "")])])  # kind, day, until, reason
    finally:
        writer.close()
    assert Member.objects.values_list("name_initials", "given_name").get() == ("oynn", "娜娜")


def test_name_search_reads_an_index(people, tree, postgres_only):
    """On PostgreSQL the initials and given-name branches are index scans, not a scan of
    the member table (the planner is told sequential scans are off, as on a big table)."""
    people_named(tree.factory, ["陈秀英"])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for term in ("cxy", "秀英"):
            # Without the list's ordering: on a table this small, with statistics, the
            # planner would walk the primary key for ORDER BY … LIMIT instead.
            search = Member.objects.search(term, people.jiangcheng_clerk).order_by()
            sql, params = search.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            index = "member_initials_idx" if term == "cxy" else "member_given_name_idx"
            assert index in plan, plan
