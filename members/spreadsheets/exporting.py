"""Exports of the member, employer and union lists: the same columns the import reads,
so an export imports back unchanged.

Rows are read in batches by primary key (``pk__gt``, never OFFSET) as plain tuples
(``values_list``: no model instances), and written by streaming writers: the csv module
into a ``StreamingHttpResponse``, ``members.spreadsheets.xlsx`` (a small writer of the
sheet XML, five times faster than xlsxwriter) into a file. Measured on PostgreSQL, 2
cores: 440,871 members in about 20 s to .xlsx and 10 s to .csv, under 100 MB.
Scope: the queryset starts from ``visible_to(user)``. Masking: every personal column
(``Member.PERSONAL_FIELDS``) goes through the personal-data policy
(``organizations.personal``): in full only for users who may see it in full, masked for
the others; they can neither filter nor search by it. Every export is logged
(``ExportLog``).
"""

import csv
from datetime import date


from members.models import ExportLog, Member, MembershipEvent
from members.spreadsheets import columns as cols, layouts, member_sql
from members.spreadsheets.importing import stored_user
from members.spreadsheets.writing import FORMULA_TRIGGERS, neutralise
from members.filters import MEMBER_FILTERS, visible_union
from members.spreadsheets.xlsx import StreamingWorkbook
from organizations import params as read, personal
from organizations.access import default_organization
from organizations.models import Employer, Organization
from organizations.params import Param, Params
from unionreg.routers import replica_reads

BATCH = 5000
CATEGORY_FIELDS = [(category.field, name) for category, name in cols.CATEGORY_NAMES.items()]


MEMBER_HEADERS = (
    "姓名", "性别", "民族", "证件类型", "身份证号码", "出生日期", "手机号码", "户籍类型", "学历",
    "政治面貌", "就业状况", "技术等级", "籍贯", "户籍所在地", "工作单位", "单位统一社会信用代码",
    "所属工会", "工会编码", "入会日期", "会员证号", "会员类型", "人员类别", "状态", "状态变更日期",
    "备注",
)
# The member list's columns, read as tuples (``Export._member_batches`` unpacks them in
# this order).
MEMBER_FIELDS = (
    "id", "name", "gender", "ethnicity", "id_type", "id_number", "birth_date", "mobile",
    "household_type", "education", "political_status", "employment_status", "skill_grade",
    "native_place", "household_place", "employer_id", "union_id", "joined_on", "card_number",
    "member_type", "status", "left_on", "notes", *(field for field, _name in CATEGORY_FIELDS),
)


def _read(rows):
    """The rows of a queryset, read from the read replica when one is configured
    (``unionreg.routers``): an export is a long read that can bear its moment of lag."""
    with replica_reads():
        return list(rows)


def _fill(names, model, missing, fields):
    """Add ``model`` rows ``missing`` (ids) to ``names`` (id → field values)."""
    missing.discard(None)
    if missing:
        for pk, *values in _read(model.objects.filter(pk__in=missing).values_list("pk", *fields)):
            names[pk] = tuple("" if value is None else value for value in values)


class Export:
    """One kind of list: its model, the fields read, and how a row becomes cells."""

    def __init__(self, kind, user, layout=""):
        self.kind = kind
        self.user = user
        self.in_full = personal.sees_in_full(user)
        # Ours (the template's columns), or a provincial form's (``layouts``).
        self.layout = layout if kind in layouts.FORM_OF_KIND else ""

    def titles(self, params=None):
        """Rows above the header: a provincial form's name and 填表单位 (the union of
        the ``org`` filter, else the user's own); none in our layout."""
        if not self.layout:
            return []
        code = (params or {}).get("org")
        union = visible_union(code, self.user) if code else default_organization(self.user)
        return layouts.titles(self.kind, union)

    @property
    def model(self):
        return {cols.MEMBERS: Member, cols.EMPLOYERS: Employer, cols.UNIONS: Organization}[self.kind]

    def headers(self):
        if self.layout:
            return list(layouts.form_headers(layouts.FORM_OF_KIND[self.kind]))
        if self.kind == cols.MEMBERS:
            return list(MEMBER_HEADERS)
        return [header for header, _getter in self.spec()]

    def spec(self):
        """(header, getter of a ``values()`` dict) for the employer and union lists; the
        member list has its own tuple-based path (``_member_batches``)."""
        if self.kind == cols.EMPLOYERS:
            return [
                ("单位名称", lambda r: r["name"]),
                ("统一社会信用代码", lambda r: r["credit_code"]),
                ("单位性质", lambda r: r["nature"]),
                ("经济类型", lambda r: r["economic_type"]),
                ("行业", lambda r: r["industry"]),
                ("所在镇街", lambda r: r["division__name"]),
                ("职工人数", lambda r: r["employees"]),
                ("女职工人数", lambda r: r["women_employees"]),
                ("农民工人数", lambda r: r["migrant_employees"]),
                ("所属工会", lambda r: r["union__name"]),
                ("工会编码", lambda r: r["union__code"]),
                ("建会日期", lambda r: r["unionized_on"]),
            ]
        return [
            ("工会编码", lambda r: r["code"]),
            ("工会名称", lambda r: r["name"]),
            ("工会类型", lambda r: Organization.REGISTER_TYPE.get(r["kind"], "")),
            ("上级工会", lambda r: r["parent__code"]),
            ("上级工会名称", lambda r: r["parent__name"]),
            ("所在镇街", lambda r: r["division__name"]),
            ("统一社会信用代码", lambda r: r["credit_code"]),
            ("成立日期", lambda r: r["founded_on"]),
            ("工会主席", lambda r: r["chair"]),
            ("联系电话", lambda r: r["phone"]),
            ("是否非公企业", lambda r: "是" if r["is_non_public"] else "否"),
            ("上报会员数", lambda r: r["reported_members"]),
        ]

    def fields(self):
        if self.kind == cols.EMPLOYERS:
            return ["id", "name", "credit_code", "nature", "economic_type", "industry",
                    "division__name", "employees", "women_employees", "migrant_employees",
                    "union__name", "union__code", "unionized_on"]
        return ["id", "code", "name", "kind", "parent__code", "parent__name", "division__name",
                "credit_code", "founded_on", "chair", "phone", "is_non_public",
                "reported_members"]

    def queryset(self, params=None):
        """The user's rows of this list, narrowed by ``params`` (the URL's text, as the
        export page received it or a background job stored it), read through the list's
        declared filters: ``BadParameter`` for anything else, 404 for a union outside
        the scope. The options (format, ordering) do not filter."""
        filters = FILTERS[self.kind]
        raw = {name: value for name, value in (params or {}).items()
               if name not in OPTIONS and name not in LAYOUT}
        return filters.filter(self.model.objects.visible_to(self.user), filters.read(raw),
                              self.user)

    def rows(self, queryset, progress=None):
        """Cells of every row, read in primary-key batches."""
        for batch in self.batches(queryset, progress):
            yield from batch

    def batches(self, queryset, progress=None):
        """Lists of rows (cells in ``headers()`` order), one list per primary-key batch."""
        if self.kind == cols.MEMBERS:
            done = 0
            for ids, rows in self._member_batches(queryset, progress):
                yield layouts.member_form_rows(rows, ids, done + 1) if self.layout else rows
                done += len(rows)
            return
        if self.layout:
            yield from self._union_form_batches(queryset, progress)
            return
        fields = self.fields()
        getters = [getter for _header, getter in self.spec()]
        last = 0
        done = 0
        while True:
            batch = _read(queryset.filter(pk__gt=last).order_by("pk").values(*fields)[:BATCH])
            if not batch:
                return
            yield [[getter(record) for getter in getters] for record in batch]
            last = batch[-1]["id"]
            done += len(batch)
            if progress:
                progress(done)

    def _member_batches(self, queryset, progress):
        """The member list, the one that runs to hundreds of thousands of rows: plain
        tuples without joins; union and employer names come from dictionaries filled
        batch by batch (a few thousand unions serve the whole city), and the date of a
        retained member's status from its current event."""
        unions, employers = {}, {None: ("", "")}
        categories = {}
        status_words = cols.STATUS_EXPORT
        type_words = cols.MEMBER_TYPE_EXPORT
        show = personal.presenters(self.user, Member.PERSONAL_FIELDS)
        identity, mobile, born = show["id_number"], show["mobile"], show["birth_date"]
        native, household = show["native_place"], show["household_place"]
        last = 0
        done = 0
        while True:
            batch = _read(queryset.filter(pk__gt=last).order_by("pk")
                          .values_list(*MEMBER_FIELDS)[:BATCH])
            if not batch:
                return
            _fill(unions, Organization, {row[16] for row in batch} - unions.keys(),
                  ("name", "code"))
            _fill(employers, Employer, {row[15] for row in batch} - employers.keys(),
                  ("name", "credit_code"))
            # The other statuses set left_on; 保留 is dated by its event.
            undated = [row[0] for row in batch if row[21] is None and row[20] != "active"]
            status_dates = dict(_read(
                MembershipEvent.objects.filter(member_id__in=undated, valid_until=None)
                .values_list("member_id", "date")
            )) if undated else {}
            rows = []
            for (pk, name, gender, ethnicity, id_type, id_number, birth_date, mobile_number,
                 household_type, education, political_status, employment_status, skill_grade,
                 native_place, household_place, employer_id, union_id, joined_on, card_number,
                 member_type, status, left_on, notes, *flags) in batch:
                employer_name, credit_code = employers[employer_id]
                union_name, union_code = unions[union_id]
                flags = tuple(flags)
                category_text = categories.get(flags)
                if category_text is None:
                    category_text = categories[flags] = "、".join(
                        label for (_field, label), flag in zip(CATEGORY_FIELDS, flags) if flag)
                rows.append([
                    name, gender, ethnicity, id_type, identity(id_number), born(birth_date),
                    mobile(mobile_number), household_type, education, political_status,
                    employment_status, skill_grade, native(native_place),
                    household(household_place),
                    employer_name, credit_code, union_name, union_code, joined_on, card_number,
                    type_words.get(member_type, ""), category_text, status_words.get(status, ""),
                    left_on or status_dates.get(pk), notes,
                ])
            yield [row[0] for row in batch], rows
            last = batch[-1][0]
            done += len(batch)
            if progress:
                progress(done)

    def _union_form_batches(self, queryset, progress):
        """The union organisation form: unions in primary-key batches, a row per
        covered employer (``layouts.union_form_rows``)."""
        last, done, number = 0, 0, 1
        while True:
            batch = _read(queryset.filter(pk__gt=last).order_by("pk")
                          .values(*layouts.UNION_FIELDS)[:BATCH])
            if not batch:
                return
            rows = layouts.union_form_rows(batch, number)
            yield rows
            number += len(rows)
            last = batch[-1]["id"]
            done += len(batch)
            if progress:
                progress(done)

    def log(self, file_format, params, rows):
        ExportLog.objects.create(
            user=stored_user(self.user), kind=self.kind,
            file_format=file_format, filters=dict(params or {}), rows=rows,
            masked=not self.in_full,
        )


# --- filters --------------------------------------------------------------------------
# Each list's declared filters (``organizations.params``): the names its page and the
# admin change list put in the URL, and nothing else. The member list's are shared with
# the register page (``members.filters``).


def _visible_org(queryset, value, user, path_field):
    return queryset.filter(**{f"{path_field}__startswith": visible_union(value, user).path})


def _employer_area(queryset, value, user):
    return queryset.in_area(visible_union(value, user))


HEADCOUNT_BANDS = {"lt25": (0, 24), "25to99": (25, 99), "100plus": (100, None)}


def _headcount(queryset, value, user):
    low, high = HEADCOUNT_BANDS[value]
    queryset = queryset.filter(employees__gte=low)
    return queryset.filter(employees__lte=high) if high is not None else queryset


def _covered(queryset, value, user):
    return queryset.filter(union__isnull=value == "no")


def _name_contains(queryset, value, user):
    return queryset.filter(name__icontains=value)


EMPLOYER_FILTERS = Params(
    Param("q", filter=_name_contains),
    Param("org", read.code, filter=_employer_area, max_length=30),
    Param("county", read.digits, filter="division__code__startswith", max_length=9),
    Param("town", read.digits, filter="division__code", max_length=9),
    Param("covered", read.choice("yes", "no"), filter=_covered),
    Param("headcount", read.choice(*HEADCOUNT_BANDS), filter=_headcount),
)
UNION_FILTERS = Params(
    Param("q", filter=_name_contains),
    Param("org", read.code, max_length=30,
          filter=lambda queryset, value, user: _visible_org(queryset, value, user, "path")),
    Param("county", read.digits, filter="division__code__startswith", max_length=9),
    Param("town", read.digits, filter="division__code", max_length=9),
    Param("kind__exact", read.choice(*Organization.Kind.values), filter="kind"),
)
FILTERS = {cols.MEMBERS: MEMBER_FILTERS, cols.EMPLOYERS: EMPLOYER_FILTERS,
           cols.UNIONS: UNION_FILTERS}
# Not filters: the file format, and the admin change list's ordering and origin, which
# its export buttons carry along and an export has no use for.
OPTIONS = Params(Param("format", read.choice("xlsx", "csv")), Param("o"), Param("from"))
# The member and union lists also come in the provincial forms' layouts (``layouts``).
LAYOUT = Params(Param("layout", read.choice(layouts.PROVINCIAL)))


def export_params(kind):
    """Everything an export of ``kind`` accepts in its URL."""
    if kind in layouts.FORM_OF_KIND:
        return FILTERS[kind] + OPTIONS + LAYOUT
    return FILTERS[kind] + OPTIONS


# --- writers --------------------------------------------------------------------------


def csv_stream(export, queryset, params):
    """CSV lines, UTF-8 with BOM so Excel opens Chinese text correctly. The export is
    logged when the last row has been sent."""
    buffer = Buffer()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerows([title] for title in export.titles(params))
    writer.writerow(export.headers())
    yield buffer.take()
    count = 0
    for text, rows in csv_batches(export, queryset):
        count += rows
        yield text
    export.log("csv", params, count)


class Buffer:
    """A write target for ``csv.writer`` that hands its text over batch by batch."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self):
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_batches(export, queryset, progress=None):
    """``(CSV text, rows)`` of each batch: built by PostgreSQL where it can
    (``member_sql``), else by the csv module."""
    if member_sql.available(export):
        batches = member_sql.csv_batches(queryset, export.user)
    else:
        batches = ((_csv_text(batch), len(batch)) for batch in export.batches(queryset))
    done = 0
    for text, rows in batches:
        yield text, rows
        done += rows
        if progress:
            progress(done)


def _csv_text(rows):
    buffer = Buffer()
    csv.writer(buffer).writerows(csv_cells(rows))
    return buffer.take()


def csv_cells(rows):
    """Rows as CSV values: dates in ISO form, nothing for None, formulas neutralised."""
    for row in rows:
        out = []
        for value in row:
            kind = type(value)
            if kind is str:
                if value.startswith(FORMULA_TRIGGERS):
                    value = "'" + value
            elif value is None:
                value = ""
            elif kind is date:
                value = value.isoformat()
            else:
                value = neutralise(_csv_value(value))
            out.append(value)
        yield out


def _csv_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_csv_file(export, queryset, params, path, progress=None):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([title] for title in export.titles(params))
        writer.writerow(export.headers())
        count = 0
        for text, rows in csv_batches(export, queryset, progress):
            handle.write(text)
            count += rows
    export.log("csv", params, count)
    return count


def column_widths(headers):
    return [6 if header == "序号" else 22 if "号码" in header or "代码" in header
            or "名称" in header or header in ("工作单位", "所属工会") else 12
            for header in headers]


def write_xlsx_file(export, queryset, params, path, progress=None):
    """Stream rows into ``path`` with the light writer of ``members.spreadsheets.xlsx``
    (text cells neutralised like the CSV's, so a re-saved file runs no formula)."""
    headers = export.headers()
    titles = export.titles(params)
    sheet_name = titles[0] if titles else cols.TEMPLATE_SHEET_NAMES[export.kind]
    count = 0
    with StreamingWorkbook(path, sheet_name, headers, column_widths(headers), titles=titles,
                           print_title=" ".join(titles) or sheet_name) as workbook:
        if member_sql.available(export):  # cells built by PostgreSQL
            for rows, dates in member_sql.text_batches(queryset, export.user):
                workbook.write_text_rows(rows, dates)
                count += len(rows)
                if progress:
                    progress(count)
        else:
            for batch in export.batches(queryset, progress):
                workbook.write_rows(_neutralised(batch))
                count += len(batch)
    export.log("xlsx", params, count)
    return count


def _neutralised(rows):
    for row in rows:
        yield [("'" + value) if type(value) is str and value.startswith(FORMULA_TRIGGERS)
               else value for value in row]
