"""Reading uploaded spreadsheets: what the file really is, whether it is safe to open,
and its rows as plain Python values.

Files are identified by their first bytes, never by their name: a PDF or a photo
renamed ``.xlsx`` is refused as "not a spreadsheet". Workbooks are opened with
python-calamine (about ten times faster than openpyxl's read-only mode on .xlsx, and it
reads .xls and .ods too); CSV goes through the csv module after its encoding is found.
Before anything is parsed the upload's size and, for zip containers (.xlsx, .ods), the
total uncompressed size are checked against the settings, so a zip bomb never inflates.
"""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from organizations.validators import to_half_width

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx is an OLE2 container holding these two streams (MS-OFFCRYPTO).
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK and GB2312
HEADER_SEARCH_ROWS = 10


class SpreadsheetError(Exception):
    """The file as a whole cannot be imported; the message is for the clerk."""


def check_upload(data):
    """Refuse files that are too big, not spreadsheets, encrypted or zip bombs. Returns
    the format: "xlsx", "ods", "xls" or "csv"."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise SpreadsheetError(too_big_message())
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        return _check_zip(data)
    if data.startswith(OLE2_MAGIC):
        if any(stream in data for stream in ENCRYPTED_STREAMS):
            raise SpreadsheetError(_encrypted_message())
        return "xls"
    head = data[:8192]
    if b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise SpreadsheetError(_not_a_spreadsheet_message())
    decode_text(data)  # raises when it is not text in a known encoding
    return "csv"


def too_big_message():
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if limit >= 1024 * 1024:
        return _("The file is larger than %(limit)d MB. Split it into smaller files.") % {
            "limit": limit // (1024 * 1024)}
    return _("The file is larger than %(limit)d KB. Split it into smaller files.") % {
        "limit": max(1, limit // 1024)}


def _encrypted_message():
    return _(
        "The workbook is protected with a password. Open it in Excel or WPS, remove the "
        "password (File → Info → Protect Workbook) and upload it again."
    )


def _not_a_spreadsheet_message():
    return _(
        "This file is not a spreadsheet. Upload an Excel workbook (.xlsx or .xls), an "
        "OpenDocument spreadsheet (.ods) or a CSV file."
    )


def _corrupt_message():
    return _(
        "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it "
        "again as .xlsx and upload the new file."
    )


def _check_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise SpreadsheetError(_corrupt_message()) from None
    # The sizes come from the central directory, so nothing is inflated to learn them.
    total = sum(member.file_size for member in members)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise SpreadsheetError(
            _("The workbook unpacks to more than %(limit)d MB, which no member roster "
              "needs. Save it again without pictures or split it.")
            % {"limit": settings.IMPORT_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
        )
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "mimetype" in names:
        try:
            if archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                return "ods"
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError):
            raise SpreadsheetError(_corrupt_message()) from None
    raise SpreadsheetError(_not_a_spreadsheet_message())


def decode_text(data):
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        _("The text file is neither UTF-8 nor GB18030 (GBK). Save it from Excel as "
          "\"CSV UTF-8\" or as a workbook.")
    )


def read_sheets(data, file_format):
    """Yield ``(sheet name, rows)`` for every sheet, rows as lists of Python values
    (str, float, bool, date, datetime; "" for empty cells). Refuses sheets with more rows
    than ``IMPORT_MAX_ROWS`` before converting them."""
    max_rows = settings.IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS
    if file_format == "csv":
        text = decode_text(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            if len(rows) > max_rows:
                raise SpreadsheetError(_too_many_rows_message())
        yield "", rows
        return

    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
    except PasswordError:
        raise SpreadsheetError(_encrypted_message()) from None
    except Exception as error:  # calamine raises several unrelated types for bad files
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise SpreadsheetError(_encrypted_message()) from None
        raise SpreadsheetError(_corrupt_message()) from None
    for index, name in enumerate(names):
        try:
            sheet = workbook.get_sheet_by_index(index)
            if sheet.total_height > max_rows:
                raise SpreadsheetError(_too_many_rows_message())
            rows = sheet_rows(sheet)
        except SpreadsheetError:
            raise
        except Exception:
            raise SpreadsheetError(_corrupt_message()) from None
        yield name, rows


def sheet_rows(sheet):
    """The sheet's rows from A1 (as ``to_python(skip_empty_area=False)``: indexes are the
    clerk's row numbers), converted row by row: a long roster repeats the same
    words (性别, 民族, the union…) in every row, and one Python string per distinct value
    and column instead of one per cell keeps 100,000 rows in about half the memory of
    ``to_python()``. A column stops being shared once it proves to hold mostly distinct
    values (names, ID numbers)."""
    # iter_rows() starts at row 1 but at the first used column: pad the columns before.
    pad = [""] * (sheet.start or (0, 0))[1]
    rows = []
    shared = {}  # column → {value: value}, or None for a column of distinct values
    for row in sheet.iter_rows():
        for index, value in enumerate(row):
            if type(value) is str and value:
                seen = shared.get(index, _NEW)
                if seen is None:
                    continue
                if seen is _NEW:
                    seen = shared[index] = {}
                kept = seen.setdefault(value, value)
                if kept is not value:
                    row[index] = kept
                elif len(seen) > SHARED_VALUES_PER_COLUMN:
                    shared[index] = None
        rows.append(pad + row if pad else row)
    return rows


SHARED_VALUES_PER_COLUMN = 5000
_NEW = object()


def _too_many_rows_message():
    return _("The sheet has more than %(limit)d rows. Split it into several files.") % {
        "limit": settings.IMPORT_MAX_ROWS
    }


# --- cell values -------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u3000\ufeff\u200b]+")
_WIDE = re.compile(r"[\uff01-\uff5e\u3000\u00a0\ufeff]")  # what cell_text converts
def cell_text(value):
    """A cell as trimmed, half-width text. Numbers that are whole print without ".0"
    (a card number typed as a number)."""
    if type(value) is str and not _WIDE.search(value):
        return value.strip()  # the common case: nothing to convert
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = to_half_width(str(value)).replace("\u00a0", " ").replace("\ufeff", "")
    return text.strip()


EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class CellError(ValueError):
    """A cell whose value cannot be used; the message is for the clerk."""


def parse_date(value):
    """Real dates, Excel serial numbers and the ways people type dates."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial range (1900-01-01 … 9999-12-31)
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("Enter a date such as 2016-05-03."))
    text = _SPACES.sub("", cell_text(value))
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # a serial number that arrived as text
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(
        _("\"%(value)s\" is not a date. Enter a date such as 2016-05-03.") % {"value": text}
    )


def parse_int(value):
    if value in (None, ""):
        return None
    if isinstance(value, float):
        if value.is_integer() and value >= 0:
            return int(value)
        raise CellError(_("Enter a whole number."))
    text = cell_text(value).replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    raise CellError(_("\"%(value)s\" is not a whole number.") % {"value": text})


TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", ""}


def parse_bool(value):
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Enter 是 or 否."))
