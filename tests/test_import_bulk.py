"""The bulk write of an import (members.spreadsheets.bulk: COPY on PostgreSQL, the ORM
on SQLite): the same member, history and event rows either way, awkward text intact,
and nothing at all when the file has an error."""

from datetime import date

import pytest

from members import services
from members.models import COUNTED_FIELDS, Member, MembershipEvent
from members.spreadsheets.importing import run_import
from tests.test_import import HEADER, member_row, resident_id, xlsx




AWKWARD_NOTES = "tab\there\nnew line \\N back\\slash\n'quoted' 「」"
HEADER_PLUS = HEADER + ["状态变更日期", "备注"]


def rows():
    return [member_row(1) + ["", AWKWARD_NOTES],
            member_row(2, 状态="退会") + ["2020-01-31", ""],
            member_row(3, 会员证号="C-3") + ["", r"\N"]]


@pytest.mark.django_db
def test_new_members_history_and_events(tree, people):
    data = xlsx(rows(), header=HEADER_PLUS)
    dry = run_import("members", data, people.superuser)
    assert dry.ok and dry.new == 3 and Member.objects.count() == 0
    result = run_import("members", data, people.superuser, commit=True)
    assert result.committed, [str(e) for e in result.errors]
    first = Member.objects.get(id_number=resident_id(1))
    assert first.notes == AWKWARD_NOTES
    assert Member.objects.get(id_number=resident_id(3)).notes == r"\N"
    assert Member.objects.get(id_number=resident_id(3)).card_number == "C-3"
    assert Member.objects.get(id_number=resident_id(2)).notes == ""
    assert set(Member.objects.values_list("created_by", flat=True)) == {people.superuser.pk}

    history = Member.history.model.objects.order_by("id")
    assert history.count() == 3
    assert {(h.history_type, h.history_user_id) for h in history} == {("+", people.superuser.pk)}
    for record in history:
        member = Member.objects.get(pk=record.id)
        assert (record.name, record.id_number, record.union_id, record.status, record.notes) == (
            member.name, member.id_number, member.union_id, member.status, member.notes)

    left = Member.objects.get(id_number=resident_id(2))
    assert left.status == "left" and left.left_on == date(2020, 1, 31)
    assert list(left.events.values_list("kind", "date", "valid_until", "union", "recorded_by")) == [
        ("join", date(2016, 5, 3), date(2020, 1, 31), left.union_id, people.superuser.pk),
        ("leave", date(2020, 1, 31), None, left.union_id, people.superuser.pk),
    ]
    assert MembershipEvent.objects.count() == 4


def _membership(member):
    """What enrolling wrote for ``member``: its events (but when) and its state."""
    member.refresh_from_db()
    events = member.events.order_by("date", "id").values(
        "kind", "date", "valid_until", "union", "counterpart", "reason", "note", "recorded_by",
        *COUNTED_FIELDS)
    return list(events), (member.status, member.left_on, member.leave_reason, member.union_id)


@pytest.mark.django_db
@pytest.mark.parametrize("status, kind", [("在册", None), ("退会", MembershipEvent.Kind.LEAVE),
                                          ("保留", MembershipEvent.Kind.RETAIN)])
def test_imported_member_has_the_events_enrol_and_change_status_write(tree, people, status, kind):
    """The import writes new members past ``services.enrol`` (in bulk, COPY on
    PostgreSQL) but builds their events with it (``services.opening_events``): the
    events and state are those enrol(), then change_status(), record for the person."""
    left_on = date(2020, 1, 31)
    row = member_row(1, 状态=status) + [left_on.isoformat() if kind else "", ""]
    result = run_import("members", xlsx([row], header=HEADER_PLUS), people.superuser,
                        commit=True)
    assert result.committed, [str(e) for e in result.errors]
    imported = Member.objects.get()
    by_import = _membership(imported)
    person = {field.attname: getattr(imported, field.attname)
              for field in Member._meta.concrete_fields if not field.primary_key}
    imported.delete()

    member = Member(**{**person, "status": Member.Status.ACTIVE, "left_on": None})
    services.enrol(member, user=people.superuser)
    if kind:
        services.change_status(member, kind, left_on, user=people.superuser)
    assert _membership(member) == by_import
    assert len(by_import[0]) == (2 if kind else 1)


@pytest.mark.django_db
def test_one_bad_row_writes_nothing(tree, people):
    bad = rows() + [member_row(4, 入会日期="2016-13-45") + ["", ""]]
    result = run_import("members", xlsx(bad, header=HEADER_PLUS), people.superuser, commit=True)
    assert not result.committed and result.new == 3 and result.error_rows == 1
    assert Member.objects.count() == 0 and MembershipEvent.objects.count() == 0
    assert Member.history.model.objects.count() == 0


@pytest.mark.django_db
def test_chunks_write_everything_or_nothing(tree, people, monkeypatch):
    """Members are validated and written a chunk at a time (bounded memory): a clean file
    spanning several chunks is written whole; an error in the last chunk takes back
    what the earlier chunks wrote, and errors from every chunk are reported, including
    the same person on rows in different chunks."""
    from members.spreadsheets.importing import members as member_import

    monkeypatch.setattr(member_import, "CHUNK_ROWS", 3)
    clean = [member_row(serial) for serial in range(1, 9)]
    result = run_import("members", xlsx(clean), people.superuser, commit=True)
    assert result.committed and result.new == 8
    assert Member.objects.count() == 8 and MembershipEvent.objects.count() == 8
    Member.objects.all().delete()

    # Rows 2-4 and 5-7 are clean and written; row 8 has a bad date and row 9 is row 2's
    # person again: both in the third chunk.
    bad = [member_row(serial) for serial in range(1, 7)]
    bad += [member_row(7, 入会日期="2016-13-45"), member_row(1)]
    result = run_import("members", xlsx(bad), people.superuser, commit=True)
    assert not result.committed
    assert sorted(result.errors_by_row()) == [2, 8, 9]
    assert Member.objects.count() == 0 and MembershipEvent.objects.count() == 0
    assert Member.history.model.objects.filter(history_type="+").count() == 8  # the first file's


@pytest.mark.django_db
def test_a_chunk_failing_to_write_in_the_background_writes_nothing(tree, people, monkeypatch):
    """On PostgreSQL a chunk's COPY runs in a thread while the next chunk is validated:
    when the database refuses it, the import raises that error (it is not lost in the
    thread) and the transaction keeps nothing, the chunks before included."""
    from django.db import DataError, connection

    from members.spreadsheets import bulk
    from members.spreadsheets.importing import members as member_import

    if connection.vendor != "postgresql":
        pytest.skip("the background COPY is PostgreSQL's")
    monkeypatch.setattr(member_import, "CHUNK_ROWS", 3)
    statements = bulk._copy_statements
    chunks = []

    def second_chunk_refused(new, user):
        built = statements(new, user)
        chunks.append(built)
        if len(chunks) == 2:  # the server refuses the member rows' text
            sql, text = built[0]
            built[0] = (sql, text.replace(f"\t{tree.factory.pk}\t", "\tno union\t"))
        return built

    monkeypatch.setattr(bulk, "_copy_statements", second_chunk_refused)
    clean = [member_row(serial) for serial in range(1, 9)]
    with pytest.raises(DataError, match="no union"):
        run_import("members", xlsx(clean), people.superuser, commit=True)
    assert len(chunks) == 2
    assert Member.objects.count() == 0 and MembershipEvent.objects.count() == 0
    assert Member.history.model.objects.count() == 0


@pytest.mark.django_db
def test_building_a_chunk_runs_no_query(tree, people, monkeypatch):
    """A chunk is built while the chunk before is written on the same connection (in the
    background on PostgreSQL): building must not query, or it waits for that write.
    Lookups happen before (``look_up``): existing members, card holders; unions and
    employers are loaded once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.spreadsheets.importing import members as member_import
    from organizations.models import Employer

    Employer.objects.create(name="阳江市华力五金制品有限公司", union=tree.factory,
                            division=tree.factory.division, employees=80)
    run_import("members", xlsx([member_row(1)]), people.superuser, commit=True)
    build = member_import.MemberImporter.build
    queries = []

    def counted(self, records, found):
        with CaptureQueriesContext(connection) as captured:
            planned = build(self, records, found)
        queries.extend(captured.captured_queries)
        return planned

    monkeypatch.setattr(member_import.MemberImporter, "build", counted)
    monkeypatch.setattr(member_import, "CHUNK_ROWS", 2)
    # An existing member changed, new members with an employer and a status change.
    rows = [member_row(1, 手机号码="13900000001") + ["", ""],
            member_row(2, 工作单位="阳江市华力五金制品有限公司") + ["", ""],
            member_row(3, 状态="退会") + ["2020-01-31", ""],
            member_row(4, 会员证号="C-4") + ["", ""]]
    result = run_import("members", xlsx(rows, header=HEADER_PLUS), people.superuser,
                        commit=True)
    assert result.committed and (result.new, result.updated) == (3, 1), result.errors
    assert queries == []
