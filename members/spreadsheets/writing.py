"""Workbooks we write: the blank template per roster, the uploaded file handed back
with 是否导入成功 / 错误原因, and the helpers every export uses (formula neutralising).

Writers: the big list exports go through ``members.spreadsheets.xlsx``, a small
streaming writer of the sheet XML (440,871 members × 25 columns in about 20 s, against
about 100 s for xlsxwriter's ``constant_memory`` mode and 155 s for openpyxl's
write-only mode). The workbooks here are small but formatted — data-validation lists,
comments, several formats — so they use xlsxwriter.
"""

import io
from datetime import date, datetime

import xlsxwriter

from members.models import Member
from members.spreadsheets import columns as cols
from organizations import personal
from members.spreadsheets.reading import check_upload, read_sheets

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the
    start) gets a leading single quote, so it stays text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def page_setup(sheet, title, header_row):
    """Print setup of an xlsxwriter sheet, as every workbook we write has it: A4
    landscape, one page wide (as many pages long as needed), the rows up to and
    including ``header_row`` (0-based) repeated on every page, ``title`` in the page
    header and the page number in the footer, gridlines printed, centred."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_row)
    sheet.set_header("&C&\"-,Bold\"" + title.replace("&", "&&"))
    sheet.set_footer("&C&P / &N")
    sheet.hide_gridlines(0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def workbook_formats(workbook):
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }


def write_cell(sheet, row, col, value, formats):
    """Strings always as strings (never formulas, never numbers: an ID stays an ID)."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats["date"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), formats["date"])
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, neutralise(str(value)))


def template_workbook(kind):
    """The blank roster: a title row, the header, an example row, drop-down lists for the
    coded columns (kept on a hidden sheet, since Excel limits an inline list to 255
    characters) and text format on code and ID columns."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = workbook_formats(workbook)
    sheet = workbook.add_worksheet(cols.TEMPLATE_SHEET_NAMES[kind])
    lists = workbook.add_worksheet("代码表")
    columns = cols.COLUMNS[kind]
    sheet.write_string(0, 0, cols.TEMPLATE_TITLES[kind], formats["title"])
    for index, column in enumerate(columns):
        header = column.header + ("*" if column.required else "")
        sheet.write_string(1, index, header, formats["header"])
        if column.note:
            sheet.write_comment(1, index, column.note)
        width = max(10, min(30, len(column.header) * 2 + 4, len(str(column.example)) * 1.2 + 4))
        sheet.set_column(index, index, width, formats["text"] if column.text else None)
        if column.text:
            write = sheet.write_string
            if column.example:
                write(2, index, str(column.example), formats["text"])
        elif column.example != "":
            write_cell(sheet, 2, index, column.example, formats)
        if column.codes:
            lists.write_string(0, index, column.header)
            for offset, value in enumerate(column.codes, start=1):
                lists.write_string(offset, index, value)
            letter = xlsxwriter.utility.xl_col_to_name(index)
            validation = {
                "validate": "list",
                "source": f"='代码表'!${letter}$2:${letter}${len(column.codes) + 1}",
            }
            if column.list_hint:
                # Several categories may be entered: the list is a suggestion only.
                validation.update(error_type="information", show_error=False)
            sheet.data_validation(2, index, 10001, index, validation)
    sheet.freeze_panes(2, 0)
    page_setup(sheet, cols.TEMPLATE_SHEET_NAMES[kind], 1)
    lists.hide()
    workbook.close()
    return buffer.getvalue()


def error_workbook(data, result, user):
    """The uploaded rows handed back with 是否导入成功 and 错误原因 after the last column,
    so the clerk fixes that very file and uploads it again (the import ignores the two
    columns). Title rows are kept; earlier result columns are replaced, not repeated.
    Personal columns go through the personal-data policy like every other surface: a
    user who may not see them in full gets them masked (today every role that may
    import sees them in full, so the file comes back as it was uploaded)."""
    sheets = dict(read_sheets(data, check_upload(data)))
    rows = sheets.get(result.sheet) or next(iter(sheets.values()))
    header_index = result.header_row - 1
    header = list(rows[header_index]) if rows else []
    drop = {index for index, cell in enumerate(header)
            if str(cell).strip() in (cols.RESULT_HEADER, cols.REASON_HEADER)}
    keep = [index for index in range(max((len(r) for r in rows), default=0)) if index not in drop]
    while keep and all(
        (rows[i][keep[-1]] if keep[-1] < len(rows[i]) else "") in ("", None)
        for i in range(len(rows))
    ):
        keep.pop()  # trailing empty columns
    errors = result.errors_by_row()
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = workbook_formats(workbook)
    sheet = workbook.add_worksheet(result.sheet[:31] or "Sheet1")
    text_columns = {index for index, key in result.headers.items()
                    if cols.column(result.kind, key).text}
    for index in text_columns:
        sheet.set_column(index, index, 20, formats["text"])
    result_col, reason_col = len(keep), len(keep) + 1
    show = _personal_columns(result, user)
    for row_index, row in enumerate(rows):
        for out_col, index in enumerate(keep):
            value = row[index] if index < len(row) else ""
            if index in show and row_index > header_index:
                value = show[index](value)
            write_cell(sheet, row_index, out_col, value, formats)
        if row_index == header_index:
            sheet.write_string(row_index, result_col, cols.RESULT_HEADER, formats["header"])
            sheet.write_string(row_index, reason_col, cols.REASON_HEADER, formats["header"])
        elif row_index + 1 in errors:
            sheet.write_string(row_index, result_col, "否")
            sheet.write_string(row_index, reason_col, "；".join(
                (f"「{e.column}」" if e.column else "") + e.message for e in errors[row_index + 1]
            ))
    sheet.set_column(reason_col, reason_col, 60)
    sheet.freeze_panes(header_index + 1, 0)
    page_setup(sheet, result.sheet or cols.TEMPLATE_SHEET_NAMES[result.kind], header_index)
    workbook.close()
    return buffer.getvalue()


def _personal_columns(result, user):
    """Column index → how ``user`` may see that column's values, for the personal
    columns the user may not see in full (``Member.PERSONAL_FIELDS``)."""
    if result.kind != cols.MEMBERS or personal.sees_in_full(user):
        return {}
    return {
        index: _as_text(personal.presenter(user, Member.PERSONAL_FIELDS[key]))
        for index, key in result.headers.items() if key in Member.PERSONAL_FIELDS
    }


def _as_text(show):
    """Uploaded cells are text, numbers or dates: mask their text."""
    def masked(value):
        if value is None or value == "":
            return value
        if isinstance(value, (date, datetime)):
            return show(value)
        return show(str(value))
    return masked
