"""Importing rosters: real workbooks (openpyxl, LibreOffice), GB18030 CSV with title rows,
synonyms and messy values; refusals; all-or-nothing; scope; re-import changes nothing."""

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings

from members.models import Member, MembershipEvent
from members.spreadsheets.importing import run_import
from organizations.models import Employer, Organization



HEADER = ["姓名", "性别", "民族", "身份证号码", "手机号码", "户籍类型", "学历", "政治面貌",
          "工作单位", "所属工会", "入会日期", "会员证号", "人员类别", "状态"]


def resident_id(serial, born="19900101", county="441702"):
    """A valid 18-digit ID: ``serial`` 0–999 (odd men, even women)."""
    from members.identity import check_character

    first17 = f"{county}{born}{serial:03d}"
    return first17 + check_character(first17)


def member_row(serial, name=None, union="阳江市华力五金制品有限公司工会", **overrides):
    row = {
        "姓名": name or f"会员{serial}", "性别": "男" if serial % 2 else "女", "民族": "汉族",
        "身份证号码": resident_id(serial), "手机号码": f"138{serial:08d}", "户籍类型": "农业户口",
        "学历": "高中", "政治面貌": "群众", "工作单位": "", "所属工会": union,
        "入会日期": "2016-05-03", "会员证号": "", "人员类别": "农民工", "状态": "在册",
    }
    row.update(overrides)
    return [row.get(h, "") for h in HEADER]


def xlsx(rows, header=HEADER, title_rows=(), sheet_title="花名册"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for title in title_rows:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_openpyxl_roster_imports_and_reimport_changes_nothing(tree, people):
    data = xlsx([member_row(n) for n in range(1, 6)], title_rows=["华力五金工会会员花名册", ""])
    result = run_import("members", data, people.superuser)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.new, result.updated, result.unchanged) == (5, 0, 0)
    assert Member.objects.count() == 0  # dry run
    result = run_import("members", data, people.superuser, commit=True)
    assert result.committed
    assert Member.objects.count() == 5
    assert MembershipEvent.objects.filter(kind="join", valid_until=None).count() == 5
    member = Member.objects.get(id_number=resident_id(1))
    assert member.is_migrant_worker and member.gender == "男" and member.birth_date == date(1990, 1, 1)
    assert member.union == tree.factory and member.created_by == people.superuser
    again = run_import("members", data, people.superuser, commit=True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)


def gb18030_csv(lines):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode("gb18030")


@pytest.mark.django_db
def test_gb18030_csv_with_title_rows_synonyms_and_messy_values(tree, people):
    header = ["序号", "姓名", "公民身份号码", "出生日期（格式：yyyy/MM/dd）", "手机",
              "户口性质", "文化程度", "政治面貌", "所在工会", "入会时间", "人员类别", "备用列"]
    full_width_id = resident_id(3).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    fifteen = "441702900101123"  # an old 15-digit card: becomes 18 digits
    lines = [
        ["南恩街道联合工会会员花名册"],
        ["填报单位：南恩街道联合工会", "", "填报日期：2024年1月"],
        header,
        ["1", " 李 雷 ", resident_id(1), "1990/01/01", "138 0013 8000", "农业", "高中", "党员",
         "南恩街道联合工会", "2016/5/3", "农民工、快递员", "x"],
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        ["2", "韩梅梅", resident_id(2), "", "", "非农业户口", "本科", "群众",
         "4417020010002", "2016.05.03", "外卖配送员,网约车司机", ""],
        ["3", "王　五", full_width_id, "", "", "", "", "", "南恩街道联合工会", "2016年5月3日", "", ""],
        ["4", "赵六", fifteen, "", "", "", "", "", "南恩街道联合工会", "20160503", "", ""],
        ["5", "钱七", resident_id(5), "", "", "", "", "", "南恩街道联合工会", "42493", "", ""],
    ]
    data = gb18030_csv(lines)
    result = run_import("members", data, people.jiangcheng_clerk, commit=True)
    assert result.ok, [str(e) for e in result.errors]
    assert result.header_row == 3 and result.new == 5
    assert "序号" in result.ignored_headers and "备用列" in result.ignored_headers
    li = Member.objects.get(id_number=resident_id(1))
    assert li.name == "李 雷" and li.mobile == "13800138000" and li.household_type == "农业户口"
    assert li.political_status == "中共党员" and li.is_migrant_worker and li.is_courier
    assert li.joined_on == date(2016, 5, 3) and li.union == tree.nanen_joint
    han = Member.objects.get(id_number=resident_id(2))
    assert han.is_delivery_rider and han.is_ride_hailing_driver and not han.is_migrant_worker
    assert Member.objects.filter(id_number=resident_id(3)).exists()  # full-width digits
    zhao = Member.objects.get(name="赵六")
    assert len(zhao.id_number) == 18 and zhao.birth_date == date(1990, 1, 1)
    assert {m.joined_on for m in Member.objects.all()} == {date(2016, 5, 3)}  # serial 42493 too


def test_utf8_bom_csv_and_hinted_headers(tree, people):
    header = ["姓名", "证件号码\n(填写18位身份证)", "所属工会", "入会日期"]
    text = "\ufeff" + "\r\n".join(",".join(r) for r in [
        header[:1] + ['"证件号码\n(填写18位身份证)"'] + header[2:],
        ["张三", resident_id(7), "阳江市华力五金制品有限公司工会", "2016-05-03"],
    ])
    result = run_import("members", text.encode("utf-8"), people.superuser)
    assert result.ok and result.new == 1, [str(e) for e in result.errors]


@pytest.mark.django_db
@pytest.mark.parametrize("name, make, message", [
    ("pdf", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "不是电子表格"),
    ("png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "不是电子表格"),
    ("docx", lambda: _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}),
     "不是电子表格"),
    ("encrypted", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
     + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 20
     + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 500, "密码保护"),
    ("corrupt", lambda: xlsx([member_row(1)])[:1500], "已损坏"),
    ("corrupt-inside", lambda: _zip({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"?"}),
     "已损坏"),
    ("no-header", lambda: xlsx([["a", "b"], ["c", "d"]], header=["甲", "乙"]), "找不到表头行"),
    ("missing-required", lambda: xlsx([["张三", "男"]], header=["姓名", "性别", "民族"]),
     "缺少必填列：身份证号码、入会日期"),
    ("binary-text", lambda: b"\xff\xfe\xfd" * 100, "既不是 UTF-8 也不是 GB18030"),
])
def test_bad_files_are_refused_and_nothing_written(tree, people, name, make, message):
    result = run_import("members", make(), people.superuser, commit=True)
    assert message in result.file_error
    assert not result.committed and Member.objects.count() == 0


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.django_db
def test_limits_oversized_zip_bomb_and_too_many_rows(tree, people):
    data = xlsx([member_row(n) for n in range(1, 5)])
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=1024):
        assert "文件超过 1 KB" in run_import("members", data, people.superuser).file_error
    # A workbook whose parts inflate past the limit: refused from the zip directory,
    # before anything is decompressed.
    bomb = io.BytesIO(data)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))
    with override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1024 * 1024):
        assert "解压后超过 1 MB" in run_import(
            "members", bomb.getvalue(), people.superuser, commit=True).file_error
    with override_settings(IMPORT_MAX_ROWS=3):
        assert "表格超过 3 行" in run_import(
            "members", data, people.superuser, commit=True).file_error
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_id_numbers_mangled_by_excel_get_a_specific_message(tree, people):
    mangled = resident_id(9)[:15] + "000"
    rows = [member_row(1, 身份证号码=float(resident_id(1))), member_row(2, 身份证号码="4.41702E+17"),
            member_row(3, 身份证号码=mangled), member_row(4, 身份证号码="44170219900101")]
    result = run_import("members", xlsx(rows), people.superuser, commit=True)
    messages = {error.row: error.message for error in result.errors}
    for row in (2, 3, 4):
        assert "无法恢复" in messages[row] and "设置为文本格式" in messages[row]
    assert "无法恢复" not in messages[5] and "应为 18 位" in messages[5]
    assert str(result.errors[0]).startswith("第 2 行「身份证号码」：")
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_all_or_nothing_duplicates_and_coded_values(tree, people):
    rows = [member_row(1), member_row(2), member_row(1, name="重复"), member_row(4, 学历="幼儿园"),
            member_row(5, 入会日期="2016-13-45"), member_row(6, 性别="男")]
    result = run_import("members", xlsx(rows), people.superuser, commit=True)
    text = [str(e) for e in result.errors]
    assert "第 2 行「身份证号码」：此人在第 4 行也出现了。" in text
    assert "第 4 行「身份证号码」：此人在第 2 行也出现了。" in text
    assert any(t.startswith("第 5 行「学历」：") and "博士、硕士、本科" in t for t in text)
    assert any(t.startswith("第 6 行「入会日期」：") for t in text)
    assert any(t.startswith("第 7 行「性别」：") and "性别应为女" in t for t in text)
    assert len([t for t in text if t.startswith("第 6 行")]) == 1  # not repeated by the model
    assert result.new == 1 and not result.committed  # only row 3 is clean
    assert Member.objects.count() == 0 and MembershipEvent.objects.count() == 0


@pytest.mark.django_db
def test_scope_union_outside_refuses_the_whole_file(tree, people):
    rows = [member_row(1), member_row(2, union="春城街道联合工会"), member_row(3, union="不存在的工会")]
    result = run_import("members", xlsx(rows), people.jiangcheng_clerk, commit=True)
    assert result.scope_rows == [3]
    text = [str(e) for e in result.errors]
    assert any("第 3 行「所属工会」" in t and "不在您的管辖范围内" in t for t in text)
    assert any("第 4 行「所属工会」" in t and "系统中没有工会" in t for t in text)
    assert Member.objects.count() == 0
    # A person already registered outside the scope cannot be touched either.
    run_import("members", xlsx([member_row(8, union="春城街道联合工会")]), people.superuser, commit=True)
    result = run_import("members", xlsx([member_row(8, union="南恩街道联合工会")]),
                        people.jiangcheng_clerk, commit=True)
    assert result.scope_rows == [2] and "您辖区以外的工会" in result.errors[0].message
    assert Member.objects.get().union == tree.chuncheng_joint


@pytest.mark.django_db
def test_updates_statuses_and_state_columns(tree, people):
    rows = [member_row(1), member_row(2, 状态="退会"), member_row(3)]
    header = HEADER + ["离会日期"]
    rows[1].append("2020-01-31")
    assert run_import("members", xlsx(rows, header=header), people.superuser, commit=True).committed
    left = Member.objects.get(id_number=resident_id(2))
    assert left.status == "left" and left.left_on == date(2020, 1, 31)
    assert list(left.events.values_list("kind", "valid_until")) == [
        ("join", date(2020, 1, 31)), ("leave", None)]
    # Changed mobile → updated; a different union or status is refused with a pointer.
    rows = [member_row(1, 手机号码="13900000001"), member_row(3, union="南恩街道联合工会"),
            member_row(2, 状态="在册")]
    result = run_import("members", xlsx(rows), people.superuser, commit=True)
    text = [str(e) for e in result.errors]
    assert any("第 3 行「所属工会」" in t and "会员关系接转" in t for t in text)
    assert any("第 4 行「状态」" in t for t in text)
    result = run_import("members", xlsx(rows[:1]), people.superuser, commit=True)
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)
    assert Member.objects.get(id_number=resident_id(1)).mobile == "13900000001"
    no_date = run_import("members", xlsx([member_row(9, 状态="退会")]), people.superuser)
    assert "请填写会籍变化日期。" in no_date.errors[0].message


@pytest.mark.django_db
def test_unions_and_employers_import_with_parents_in_the_same_file(tree, people):
    unions = xlsx([
        ["4417020010009", "南恩街道示例行业工会联合会", "工会联合会", "南恩街道总工会", "南恩街道", "", "2020-01-01", "王主席", "0662-1", "否", ""],
        ["4417020010010", "示例制衣厂工会", "独立基层工会", "4417020010009", "441702001", "81441702MA4UQ0JX10", "2021-03-01", "", "", "是", "85"],
    ], header=["工会编码", "工会名称", "工会类型", "上级工会", "所在镇街", "统一社会信用代码",
               "成立日期", "工会主席", "联系电话", "是否非公企业", "上报会员数"])
    outside = run_import("unions", unions, people.yangchun_clerk, commit=True)
    # Row 2 names a parent and a town of 江城区, row 3 a town of 江城区.
    assert outside.scope_rows == [2, 3] and not outside.committed
    result = run_import("unions", unions, people.jiangcheng_clerk, commit=True)
    assert result.committed, [str(e) for e in result.errors]
    factory = Organization.objects.get(code="4417020010010")
    assert factory.parent.code == "4417020010009" and factory.path.startswith(tree.nanen.path)
    assert factory.reported_members == 85 and factory.is_non_public
    assert run_import("unions", unions, people.jiangcheng_clerk).unchanged == 2

    employers = xlsx([
        ["示例制衣有限公司", "91441702MA4UQ0JX1Y", "私营企业", "私营经济", "制造业", "南恩街道", 120, 60, 30, "示例制衣厂工会"],
        ["未建会的小厂", "", "", "", "", "南恩街道", 30, 10, 0, ""],
        ["坏数据", "", "", "", "", "南恩街道", 10, 20, 0, ""],
    ], header=["单位名称", "统一社会信用代码", "单位性质", "经济类型", "行业", "所在镇街", "职工人数",
               "女职工人数", "农民工人数", "所属工会"])
    result = run_import("employers", employers, people.jiangcheng_clerk, commit=True)
    assert [str(e) for e in result.errors] == [
        "第 4 行「女职工人数」：女职工人数不能多于职工人数。"]
    assert Employer.objects.count() == 0
    missing = xlsx([], header=["单位名称", "职工人数", "女职工人数"])
    assert "缺少必填列：所在镇街" in run_import(
        "employers", missing, people.jiangcheng_clerk).file_error
    workbook = openpyxl.load_workbook(io.BytesIO(employers))
    workbook.active["H4"] = 5
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import("employers", buffer.getvalue(), people.jiangcheng_clerk, commit=True)
    assert result.committed and result.new == 3
    covered = Employer.objects.get(credit_code="91441702MA4UQ0JX1Y")
    assert covered.union == factory and covered.industry == "制造业" and covered.employees == 120
    assert run_import("employers", buffer.getvalue(), people.jiangcheng_clerk).unchanged == 3
    # 阳春's clerk may not add an employer without a union in 江城区's area.
    other = run_import("employers", buffer.getvalue(), people.yangchun_clerk)
    assert other.scope_rows and not other.ok


@pytest.mark.django_db
def test_member_in_a_union_that_takes_no_members_names_row_and_column(tree, people):
    """A town union has no members of its own. The rule is Member.clean's (it reports
    it under the union field), and the import still names the row and the column."""
    data = xlsx([member_row(1), member_row(2, union="南恩街道总工会")])
    result = run_import("members", data, people.superuser, commit=True)
    assert not result.committed and Member.objects.count() == 0
    assert [str(error) for error in result.errors] == [
        "第 3 行「所属工会」：会员只能加入基层工会或行业工会联合会，不能加入南恩街道总工会。"]


@pytest.mark.django_db
def test_employer_without_a_union_only_where_the_user_would_see_it(tree, people):
    """An employer without a union counts under the federation of its area
    (``Employer.objects.visible_to``). A base union's clerk would not see one even in
    their own town, so may not import it; the county's clerk may, and then sees it."""
    data = xlsx([["未建会的小厂", "南恩街道", 30]], header=["单位名称", "所在镇街", "职工人数"])
    refused = run_import("employers", data, people.base_clerk, commit=True)
    assert [str(error) for error in refused.errors] == [
        "第 2 行「所在镇街」：未建会单位必须位于您的管辖范围内。"]
    assert refused.scope_rows == [2] and Employer.objects.count() == 0
    accepted = run_import("employers", data, people.jiangcheng_clerk, commit=True)
    assert accepted.committed, [str(error) for error in accepted.errors]
    assert [e.name for e in Employer.objects.visible_to(people.jiangcheng_clerk)] == ["未建会的小厂"]
    assert not Employer.objects.visible_to(people.base_clerk).exists()


@pytest.mark.django_db
def test_import_data_command(tree, people, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([member_row(1), member_row(2)]))
    call_command("import_data", "members", str(good))
    out = capsys.readouterr().out
    assert "新增 2 行" in out and "试运行：未写入任何数据" in out and Member.objects.count() == 0
    call_command("import_data", "members", str(good), "--commit")
    assert Member.objects.count() == 2 and Member.objects.first().created_by is None
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([member_row(3, union="春城街道联合工会")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_data", "members", str(bad), "--commit", "--as", "jiangcheng_clerk")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "不在您的管辖范围内" in out and "文件有错误，未写入任何数据" in out
    assert Member.objects.count() == 2


def _run_soffice(source, target_format, outdir):
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{outdir}/profile",
         "--convert-to", target_format, "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    return outdir / (source.stem + "." + target_format.split(":")[0])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.django_db
def test_workbooks_written_by_libreoffice_xls_and_xlsx(tree, people, tmp_path):
    """A real spreadsheet program's files: openpyxl writes, LibreOffice saves as .xls,
    then that .xls as .xlsx (two conversions, so kept to one test)."""
    source = tmp_path / "roster.xlsx"
    source.write_bytes(xlsx([member_row(n, 入会日期=date(2016, 5, n)) for n in range(1, 4)],
                            title_rows=["华力五金工会会员花名册"]))
    xls = _run_soffice(source, "xls", tmp_path / "xls")
    assert xls.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    again = _run_soffice(xls, "xlsx", tmp_path / "xlsx")
    for path in (xls, again):
        result = run_import("members", path.read_bytes(), people.superuser)
        assert result.ok and result.new == 3, [str(e) for e in result.errors]
    run_import("members", again.read_bytes(), people.superuser, commit=True)
    assert Member.objects.get(id_number=resident_id(2)).joined_on == date(2016, 5, 2)


@pytest.mark.django_db
def test_code_values_with_full_width_brackets_match(tree, people):
    """Cells are read half-width, the code lists keep their full-width brackets: an
    exported 职业资格四级（中级） or 待（下）岗 imports back as the register's value."""
    header = HEADER + ["技术等级", "就业状况"]
    rows = [member_row(1) + ["职业资格四级（中级）", "待（下）岗"],
            member_row(2) + ["职业资格五级(初级)", "待(下)岗"]]
    result = run_import("members", xlsx(rows, header=header), people.superuser, commit=True)
    assert result.committed, [str(e) for e in result.errors]
    assert set(Member.objects.values_list("skill_grade", "employment_status")) == {
        ("职业资格四级（中级）", "待（下）岗"), ("职业资格五级（初级）", "待（下）岗")}
