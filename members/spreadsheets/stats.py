"""The statistics workbook officials send up: one sheet per breakdown (by union, by
county, by town) of ``members.statistics.breakdown`` — the same figures as the pages —
plus reported against verified members (上报数 / 实名数) per union.

Column headers are the report's own Chinese terms (data of the report format, like the
roster headers); the sheet titles and the as-of line are interface text."""

import io

import xlsxwriter
from django.db.models import Count
from django.utils.translation import gettext as _

from members.models import MembershipEvent
from members.spreadsheets.writing import page_setup
from members.statistics import BY_COUNTY, BY_TOWN, BY_UNION, breakdown, counting
from organizations.models import Organization
from unionreg.routers import replica_reads

COUNT, RATE = "count", "rate"

# (header, value of a breakdown Row, format): the report's columns first, in the order
# officials send them up (README "Exports and statistics" defines each), then the
# register's own extras. Counts add up over the rows to the total; rates do not.
COLUMNS = [
    ("基层工会数", lambda r: r.base_unions, COUNT),
    ("其中非公企业工会", lambda r: r.non_public_unions, COUNT),
    ("单位数", lambda r: r.employers, COUNT),
    ("覆盖单位数", lambda r: r.employers_covered, COUNT),
    ("未建会单位数", lambda r: r.employers_uncovered, COUNT),
    ("职工人数", lambda r: r.employees, COUNT),
    ("其中女职工", lambda r: r.women_employees, COUNT),
    ("其中农民工", lambda r: r.migrant_employees, COUNT),
    ("会员人数", lambda r: r.members, COUNT),
    ("其中女会员", lambda r: r.women_members, COUNT),
    ("其中农民工会员", lambda r: r.migrant_members, COUNT),
    ("入会率", lambda r: r.membership_rate, RATE),
    ("建会率", lambda r: r.unionisation_rate, RATE),
    ("25人以上单位数", lambda r: r.employers_25, COUNT),
    ("25人以上已建会", lambda r: r.employers_25_covered, COUNT),
    ("25人以上建会率", lambda r: r.unionisation_rate_25, RATE),
    ("100人以上单位数", lambda r: r.employers_100, COUNT),
    ("100人以上已建会", lambda r: r.employers_100_covered, COUNT),
    ("100人以上建会率", lambda r: r.unionisation_rate_100, RATE),
    ("期间新建基层工会", lambda r: r.new_base_unions, COUNT),
    ("其中非公企业", lambda r: r.new_non_public_unions, COUNT),
    ("期间新增会员", lambda r: r.new_members, COUNT),
    ("保留会籍会员", lambda r: r.retained_members, COUNT),
    ("货车司机会员", lambda r: r.truck_driver_members, COUNT),
    ("快递员会员", lambda r: r.courier_members, COUNT),
    ("外卖配送员会员", lambda r: r.delivery_rider_members, COUNT),
    ("网约车司机会员", lambda r: r.ride_hailing_driver_members, COUNT),
    ("建筑工人会员", lambda r: r.construction_worker_members, COUNT),
]

SHEETS = [
    (BY_UNION, "按工会", "单位"),
    (BY_COUNTY, "按县区", "县(市、区)"),
    (BY_TOWN, "按镇街", "镇(街道)"),
]
HEADER_ROW = 3  # title, as-of line, 填表单位, then the header


def stats_workbook(root, day, since=None, groupings=None):
    """The workbook as bytes (the sheets of ``groupings``, by default all, and 上报数与实名
    数 with all of them); also returns the reports it was built from (tests compare)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _formats(workbook)
    reports = {}
    for grouping, sheet_name, first_header in SHEETS:
        if groupings is not None and grouping not in groupings:
            continue
        report = breakdown(root, day, grouping, since=since)
        reports[grouping] = report
        sheet = workbook.add_worksheet(sheet_name)
        title = _("%(union)s membership statistics") % {"union": root.name}
        sheet.write_string(0, 0, title, formats["title"])
        sheet.write_string(1, 0, _("As of %(day)s; new in the period %(since)s – %(day)s")
                           % {"day": report.day.isoformat(), "since": report.since.isoformat()})
        sheet.write_string(2, 0, f"填表单位：{root.name}")
        sheet.write_string(HEADER_ROW, 0, first_header, formats["header"])
        for col, (header, _value, _kind) in enumerate(COLUMNS, start=1):
            sheet.write_string(HEADER_ROW, col, header, formats["header"])
        sheet.set_row(HEADER_ROW, 45)
        sheet.set_column(0, 0, 26, formats["wrap"])
        sheet.set_column(1, len(COLUMNS), 8)
        row_index = HEADER_ROW + 1
        for row in report.rows:
            _write_row(sheet, row_index, row, formats["label"], formats["count"], formats["rate"])
            row_index += 1
        _write_row(sheet, row_index, report.total, formats["total_label"], formats["total_count"],
                   formats["total_rate"])
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        page_setup(sheet, f"{title} {sheet_name}", HEADER_ROW)
    if groupings is None:
        with replica_reads():  # as the breakdowns (unionreg.routers)
            _reported_sheet(workbook, root, day, formats["header"], formats["count"],
                            formats["label"])
    workbook.close()
    return buffer.getvalue(), reports


def _formats(workbook):
    border = {"border": 1}
    total = {"bold": True, "border": 1, "top": 2}
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                       "text_wrap": True, "align": "center",
                                       "valign": "vcenter"}),
        "wrap": workbook.add_format({"text_wrap": True}),
        "count": workbook.add_format({"num_format": "#,##0", **border}),
        "rate": workbook.add_format({"num_format": "0.0%", **border}),
        "label": workbook.add_format({"text_wrap": True, **border}),
        "total_label": workbook.add_format(total),
        "total_count": workbook.add_format({"num_format": "#,##0", **total}),
        "total_rate": workbook.add_format({"num_format": "0.0%", **total}),
    }


def _write_row(sheet, index, row, label_format, count_format, rate_format):
    sheet.write_string(index, 0, str(row.label), label_format)
    for col, (_header, value, kind) in enumerate(COLUMNS, start=1):
        number = value(row)
        if number is None:
            sheet.write_blank(index, col, None, rate_format)
        else:
            sheet.write_number(index, col, number, rate_format if kind == RATE else count_format)


def _reported_sheet(workbook, root, day, header_format, count_format, label_format):
    """上报数 (what each base union reports) beside 实名数 (members on the register)."""
    sheet = workbook.add_worksheet("上报数与实名数")
    headers = ["工会编码", "工会名称", "上报数", "实名数", "差额"]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, header_format)
    # Counting the (never null) date, below the city through the subtree's union ids:
    # read from event_union_date_idx alone, not the event table.
    verified = dict(
        MembershipEvent.objects.members_on(day)
        .filter(counting.in_subtree(root))
        .values("union_id").annotate(n=Count("date")).order_by()  # no join for the ordering
        .values_list("union_id", "n")
    )
    unions = (Organization.objects.in_subtree(root)
              .taking_members()
              .order_by("path").values_list("id", "code", "name", "reported_members"))
    for index, (pk, code, name, reported) in enumerate(unions, start=1):
        sheet.write_string(index, 0, code, label_format)
        sheet.write_string(index, 1, name, label_format)
        if reported is not None:
            sheet.write_number(index, 2, reported, count_format)
            sheet.write_number(index, 4, reported - verified.get(pk, 0), count_format)
        sheet.write_number(index, 3, verified.get(pk, 0), count_format)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 4, 10)
    sheet.freeze_panes(1, 0)
    page_setup(sheet, f"{root.name} 上报数与实名数", 0)
