"""Exports of the member, employer and union lists: the same columns the import reads,
so an export imports back unchanged.

Rows are read in batches by primary key (``pk__gt``, never OFFSET) as plain tuples
(``values_list``: no model instances), and written by streaming writers: the csv module
into a ``StreamingHttpResponse``, xlsxwriter in ``constant_memory`` mode into a file.
Scope: the queryset starts from ``visible_to(user)``. Masking: the full ID and mobile
only for users who may ``view_personal``. Every export is logged (``ExportLog``).
"""

import csv
import tempfile

import xlsxwriter
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from members.identity import mask_document, mask_mobile
from members.models import Category, ExportLog, Member
from members.spreadsheets import columns as cols
from members.spreadsheets.importing import stored_user
from members.spreadsheets.writing import neutralise, workbook_formats, write_cell
from organizations.access import can
from organizations.models import Employer, Organization

BATCH = 5000
CATEGORY_FIELDS = [(category.field, name) for category, name in cols.CATEGORY_NAMES.items()]


def _member_status_date(row):
    return row["left_on"]


class Export:
    """One kind of list: its model, the fields read, and how a row becomes cells."""

    def __init__(self, kind, user):
        self.kind = kind
        self.user = user
        self.personal = can(user, "view_personal")

    @property
    def model(self):
        return {cols.MEMBERS: Member, cols.EMPLOYERS: Employer, cols.UNIONS: Organization}[self.kind]

    def headers(self):
        return [header for header, _getter in self.spec()]

    def spec(self):
        if self.kind == cols.MEMBERS:
            identity = (lambda r: r["id_number"]) if self.personal else (
                lambda r: mask_document(r["id_number"]))
            mobile = (lambda r: r["mobile"]) if self.personal else (lambda r: mask_mobile(r["mobile"]))
            return [
                ("姓名", lambda r: r["name"]),
                ("性别", lambda r: r["gender"]),
                ("民族", lambda r: r["ethnicity"]),
                ("证件类型", lambda r: r["id_type"]),
                ("身份证号码", identity),
                ("出生日期", lambda r: r["birth_date"]),
                ("手机号码", mobile),
                ("户籍类型", lambda r: r["household_type"]),
                ("学历", lambda r: r["education"]),
                ("政治面貌", lambda r: r["political_status"]),
                ("就业状况", lambda r: r["employment_status"]),
                ("技术等级", lambda r: r["skill_grade"]),
                ("籍贯", lambda r: r["native_place"]),
                ("户籍所在地", lambda r: r["household_place"]),
                ("工作单位", lambda r: r["employer__name"]),
                ("单位统一社会信用代码", lambda r: r["employer__credit_code"]),
                ("所属工会", lambda r: r["union__name"]),
                ("工会编码", lambda r: r["union__code"]),
                ("入会日期", lambda r: r["joined_on"]),
                ("会员证号", lambda r: r["card_number"]),
                ("会员类型", lambda r: cols.MEMBER_TYPE_EXPORT.get(r["member_type"], "")),
                ("人员类别", lambda r: "、".join(name for f, name in CATEGORY_FIELDS if r[f])),
                ("状态", lambda r: cols.STATUS_EXPORT.get(r["status"], "")),
                ("状态变更日期", _member_status_date),
                ("备注", lambda r: r["notes"]),
            ]
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
        if self.kind == cols.MEMBERS:
            return [
                "id", "name", "gender", "ethnicity", "id_type", "id_number", "birth_date",
                "mobile", "household_type", "education", "political_status",
                "employment_status", "skill_grade", "native_place", "household_place",
                "employer__name", "employer__credit_code", "union__name", "union__code",
                "joined_on", "card_number", "member_type", "status", "left_on", "notes",
                *(category.field for category in Category),
            ]
        if self.kind == cols.EMPLOYERS:
            return ["id", "name", "credit_code", "nature", "economic_type", "industry",
                    "division__name", "employees", "women_employees", "migrant_employees",
                    "union__name", "union__code", "unionized_on"]
        return ["id", "code", "name", "kind", "parent__code", "parent__name", "division__name",
                "credit_code", "founded_on", "chair", "phone", "is_non_public",
                "reported_members"]

    def queryset(self, params=None):
        qs = self.model.objects.visible_to(self.user)
        return apply_filters(qs, params or {}, self.personal)

    def rows(self, queryset, progress=None):
        """Cells of every row, read in primary-key batches."""
        fields = self.fields()
        spec = self.spec()
        last = 0
        done = 0
        while True:
            batch = list(queryset.filter(pk__gt=last).order_by("pk").values(*fields)[:BATCH])
            if not batch:
                return
            for record in batch:
                yield [getter(record) for _header, getter in spec]
            last = batch[-1]["id"]
            done += len(batch)
            if progress:
                progress(done)

    def log(self, file_format, params, rows):
        ExportLog.objects.create(
            user=stored_user(self.user), kind=self.kind,
            file_format=file_format, filters=dict(params or {}), rows=rows,
            masked=not self.personal,
        )


# --- filters --------------------------------------------------------------------------

NON_FILTER_PARAMS = {"format", "_format", "o", "p", "e", "all", "_changelist_filters", "_to_field"}
LOOKUPS = {"exact", "iexact", "in", "gt", "gte", "lt", "lte", "startswith", "istartswith",
           "isnull", "year", "month", "contains", "icontains", "range"}
PERSONAL_FIELDS = {"id_number", "mobile"}


class FilterError(ValueError):
    pass


def apply_filters(queryset, params, personal=True):
    """The admin changelist's filters (``field__lookup=value`` on the model's fields,
    ``q`` for the search box) and ``org=CODE`` for a subtree. Unknown parameters are an
    error rather than silently ignored, so an export never holds more than was asked."""
    model = queryset.model
    for key, value in params.items():
        if key in NON_FILTER_PARAMS or value in ("", None):
            continue
        if key == "q":
            if model is Member:
                queryset = queryset.search(value)
            else:
                queryset = queryset.filter(name__icontains=value)
            continue
        if key == "org":
            try:
                org = Organization.objects.get(code=value)
            except Organization.DoesNotExist:
                raise FilterError(_("No union with the code %(code)s.") % {"code": value}) from None
            path_field = "path" if model is Organization else "union__path"
            queryset = queryset.filter(**{f"{path_field}__startswith": org.path})
            continue
        parts = key.split("__")
        lookup = "exact"
        current = model
        for index, part in enumerate(parts):
            try:
                field = current._meta.get_field(part)
            except (FieldDoesNotExist, AttributeError):
                if index == len(parts) - 1 and index > 0 and part in LOOKUPS:
                    lookup = part
                    break
                raise FilterError(_("Unknown filter %(name)s.") % {"name": key}) from None
            if isinstance(field, ForeignObjectRel) or (not personal and part in PERSONAL_FIELDS):
                raise FilterError(_("Unknown filter %(name)s.") % {"name": key})
            current = field.related_model if field.is_relation else None
        if lookup in ("in", "range"):
            value = value.split(",")
        elif lookup == "isnull":
            value = value.lower() in ("1", "true", "yes")
        try:
            queryset = queryset.filter(**{key: value})
            queryset.exists()  # bad values surface here, not halfway through a stream
        except (ValueError, ValidationError, TypeError):
            raise FilterError(_("Bad value for filter %(name)s.") % {"name": key}) from None
    return queryset


# --- writers --------------------------------------------------------------------------


class Echo:
    def write(self, value):
        return value


def csv_stream(export, queryset, params):
    """CSV lines, UTF-8 with BOM so Excel opens Chinese text correctly. The export is
    logged when the last row has been sent."""
    writer = csv.writer(Echo())
    yield "\ufeff"
    yield writer.writerow(export.headers())
    count = 0
    for row in export.rows(queryset):
        count += 1
        yield writer.writerow(["" if v is None else neutralise(_csv_value(v)) for v in row])
    export.log("csv", params, count)


def _csv_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_csv_file(export, queryset, params, path, progress=None):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(export.headers())
        count = 0
        for row in export.rows(queryset, progress):
            writer.writerow(["" if v is None else neutralise(_csv_value(v)) for v in row])
            count += 1
    export.log("csv", params, count)
    return count


def write_xlsx_file(export, queryset, params, path, progress=None):
    """Stream rows into ``path`` (xlsxwriter constant_memory: one row in memory)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    formats = workbook_formats(workbook)
    sheet = workbook.add_worksheet(cols.TEMPLATE_SHEET_NAMES[export.kind])
    headers = export.headers()
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header, formats["header"])
        sheet.set_column(index, index, 22 if "号码" in header or "代码" in header or "名称" in header
                         or header in ("工作单位", "所属工会") else 12)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(export.rows(queryset, progress), start=1):
        for index, value in enumerate(row):
            write_cell(sheet, count, index, value, formats)
    workbook.close()
    export.log("xlsx", params, count)
    return count
