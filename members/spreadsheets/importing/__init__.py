"""The one import path for members, employers and unions: the admin, the /sheets/ pages
and ``manage.py import_data`` all call ``run_import``.

The flow is validate everything, then write everything. Every row is built into an
unsaved model instance and checked by the model's own rules (``full_clean``, which runs
``Member.clean`` — the same rules as the forms); unions and employers are looked up in
dictionaries built from one ``visible_to(user)`` query each, never per row. Any error
anywhere means nothing is written (all-or-nothing): the preview lists every error as
"row N 「header」: message", with N the row number the clerk sees in Excel.

The modules: ``table`` finds the roster's table in the workbook, ``base`` holds the
shared importer (the result, the lookups, the cell parsers), and ``members``,
``employers`` and ``unions`` one importer each, a resolver per column.

Why not django-import-export's Resource pipeline: it saves row by row with a query or
more per row and its own field widgets — a second validation path, and about ten times
slower than the bulk writes here (issue 7's target is 100,000 rows in under 40 s).
"""

import re

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from members.spreadsheets import columns as cols
from members.spreadsheets.importing.base import ImportResult, RowError, stored_user
from members.spreadsheets.importing.employers import EmployerImporter
from members.spreadsheets.importing.members import MemberImporter
from members.spreadsheets.importing.table import data_rows, find_table, title_text
from members.spreadsheets.importing.unions import UnionImporter
from members.spreadsheets.reading import SpreadsheetError, check_upload, read_sheets
from organizations.access import default_organization
from organizations.models import Organization

__all__ = [
    "IMPORTERS", "EmployerImporter", "ImportResult", "MemberImporter", "RowError",
    "UnionImporter", "run_import", "stored_user",
]

IMPORTERS = {cols.MEMBERS: MemberImporter, cols.EMPLOYERS: EmployerImporter,
             cols.UNIONS: UnionImporter}


def run_import(kind, data, user, *, commit=False, union=None, progress=None):
    """Read ``data`` (the uploaded bytes) as a roster of ``kind`` and validate it as
    ``user`` would enter it. With ``commit`` and no error at all, write it in one
    transaction. ``union``: where member rows that name no union go (picked at upload;
    else the file's 填表单位, else the user's own union). ``progress(done, total)`` is
    told as chunks are checked (background imports). Returns an ``ImportResult``;
    never raises for bad files."""
    result = ImportResult(kind=kind)
    importer = IMPORTERS[kind](user, result)
    importer.writing = commit  # a dry run keeps no planned rows, only their count
    importer.progress = progress
    try:
        file_format = check_upload(data)
        sheet, header_index, rows, mapped, ignored = find_table(read_sheets(data, file_format), kind)
        result.sheet = sheet
        result.header_row = header_index + 1
        result.headers, result.ignored_headers = mapped, ignored
        if kind == cols.MEMBERS:  # the rosters whose rows may name no union
            result.file_union = importer.file_union = file_union(
                user, union, title_text(rows, header_index))
        records = data_rows(rows, header_index, result.headers)
        del rows  # the records keep only the known columns' cells
    except SpreadsheetError as error:
        result.file_error = str(error)
        return result
    result.rows = len(records)
    if commit:
        with transaction.atomic():
            importer.run(records)
            if result.ok:
                result.committed = True
            else:  # rows written before a later row's error are taken back
                transaction.set_rollback(True)
    else:
        importer.run(records)
    return result


FORM_UNION = re.compile(r"填表单位(?:[（(]\s*盖章\s*[)）])?\s*[:：]\s*(.+)")


def file_union(user, picked, titles):
    """The union a file's rows go to when they name none: the one picked at upload,
    else the union its 填表单位 title row names (among those the user sees; None when
    it takes no members), else the user's own union when it takes members."""
    if picked is not None:
        return picked
    for text in titles:
        match = FORM_UNION.search(text)
        if match and match.group(1).strip():
            name = match.group(1).strip()
            found = Organization.objects.visible_to(user).filter(Q(name=name) | Q(code=name)).first()
            if found is None:
                raise SpreadsheetError(_(
                    "The file's 填表单位 \"%(name)s\" is not a union in your area; pick the "
                    "union at upload.") % {"name": name})
            # A federation's form (an export of its area): registered people stay where
            # they are; a new person needs a union of their own row or the upload's.
            return found if found.takes_members else None
    # (``manage.py import_data`` acts as a built-in superuser, not a stored user.)
    own = default_organization(user) if getattr(user, "pk", None) else None
    return own if own is not None and own.takes_members else None
