"""Finding the roster's table in a workbook: the header row among the first rows, which
column holds what (matched by meaning: ``headers``), and the data rows below it, kept
compact as ``Records``."""

import itertools

from django.conf import settings
from django.utils.translation import gettext as _

from members.spreadsheets import columns as cols
from members.spreadsheets.importing import headers
from members.spreadsheets.reading import HEADER_SEARCH_ROWS, SpreadsheetError, cell_text

MIN_HEADER_MATCHES = 3


def find_table(sheets, kind):
    """The first sheet whose first rows contain a header row for ``kind``: the first row
    among the top ten in which enough columns are recognised (``headers``: by meaning);
    title rows above it ("XX工会会员花名册", 填表单位…) are skipped and kept as
    ``titles``. Returns ``(sheet name, header index, rows, mapped, ignored)``."""
    best_problem = None
    for name, rows in sheets:
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            mapped, ignored, conflicts = headers.map_header_row(row, kind)
            if len(set(mapped.values()) | set(conflicts)) < MIN_HEADER_MATCHES:
                continue
            if conflicts:
                best_problem = best_problem or headers.conflict_message(row, mapped, conflicts, kind)
                continue
            missing = cols.missing_required(kind, set(mapped.values()))
            if not missing:
                return name, index, rows, mapped, ignored
            best_problem = best_problem or headers.missing_message(row, mapped, missing, kind)
    if best_problem:
        raise SpreadsheetError(best_problem)
    raise SpreadsheetError(
        _("No header row found in the first %(count)d rows. The header row needs columns "
          "such as %(columns)s; download the template to see them all.")
        % {"count": HEADER_SEARCH_ROWS,
           "columns": "、".join(column.header for column in cols.COLUMNS[kind][:5])}
    )


def title_text(rows, header_index):
    """The text of the title rows above the header (the form's name, 填表单位…)."""
    return [cell_text(cell) for row in rows[:header_index] for cell in row if cell_text(cell)]


def data_rows(rows, header_index, headers):
    """The non-empty rows below the header as ``Records``: each row's known cells,
    trimmed, with our exports' formula guard taken off."""
    header_row = rows[header_index]
    names = {key: cell_text(header_row[index]).replace("\n", "") for index, key in headers.items()}
    indexes = list(headers)
    kept = []
    limit = settings.IMPORT_MAX_ROWS
    for number, row in enumerate(itertools.islice(rows, header_index + 1, None),
                                 start=header_index + 2):
        width = len(row)
        cells = []
        empty = True
        for index in indexes:
            value = row[index] if index < width else ""
            if isinstance(value, str):
                value = value.strip()
                if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                    value = value[1:]  # our exports' formula guard (writing.neutralise)
            if value is not None and value != "":
                empty = False
            cells.append(value)
        if empty:
            continue
        if len(kept) >= limit:
            raise SpreadsheetError(
                _("The sheet has more than %(limit)d rows. Split it into several files.")
                % {"limit": limit}
            )
        kept.append((number, tuple(cells)))
    return Records([headers[index] for index in indexes], names, kept)


class Records:
    """The data rows of a sheet. Iterating yields ``(row number, {key: value} of the
    non-empty cells, {key: header text})``; the dictionaries are made as the rows are
    used, so a file of 100,000 rows is held as 100,000 small tuples, not dictionaries."""

    def __init__(self, keys, names, rows):
        self.keys = keys
        self.names = names
        self.rows = rows  # (row number, cells in ``keys`` order)

    def __len__(self):
        return len(self.rows)

    def chunks(self, size):
        for start in range(0, len(self.rows), size):
            yield Records(self.keys, self.names, self.rows[start:start + size])

    def __iter__(self):
        keys, names = self.keys, self.names
        for number, cells in self.rows:
            yield number, {key: value for key, value in zip(keys, cells)
                           if value is not None and value != ""}, names
