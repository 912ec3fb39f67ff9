"""A small streaming .xlsx writer for the big list exports.

An .xlsx file is a zip of a few XML parts; for a plain table (a bold header row, a
frozen pane, column widths, dates formatted as dates) the parts are short and fixed,
and only the sheet's rows grow. This module writes those rows straight into the zip
entry as they come, so memory stays flat whatever the row count, and it does only what
a table needs — about five times faster than xlsxwriter's ``constant_memory`` mode,
which builds every cell through a general-purpose API (440,000 × 25 cells: about 100 s
there, about 20 s here). Small formatted workbooks (the template, the statistics, the
error file) still use xlsxwriter.

Cells: text as inline strings (``t="inlineStr"``, never a formula: an ID number stays
text), numbers as numbers, dates as serial numbers with a yyyy-mm-dd style, booleans
as 是/否. When a sheet reaches Excel's 1,048,576 rows the rows continue on a new sheet
with the same header.
"""

import re
import zipfile
from datetime import date, datetime, timezone
from xml.sax.saxutils import quoteattr

MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
FLUSH_BYTES = 1 << 20
EXCEL_EPOCH = date(1899, 12, 30).toordinal()
LEAP_BUG_END = date(1900, 3, 1).toordinal()  # Excel counts a 29 February 1900
FIRST_DATE = date(1900, 1, 1)

# Text that needs more than copying: XML's special characters, characters XML 1.0 cannot
# hold, Excel's own _xHHHH_ escapes, and whitespace at either end (kept only with
# xml:space="preserve").
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|^\s|\s$")
_INVALID = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# ``_SPECIAL`` over a row's cells joined by \x1f (``write_text_rows``): whitespace at
# the ends of any cell ([^\S\x1c-\x1f]: Python counts \x1c-\x1f as whitespace).
_SPACE = r"[^\S\x1c-\x1f]"
_ROW_SPECIAL = re.compile(
    r"[&<>\x00-\x08\x0b-\x1e\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_"
    rf"|^{_SPACE}|{_SPACE}$|{_SPACE}\x1f|\x1f{_SPACE}"
)


def _text_cell(ref, text):
    """The <c> element for a text cell (the slow path: text that needs escaping)."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INVALID.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _quoted_sheet(name):
    """A sheet name as a formula reference writes it: 'name' with quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def column_letter(index):
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escape_attr(value):
    return quoteattr(str(value))


def _escape_text(value):
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StreamingWorkbook:
    """``with StreamingWorkbook(path, sheet_name, headers, widths) as book:
    book.write_rows(rows)``. ``rows`` are sequences of cell values (str, int, float,
    bool, date, datetime, None)."""

    def __init__(self, path, sheet_name, headers, widths=None, compresslevel=1, *,
                 titles=(), print_title=""):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=compresslevel)
        self.sheet_name = sheet_name
        self.titles = list(titles)  # text rows above the header (a form's name, 填表单位)
        self.print_title = print_title or sheet_name  # the printed page's header
        self.headers = list(headers)
        self.widths = list(widths or [])
        self.letters = [column_letter(index) for index in range(len(self.headers))]
        self.sheet_names = []
        self.stream = None
        self.row = 0  # the last row written on the current sheet (1-based)
        self.pending = []
        self.pending_size = 0
        self.dates = {}  # date → its serial number as text (dates repeat a lot)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.close()
        else:
            self.zip.close()

    # --- rows -------------------------------------------------------------------------

    def write_rows(self, rows):
        letters = self.letters
        dates = self.dates
        special = _SPECIAL.search
        pending = self.pending
        for values in rows:
            if self.stream is None or self.row >= MAX_ROWS:
                self._start_sheet()
            self.row += 1
            number = str(self.row)
            cells = [f'<row r="{number}">']
            append = cells.append
            for letter, value in zip(letters, values):
                kind = type(value)
                if kind is str:
                    if not value:
                        continue
                    if special(value):
                        append(_text_cell(letter + number, value))
                    else:
                        append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                elif value is None:
                    continue
                elif kind is date:
                    serial = dates.get(value)
                    if serial is None:
                        serial = dates[value] = _serial(value)
                    if serial:
                        append(f'<c r="{letter}{number}" s="1"><v>{serial}</v></c>')
                    else:  # before 1900: Excel has no such date
                        append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value.isoformat()}</t></is></c>')
                elif kind is bool:
                    append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{"是" if value else "否"}</t></is></c>')
                elif kind is int or kind is float:
                    append(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
                elif kind is datetime:
                    value = value.replace(tzinfo=None)
                    day = _serial(value.date())
                    if day:
                        seconds = value.hour * 3600 + value.minute * 60 + value.second
                        append(f'<c r="{letter}{number}" s="1"><v>{int(day) + seconds / 86400!r}</v></c>')
                else:
                    text = str(value)
                    if text:
                        append(_text_cell(letter + number, text))
            append("</row>")
            line = "".join(cells)
            pending.append(line)
            self.pending_size += len(line)
            if self.pending_size > FLUSH_BYTES:
                self._flush()

    def write_text_rows(self, rows, dates=()):
        """Rows whose cells are all text, as ``member_sql`` fetches them: "" for an
        empty cell, a date as its serial number's digits (the columns ``dates``). The
        cells ``write_rows`` would write, made by one string format per row (chosen by
        which cells are filled); a row with a cell that needs escaping, or a date
        before 1900 (ISO text), is written cell by cell."""
        templates = {}
        width = len(self.letters)
        pending = self.pending
        for values in rows:
            if self.stream is None or self.row >= MAX_ROWS:
                self._start_sheet()
            self.row += 1
            joined = "\x1f".join(values)
            filled = tuple(map(bool, values))
            if (joined.count("\x1f") != width - 1 or _ROW_SPECIAL.search(joined)
                    or not all(values[i].isdigit() for i in dates if filled[i])):
                line = self._careful_row(values, dates)
            else:
                template = templates.get(filled)
                if template is None:
                    template = templates[filled] = self._row_template(filled, dates)
                line = template.format(self.row, *values)
            pending.append(line)
            self.pending_size += len(line)
            if self.pending_size > FLUSH_BYTES:
                self._flush()

    def _row_template(self, filled, dates):
        cells = ['<row r="{0}">']
        for index, (letter, full) in enumerate(zip(self.letters, filled)):
            if full and index in dates:
                cells.append(f'<c r="{letter}{{0}}" s="1"><v>{{{index + 1}}}</v></c>')
            elif full:
                cells.append(f'<c r="{letter}{{0}}" t="inlineStr"><is><t>{{{index + 1}}}</t></is></c>')
        cells.append("</row>")
        return "".join(cells)

    def _careful_row(self, values, dates):
        number = str(self.row)
        cells = [f'<row r="{number}">']
        for index, (letter, value) in enumerate(zip(self.letters, values)):
            if value and index in dates and value.isdigit():
                cells.append(f'<c r="{letter}{number}" s="1"><v>{value}</v></c>')
            elif value:
                cells.append(_text_cell(letter + number, value))
        cells.append("</row>")
        return "".join(cells)

    def _flush(self):
        if self.pending:
            self.stream.write("".join(self.pending).encode("utf-8"))
            self.pending.clear()
        self.pending_size = 0

    # --- sheets -----------------------------------------------------------------------

    def _start_sheet(self):
        if self.stream is not None:
            self._end_sheet()
        number = len(self.sheet_names) + 1
        name = self.sheet_name if number == 1 else f"{self.sheet_name[:26]} ({number})"
        self.sheet_names.append(name)
        self.stream = self.zip.open(f"xl/worksheets/sheet{number}.xml", "w")
        selected = 'tabSelected="1" ' if number == 1 else ""
        cols = "".join(
            f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
            for index, width in enumerate(self.widths, start=1)
        )
        top = len(self.titles) + 1  # the header row
        titles = "".join(
            f'<row r="{index}"><c r="A{index}" s="{3 if index == 1 else 0}" t="inlineStr">'
            f'<is><t>{_escape_text(text)}</t></is></c></row>'
            for index, text in enumerate(self.titles, start=1)
        )
        header = "".join(
            f'<c r="{letter}{top}" s="2" t="inlineStr"><is><t>{_escape_text(text)}</t></is></c>'
            for letter, text in zip(self.letters, self.headers)
        )
        self.stream.write((
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<sheetViews><sheetView {selected}workbookViewId="0">'
            f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{top + 1}" sqref="A{top + 1}"/>'
            '</sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + f'<sheetData>{titles}<row r="{top}">{header}</row>'
        ).encode("utf-8"))
        self.row = top

    def _end_sheet(self):
        self._flush()
        self.stream.write(('</sheetData>' + PAGE_SETUP.format(
            title=_escape_text(self.print_title.replace("&", "&&"))) + '</worksheet>'
        ).encode("utf-8"))
        self.stream.close()
        self.stream = None

    def close(self):
        if self.stream is None:
            self._start_sheet()  # an empty list still gets its header
        self._end_sheet()
        self._write_package_parts(len(self.sheet_names))
        self._write_properties()
        self._write_workbook(len(self.sheet_names))
        self.zip.writestr("xl/styles.xml", STYLES)
        self.zip.close()

    def _print_titles(self):
        """The rows repeated at the top of every printed page: titles and header."""
        top = len(self.titles) + 1
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
            f"{_escape_text(_quoted_sheet(name[:31]))}!${1}:${top}</definedName>"
            for index, name in enumerate(self.sheet_names)
        )
        return f"<definedNames>{names}</definedNames>"

    def _write_package_parts(self, count):
        """The content types and the package's relationships."""
        self.zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{index}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for index in range(1, count + 1)
            )
            + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>'
        ))
        self.zip.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            '</Relationships>'
        ))

    def _write_properties(self):
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.zip.writestr("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
            '</cp:coreProperties>'
        ))
        self.zip.writestr("docProps/app.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>unionreg</Application></Properties>'
        ))

    def _write_workbook(self, count):
        """The workbook with its sheets, and their relationships."""
        sheets = "".join(
            f'<sheet name={_escape_attr(name[:31])} sheetId="{index}" r:id="rId{index}"/>'
            for index, name in enumerate(self.sheet_names, start=1)
        )
        self.zip.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView/></bookViews>'
            f'<sheets>{sheets}</sheets>{self._print_titles()}</workbook>'
        ))
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{index}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{index}.xml"/>'
                for index in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>'
        ))


# Print setup of every sheet (as ``writing.page_setup`` gives the xlsxwriter ones): A4
# landscape, one page wide (fitToHeight 0: as many pages long as needed; the sheetPr's
# fitToPage turns it on), gridlines printed, centred, the title in the page header and
# the page number in the footer. The header rows repeat through the workbook's
# _xlnm.Print_Titles names.
PAGE_SETUP = (
    '<printOptions horizontalCentered="1" gridLines="1"/>'
    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    '<headerFooter><oddHeader>&amp;C&amp;"-,Bold"{title}</oddHeader>'
    '<oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>'
)


def _serial(day):
    """Excel's serial number of ``day`` as text; "" before 1900."""
    if day < FIRST_DATE:
        return ""
    ordinal = day.toordinal()
    return str(ordinal - EXCEL_EPOCH - (1 if ordinal < LEAP_BUG_END else 0))


# Cell styles: 0 the default, 1 a date (yyyy-mm-dd), 2 the header (bold, light blue,
# thin border, wrapped, vertically centred — as the xlsxwriter workbooks have it), 3 a
# title row (bold, 14 points).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="14"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '</fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    '</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
    'defaultPivotStyle="PivotStyleLight16"/>'
    '</styleSheet>'
)
