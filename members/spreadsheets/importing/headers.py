"""Which column of a roster holds what: headers matched by meaning, not by spelling.

Offices head the same column in many ways (入会日期, 入会时间, 加入工会日期, 入会年月,
入会时间（年月日）…), and a fixed list of spellings always misses the next office. So a
header is first normalised (``normalize``: full-width forms, line breaks, spaces inside
words, punctuation, ``*``, hints in brackets) and then matched three ways, the stronger
first:

1. the column's own header (入会日期);
2. one of its listed synonyms (入会时间);
3. its key words (``columns.Column.words``): every group of one pattern present (a
   join date: one of 入会 / 加入工会 / 参加工会 … and one of 日期 / 时间 / 年月 …) and
   none of the column's ``avoid`` words (入会介绍人 is no join date). When the key words
   of several columns fit one header, the one whose key words cover more of it wins
   (就业状态 is the employment status, not the member's status); a tie is no match.

A header that matches nothing with its hint removed is tried again with the hint's
words kept (入会（年月） → 入会年月). Two columns that claim one field at the same
strength, or a required field no column claims, refuse the file with a message naming
every column of the file and what it was taken as (``describe``).
"""

import re

from django.utils.translation import gettext as _

from members.spreadsheets import columns as cols
from members.spreadsheets.reading import cell_text
from organizations.validators import to_half_width

EXACT, SYNONYM, WORDS = 3, 2, 1  # how strongly a header matched
_SPACES = re.compile(r"[\s\u00a0\u3000\ufeff\u200b]+")
_HINT = re.compile(r"[（(【\[〔].*?[）)】\]〕]", re.S)
_BRACKETS = re.compile(r"[（()）【】\[\]〔〕]")
_PUNCTUATION = re.compile(r"[*＊:：、，,;；.。·/\\\-_—~～'\"“”‘’!！?？#＃]")


def normalize(value, keep_hint=False):
    """A header as its bare words: "证件号码\\n(填写18位身份证)" → "证件号码";
    "*出生日期（格式：yyyy/MM/dd）" → "出生日期"; "入 会 时 间" → "入会时间". With
    ``keep_hint`` the bracketed words stay, without the brackets."""
    text = to_half_width(str(value or ""))
    text = _BRACKETS.sub("", text) if keep_hint else _HINT.sub("", text)
    text = _SPACES.sub("", text)
    return _PUNCTUATION.sub("", text)


class HeaderMatcher:
    """The columns of one roster kind, ready to match headers."""

    def __init__(self, kind):
        self.kind = kind
        self.columns = cols.COLUMNS[kind]
        self.exact = {}
        for strength, names in ((EXACT, lambda c: (c.header,)), (SYNONYM, lambda c: c.synonyms)):
            for column in self.columns:
                for name in names(column):
                    self.exact.setdefault(normalize(name), (column.key, strength))

    def match(self, cell):
        """``(key, strength)`` of the column this header means, or ``(None, 0)``."""
        raw = str(cell or "")
        # The header as written without its hint; its first line (a hint after a line
        # break: 是否农民工会员 / 填写"是"或"否"); then with the hint's words kept.
        texts = [text for text in dict.fromkeys((
            normalize(raw), normalize(raw.strip().split("\n")[0]), normalize(raw, keep_hint=True),
        )) if text]
        for text in texts:
            if text in self.exact:
                return self.exact[text]
        for text in texts:
            key = self._by_words(text)
            if key:
                return key, WORDS
        return None, 0

    def _by_words(self, text):
        best, best_score, tie = None, 0, False
        for column in self.columns:
            score = word_score(column, text)
            if score > best_score:
                best, best_score, tie = column.key, score, False
            elif score and score == best_score:
                tie = True
        return None if tie else best


def word_score(column, text):
    """How much of ``text`` the column's key words cover (0: they do not fit it)."""
    if any(word in text for word in column.avoid):
        return 0
    best = 0
    for pattern in column.words:
        score = 0
        for group in pattern:
            found = [word for word in group if word in text]
            if not found:
                score = 0
                break
            score += max(len(word) for word in found)
        best = max(best, score)
    return best


def map_header_row(row, kind):
    """Column index → key for the headers of ``row``, with the file's columns described
    for messages: ``(mapped, ignored, conflicts)``. Of two columns claiming one field the
    stronger match wins; at equal strength both are reported in ``conflicts``
    (key → their indexes) and neither is taken."""
    matcher = HeaderMatcher(kind)
    claims = {}  # key → [(strength, index)]
    ignored = []
    for index, cell in enumerate(row):
        key, strength = matcher.match(cell)
        if key:
            claims.setdefault(key, []).append((strength, index))
        elif normalize(cell) and normalize(cell) not in (cols.RESULT_HEADER, cols.REASON_HEADER):
            ignored.append(cell_text(cell).replace("\n", ""))
    mapped, conflicts = {}, {}
    for key, found in claims.items():
        top = max(strength for strength, _index in found)
        strongest = [index for strength, index in found if strength == top]
        if len(strongest) > 1:
            conflicts[key] = strongest
            continue
        mapped[strongest[0]] = key
        ignored += [cell_text(row[index]).replace("\n", "")
                    for strength, index in found if strength != top]
    return dict(sorted(mapped.items())), ignored, conflicts


def describe(row, mapped, kind):
    """Every column of the header row and what it was taken as: 「入会时间」→入会日期、
    「介绍人」→（未使用）."""
    parts = []
    for index, cell in enumerate(row):
        text = cell_text(cell).replace("\n", "")
        if not text:
            continue
        key = mapped.get(index)
        meaning = cols.column(kind, key).header if key else _("(not used)")
        parts.append(f"「{text}」→{meaning}")
    return "、".join(parts)


def conflict_message(row, mapped, conflicts, kind):
    claimed = "；".join(
        _("%(columns)s all look like %(field)s") % {
            "columns": "、".join(f"「{cell_text(row[i])}」" for i in indexes),
            "field": cols.column(kind, key).header,
        }
        for key, indexes in conflicts.items()
    )
    return _("Several columns claim one field: %(claims)s. Rename or delete the extra "
             "column. The file's columns were read as: %(columns)s.") % {
        "claims": claimed, "columns": describe(row, mapped, kind)}


def missing_message(row, mapped, missing, kind):
    return _("The sheet lacks required columns: %(missing)s. The file's columns were read "
             "as: %(columns)s.") % {
        "missing": "、".join(missing), "columns": describe(row, mapped, kind)}
