"""The Simplified Chinese catalog: complete, compiled, used, and covering every string.

The interface is written with English msgids and shown in Chinese only, so an untranslated
string reaches the clerks as English. These tests read the catalog and the sources without
gettext tools (xgettext/msgfmt are not needed on the test machine): the .po is parsed here,
the committed .mo is loaded with the standard library, and the msgids are collected from
the Python sources (``ast``) and the templates (Django's own ``templatize``).

After adding strings: ``DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans
--ignore=.venv --ignore=bench --ignore=test-artifacts --no-obsolete``, translate, then
``compilemessages -l zh_Hans --ignore=.venv`` and commit both files.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation.template import templatize

from members.identity import check_character, parse_resident_id
from members.models import Member

BASE = Path(settings.BASE_DIR)
CATALOG_DIR = BASE / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = CATALOG_DIR / "django.po"
MO = CATALOG_DIR / "django.mo"
SOURCE_DIRS = ("members", "organizations", "unionreg")
TEMPLATE_DIR = BASE / "templates"

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


# --- A small .po reader ---------------------------------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict = field(default_factory=dict)  # index (0 for a singular) -> text
    flags: set = field(default_factory=set)
    line: int = 0

    @property
    def key(self):
        return (self.msgctxt, self.msgid)


def _unquote(text):
    return ast.literal_eval(text)  # a PO string is a C string, close enough to Python's


def read_po(path):
    """The entries of ``path`` (header and obsolete ``#~`` entries left out)."""
    entries, entry, target = [], None, None

    def finish():
        if entry is not None and entry.msgid:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            finish()
            entry, target = Entry(line=number), None
            entry.flags = {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            value = _unquote(line)
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgid or entry.msgstr):
            finish()
            entry = Entry(line=number)
        if entry is None:
            entry = Entry(line=number)
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
    finish()
    return entries


@pytest.fixture(scope="module")
def entries():
    return read_po(PO)


# --- Where the msgids come from --------------------------------------------------------

SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}


def _python_files():
    for directory in SOURCE_DIRS:
        for path in sorted((BASE / directory).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _strings(args, count):
    values = []
    for arg in args[:count]:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        values.append(arg.value)
    return values if len(values) == count else None


def python_msgids():
    """(context, msgid, where) of every gettext call with literal arguments."""
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            where = f"{path.relative_to(BASE)}:{node.lineno}"
            if name in SINGULAR and (values := _strings(node.args, 1)):
                found.append((None, values[0], where))
            elif name in PLURAL and (values := _strings(node.args, 2)):
                found.append((None, values[0], where))
            elif name in CONTEXT and (values := _strings(node.args, 2)):
                found.append((values[0], values[1], where))
            elif name in CONTEXT_PLURAL and (values := _strings(node.args, 3)):
                found.append((values[0], values[1], where))
    return found


_LITERAL = r"""u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"\b(gettext|ngettext|pgettext|npgettext)\(\s*{_LITERAL}(?:\s*,\s*{_LITERAL})?"
)


def template_msgids():
    """(context, msgid, where) of every {% translate %} and {% blocktranslate %}, found the
    way makemessages finds them (Django's templatize)."""
    found = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for match in _TEMPLATE_CALL.finditer(code):
            function, first, second = match.groups()
            first = ast.literal_eval(first)
            second = ast.literal_eval(second) if second else None
            if function.startswith(("p", "np")):
                found.append((first, second, str(path.relative_to(BASE))))
            else:
                found.append((None, first, str(path.relative_to(BASE))))
    return found


# --- (a) the catalog is complete -------------------------------------------------------

def test_po_parser_reads_the_catalog(entries):
    # Guards the parser itself: a catalog of hundreds of entries, plurals included.
    assert len(entries) > 300
    assert any(entry.msgid_plural for entry in entries)
    by_id = {entry.msgid: entry for entry in entries}
    assert by_id["The check character should be %(expected)s."].msgstr[0] == "校验位应为 %(expected)s。"


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy (line {entry.line}): {entry.msgid!r}")
        if not entry.msgstr or not all(entry.msgstr.values()):
            problems.append(f"untranslated (line {entry.line}): {entry.msgid!r}")
    assert not problems, "\n".join(problems)


def test_header_is_not_fuzzy_and_has_one_plural_form():
    text = PO.read_text(encoding="utf-8")
    header = text[: text.index('msgid ""')]
    assert "fuzzy" not in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
    assert '"Language: zh_Hans\\n"' in text


def test_translations_keep_the_placeholders(entries):
    problems = []
    for entry in entries:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"{entry.msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_chinese(entries):
    # A msgstr copied from its msgid (a shortcut when a deadline looms) shows English.
    untranslated = [
        entry.msgid for entry in entries
        if not re.search(r"[\u4e00-\u9fff]", "".join(entry.msgstr.values()))
        and re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", entry.msgid))
        and entry.msgid not in {"m²"}
    ]
    assert not untranslated, untranslated


# --- (b) the committed .mo is the compiled .po -----------------------------------------

def test_compiled_catalog_matches_the_po(entries):
    # The .mo is committed so that a machine without gettext still shows Chinese; it must
    # not lag behind the .po (file times mean nothing in a fresh clone, so compare content).
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry.msgid_plural:
            got = (compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                   if entry.msgctxt else compiled.ngettext(entry.msgid, entry.msgid_plural, 1))
        else:
            got = (compiled.pgettext(entry.msgctxt, entry.msgid)
                   if entry.msgctxt else compiled.gettext(entry.msgid))
        if got != entry.msgstr[0]:
            stale.append(f"{entry.msgid!r}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")
    assert not stale, "Run compilemessages -l zh_Hans and commit django.mo:\n" + "\n".join(stale)


# --- (d) every string in the code is in the catalog ------------------------------------

def test_every_marked_string_in_the_code_is_in_the_catalog(entries):
    known = {entry.key for entry in entries}
    sources = python_msgids() + template_msgids()
    assert len(sources) > 300  # the collectors found the strings at all
    missing = sorted({
        f"{where}: {msgid!r}" for context, msgid, where in sources
        if (context, msgid) not in known
    })
    assert not missing, (
        "Strings not in the zh_Hans catalog (run makemessages, translate, compilemessages):\n"
        + "\n".join(missing)
    )


def _visible_template_text(source):
    """Text a template shows that does not go through {% translate %}."""
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", source, flags=re.S)
    source = re.sub(r"\{%\s*(blocktranslate|blocktrans)\b.*?\{%\s*end\1\s*%\}", "", source,
                    flags=re.S)
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
    source = re.sub(r"&#?\w+;", "", source)
    shown = [value for _, value in re.findall(
        r"""\b(title|placeholder|aria-label|alt)=["']([^"']*)["']""", source)]
    shown += re.sub(r"<[^>]*>", "\n", source).splitlines()
    return [text.strip() for text in shown if re.search(r"[A-Za-z\u4e00-\u9fff]", text)]


def test_templates_show_no_text_outside_translate_tags():
    hard_coded = [
        f"{path.relative_to(BASE)}: {text!r}"
        for path in sorted(TEMPLATE_DIR.rglob("*.html"))
        for text in _visible_template_text(path.read_text(encoding="utf-8"))
    ]
    assert not hard_coded, "\n".join(hard_coded)


def test_visible_text_check_sees_hard_coded_text():
    # The check above passes on an empty result, so show that it does find text.
    source = ('{% load i18n %}<h1>Members</h1><p title="会员">{% translate "Ok" %}</p>'
              '{% comment %}Not shown{% endcomment %}<b>{{ name }}</b>&rsaquo;')
    assert _visible_template_text(source) == ["会员", "Members"]


def test_scripts_hold_no_chinese_text():
    # Scripts take their words from the page (data attributes) or the server's JSON,
    # both translated; Chinese in a script would bypass the catalog.
    for path in sorted((BASE / "static" / "js").glob("*.js")):
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        assert not re.search(r"[\u4e00-\u9fff]", code), path


# --- (c) the running application speaks Chinese -----------------------------------------

def test_member_model_names_are_chinese():
    with translation.override("zh-hans"):
        assert str(Member._meta.verbose_name) == "会员"
        assert str(Member._meta.verbose_name_plural) == "会员"
        assert str(Member._meta.get_field("joined_on").verbose_name) == "入会时间"


def test_generic_admin_words_keep_their_meaning():
    # Our catalog comes first (LOCALE_PATHS), so a msgid shared with Django's admin must
    # not be translated for one page only: "Yes" is every boolean filter, "Change" every
    # edit link.
    # (Looked up through a variable so that makemessages does not take them from here.)
    expected = {"Yes": "是", "Change": "修改", "Home": "首页"}
    with translation.override("zh-hans"):
        assert {word: translation.gettext(word) for word in expected} == expected


def test_bad_check_character_is_explained_in_chinese():
    first17 = "44170219900101123"
    wrong = next(c for c in "0123456789X" if c != check_character(first17))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        parse_resident_id(first17 + wrong)
    # A mistyped number, not a hint for the last character (issue 18).
    assert " ".join(caught.value.messages) == "号码校验不符，有一位输错了。请对照证件重新核对整个号码。"


def test_admin_index_names_the_member_model_in_chinese(client, people):
    client.force_login(people.superuser)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<a href="/admin/members/member/"[^>]*>会员</a>', html)
    assert "工会会员实名管理系统后台" in html  # the site header
    assert ">Members<" not in html


def test_login_page_is_chinese(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "<h1>登录</h1>" in html
    assert "Log in" not in html


def test_import_errors_name_row_and_column_in_chinese():
    from members.spreadsheets.importing import RowError

    with translation.override("zh-hans"):
        assert str(RowError(7, "证件号码", "校验位应为 X。")) == "第 7 行「证件号码」：校验位应为 X。"
        assert str(RowError(3, "", "文件是空的。")) == "第 3 行：文件是空的。"
