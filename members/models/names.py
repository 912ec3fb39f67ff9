"""How Chinese clerks search for a name: by the initials of its pinyin (``cxy`` finds
陈秀英) or by the given name without the surname (秀英). Both are stored on the member
(``name_initials``, ``given_name``) so the search box matches an indexed prefix rather
than computing pinyin while scanning a million rows.

A surname is read as a surname, not as an ordinary word: 曾 is zēng (not céng), 区 is ōu
(not qū), 单 is shàn (not dān), and 欧阳 or 司徒 is one surname of two characters. The
tables below hold the compound and polyphonic surnames common in Guangdong; pypinyin
reads the rest (and the given name) with its usual reading."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Two-character surnames: the given name starts after them.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司徒", "上官", "诸葛", "司马", "东方", "皇甫", "夏侯", "尉迟", "公孙", "慕容",
    "令狐", "长孙", "端木", "南宫", "西门", "宇文", "轩辕", "澹台", "呼延", "闻人", "太史",
})
# Surnames whose reading as a surname differs from pypinyin's everyday reading: the
# initial letter(s) the surname has as a name.
SURNAME_INITIALS = {
    "曾": "z", "区": "o", "单": "s", "解": "x", "仇": "q", "朴": "p", "查": "z", "盖": "g",
    "乐": "y", "覃": "q", "翟": "z", "缪": "m", "秘": "b", "种": "c", "繁": "p", "员": "y",
    "隗": "w", "召": "s", "尉迟": "yc", "长孙": "zs",
}
MAX_INITIALS = 20  # the column's length: longer names keep their first 20 initials


def surname_of(name):
    """The surname part of ``name``: two characters for a compound surname, else one."""
    if name[:2] in COMPOUND_SURNAMES or name[:2] in SURNAME_INITIALS:
        return name[:2]
    return name[:1]


@lru_cache(maxsize=100_000)  # given names repeat far more than whole names (秀英, 伟)
def _initials(text):
    letters = []
    for part in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"):
        # Non-Chinese characters come back as they are: keep letters and digits only.
        letters.append("".join(ch for ch in part.lower() if ch.isascii() and ch.isalnum()))
    return "".join(letters)


@lru_cache(maxsize=200_000)  # names repeat: the demo's million members, a roster's rows
def name_keys(name):
    """``(name_initials, given_name)`` of a member's name: what ``Member.save``, the
    import's bulk writer, the demo generator and the data migration store."""
    name = (name or "").strip()
    if not name:
        return "", ""
    surname = surname_of(name)
    given = name[len(surname):]
    initials = SURNAME_INITIALS.get(surname) or _initials(surname)
    return (initials + _initials(given))[:MAX_INITIALS], given[:50]


def is_initials_term(term):
    """A search term that can only be pinyin initials: ASCII letters, 2 to 20 of them."""
    return term.isascii() and term.isalpha() and 2 <= len(term) <= MAX_INITIALS
