"""The columns of the three rosters (members, employers, unions): the header the
template and the exports write, the synonyms real rosters use, the code list a column
takes, and an example value for the template.

Headers and code values are the register's own Chinese words — a file format shared
with the national real-name system and with the clerks' spreadsheets — so they are data
and are not passed through gettext (like the code lists in ``organizations.codes``).
The README's "Import template" section documents these columns.
"""

from dataclasses import dataclass, field

from members.identity import DocumentType
from members.models import Category
from organizations import codes
from organizations.models import Organization

MEMBERS = "members"
EMPLOYERS = "employers"
UNIONS = "unions"
KINDS = (MEMBERS, EMPLOYERS, UNIONS)

# Columns the import hands back in the error file; ignored when that file comes back.
RESULT_HEADER = "是否导入成功"
REASON_HEADER = "错误原因"


def W(*groups):
    """One key-word pattern: each argument a word or a tuple of alternatives."""
    return tuple((group,) if isinstance(group, str) else tuple(group) for group in groups)


# Key words shared by several columns.
DATE_WORDS = ("日期", "时间", "年月", "年月日", "日子", "年份")
NUMBER_WORDS = ("号码", "号", "编号", "编码")
JOIN_WORDS = ("入会", "加入工会", "参加工会", "加入本工会", "入工会", "加入会员", "成为会员")
CHANGE_WORDS = ("会籍变化", "会籍变动", "会籍变更", "会员变动", "会籍", "变动", "变化")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple = ()
    required: bool = False
    codes: tuple = ()  # allowed values: validated on import, drop-down list in the template
    example: object = ""
    text: bool = False  # the template formats the column as text ("@")
    note: str = ""  # shown in the README and as the template's cell comment
    list_hint: bool = field(default=False)  # codes are a hint (several allowed), not a list
    # Matching a header by meaning (``importing.headers``): patterns of groups of key
    # words (each group: one of its words in the header), and words that rule it out.
    words: tuple = ()
    avoid: tuple = ()

    @property
    def names(self):
        return (self.header, *self.synonyms)


# The register's names for the member categories (data values, not interface text).
CATEGORY_NAMES = {
    Category.MIGRANT_WORKER: "农民工",
    Category.TRUCK_DRIVER: "货车司机",
    Category.COURIER: "快递员",
    Category.DELIVERY_RIDER: "外卖配送员",
    Category.RIDE_HAILING_DRIVER: "网约车司机",
    Category.CONSTRUCTION_WORKER: "建筑工人",
}
CATEGORY_SYNONYMS = {
    "农民工会员": Category.MIGRANT_WORKER,
    "快递小哥": Category.COURIER,
    "快递": Category.COURIER,
    "外卖员": Category.DELIVERY_RIDER,
    "外卖骑手": Category.DELIVERY_RIDER,
    "骑手": Category.DELIVERY_RIDER,
    "网约车": Category.RIDE_HAILING_DRIVER,
    "建筑工": Category.CONSTRUCTION_WORKER,
    "卡车司机": Category.TRUCK_DRIVER,
}

# 状态: the register's words for a member's state, and ours.
ACTIVE_WORDS = ("在册", "正常", "在籍", "会员")
STATUS_WORDS = {
    "保留": "retain",
    "保留会籍": "retain",
    "转出": "transfer_out",
    "除名": "strike_off",
    "退会": "leave",
    "死亡": "death",
    "去世": "death",
}
STATUS_EXPORT = {  # Member.Status → the word exports write
    "active": "在册",
    "retained": "保留",
    "transferred_out": "转出",
    "struck_off": "除名",
    "left": "退会",
    "deceased": "死亡",
}
# 会籍变化 (the provincial member form): the register's types and reasons
# (``MembershipEvent.REGISTER_TYPE`` and ``REASONS`` say which kind each is).
CHANGE_TYPES = tuple(codes.values("会籍变化类型"))
CHANGE_REASONS = tuple(codes.values(codes.CHANGE_REASON))
MEMBER_TYPE_WORDS = {"正式会员": "ordinary", "普通会员": "ordinary", "预备会员": "probationary"}
MEMBER_TYPE_EXPORT = {"ordinary": "正式会员", "probationary": "预备会员"}

PERSON_AVOID = ("介绍人", "联系人", "负责人", "主席", "配偶", "父亲", "母亲", "紧急")
MEMBER_COLUMNS = (
    Column("name", "姓名", ("会员姓名", "职工姓名"), required=True, example="张三",
           words=(W("姓名"), W("名字")), avoid=PERSON_AVOID + ("曾用", "单位", "工会", "拼音")),
    Column("gender", "性别", codes=tuple(codes.values(codes.GENDER)), example="男",
           note="可留空：由身份证号码推出", words=(W("性别"),)),
    Column("ethnicity", "民族", codes=tuple(codes.values(codes.ETHNICITY)), example="汉族",
           words=(W("民族"),)),
    Column("id_type", "证件类型", ("有效证件类别", "证件类别", "证件种类"),
           codes=tuple(value for value, _label in DocumentType.CHOICES), example="居民身份证",
           note="留空即居民身份证", words=(W("证件", ("类型", "类别", "种类", "名称")),)),
    Column("id_number", "身份证号码",
           ("身份证号", "公民身份号码", "证件号码", "身份证", "证件号", "有效证件号码", "身份证件号码"),
           required=True, example="441702199001011233", text=True,
           note="必须设置为文本格式，否则 Excel 会把 18 位号码改成科学计数法",
           words=(W("身份证"), W(("证件", "公民身份"), NUMBER_WORDS)), avoid=PERSON_AVOID),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日"), example="1990-01-01",
           note="可留空：由身份证号码推出", words=(W(("出生", "生日")),), avoid=("地", "省")),
    Column("mobile", "手机号码", ("手机", "手机号", "联系电话", "联系方式", "电话", "移动电话"),
           example="13800138000", text=True,
           words=(W(("手机", "移动电话", "电话", "联系方式", "联系号码", "通讯")),),
           avoid=("单位", "工会", "办公", "紧急", "固定")),
    Column("household_type", "户籍类型", ("户口性质", "户籍性质", "户口类型"),
           codes=tuple(codes.values(codes.HOUSEHOLD_TYPE)), example="农业户口",
           words=(W(("户籍", "户口"), ("类型", "性质", "类别", "种类")),)),
    Column("education", "学历", ("文化程度", "最高学历"),
           codes=tuple(codes.values(codes.EDUCATION)), example="高中",
           words=(W(("学历", "文化程度", "教育程度")),), avoid=("学位",)),
    Column("political_status", "政治面貌", codes=tuple(codes.values(codes.POLITICAL_STATUS)),
           example="群众", words=(W(("政治面貌", "政治")),)),
    Column("employment_status", "就业状况", ("就业状态",),
           codes=tuple(codes.values(codes.EMPLOYMENT)), example="在岗",
           words=(W(("就业", "在岗"), ("状况", "状态", "情况")),)),
    Column("skill_grade", "技术等级", ("职业技能等级",),
           codes=tuple(codes.values(codes.SKILL_GRADE)), example="无",
           words=(W(("技术", "技能", "职业资格"), ("等级", "级别")),)),
    Column("native_place", "籍贯", example="广东阳江", words=(W("籍贯"),)),
    Column("household_place", "户籍所在地", ("户口所在地",), example="广东省阳江市江城区",
           words=(W(("户籍", "户口"), ("所在地", "地址", "住址", "地点", "地")),),
           avoid=("类型", "性质", "类别")),
    Column("employer", "工作单位", ("单位名称", "所在单位", "工作单位名称", "就业单位"),
           example="阳江市华力五金制品有限公司", note="单位须已在系统中登记",
           words=(W(("工作单位", "单位", "企业", "公司", "用人单位", "雇主")),),
           avoid=("代码", "信用", "编码", "性质", "地址", "电话", "类型", "类别", "行业", "工会",
                  "填表", "所在地")),
    Column("employer_code", "单位统一社会信用代码", ("单位信用代码", "工作单位统一社会信用代码"),
           text=True, note="填写时按代码匹配单位",
           words=(W(("单位", "企业", "公司"), ("信用代码", "代码", "编码")),), avoid=("工会",)),
    Column("union", "所属工会", ("所在工会", "基层工会", "所属基层工会", "工会名称"),
           example="阳江市华力五金制品有限公司工会", note="工会名称或编码",
           words=(W("工会"),), avoid=("编码", "代码", "编号", "主席", "会员证", "日期", "时间",
                                     "年月", "信用", "类型")),
    Column("union_code", "工会编码", ("所属工会编码", "工会代码"), text=True,
           note="填写时按编码匹配工会", words=(W("工会", ("编码", "代码", "编号")),),
           avoid=("信用",)),
    Column("joined_on", "入会日期", ("入会时间",), required=True, example="2016-05-03",
           note="会员信息采集表无此列时由会籍变化类型、日期推出",
           words=(W(JOIN_WORDS, DATE_WORDS),),
           avoid=("介绍人", "地点", "方式", "申请", "原因", "证号", "编号")),
    Column("card_number", "会员证号", ("会员证号码", "会员卡号", "会员证编号"), text=True,
           words=(W(("会员证", "会员卡", "会员编号", "会籍号")),)),
    Column("member_type", "会员类型", codes=tuple(MEMBER_TYPE_WORDS), example="正式会员",
           words=(W("会员", ("类型", "性质", "种类")),), avoid=("农民工",)),
    Column("categories", "人员类别", ("会员类别", "人员类型", "职工类别"),
           codes=tuple(CATEGORY_NAMES.values()), list_hint=True, example="农民工、货车司机",
           note="可填多个，用顿号或逗号分隔",
           words=(W(("人员", "职工", "从业"), ("类别", "类型", "身份")),), avoid=("证件",)),
    Column("is_migrant", "是否农民工会员", ("是否农民工",), codes=("是", "否"),
           words=(W("农民工"),), avoid=("人数",)),
    Column("status", "状态", ("会员状态", "会籍状态"),
           codes=("在册",) + tuple(dict.fromkeys(STATUS_EXPORT.values()))[1:], example="在册",
           note="留空即在册；其他状态须填状态变更日期",
           words=(W("状态"),), avoid=("就业", "婚姻", "健康", "日期", "时间")),
    Column("status_date", "状态变更日期", ("离会日期", "退会日期", "变更日期"),
           words=(W(("状态", "离会", "退会", "除名", "变更"), DATE_WORDS),), avoid=("会籍变",)),
    Column("change_type", "会籍变化类型", ("会籍变动类型", "会籍变化"), codes=CHANGE_TYPES,
           note="会员信息采集表：此人最近一次会籍变化",
           words=(W(CHANGE_WORDS, ("类型", "类别", "种类", "情况")),)),
    Column("change_date", "会籍变化日期", ("会籍变动日期", "会籍变化时间"),
           words=(W(CHANGE_WORDS, DATE_WORDS),)),
    Column("change_reason", "会籍变化原因", ("会籍变动原因",), codes=CHANGE_REASONS,
           words=(W(CHANGE_WORDS + ("退会", "离会", "转出", "转入"), ("原因", "理由")),)),
    Column("notes", "备注", words=(W(("备注", "说明", "附注")),)),
)

EMPLOYER_COLUMNS = (
    Column("name", "单位名称", ("工作单位", "企业名称", "用人单位"), required=True,
           example="阳江市示例制衣有限公司",
           words=(W(("单位", "企业", "公司")),), avoid=(
               "代码", "信用", "性质", "类型", "类别", "人数", "职工", "地址", "电话", "工会", "镇",
               "行业", "经济", "所在地", "填表", "日期")),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "单位统一社会信用代码"),
           text=True, example="91441702MA4UQ0JX1Y",
           words=(W(("信用代码", "社会信用", "机构代码")),), avoid=("工会",)),
    Column("nature", "单位性质", ("单位性质类别",),
           codes=tuple(codes.values(codes.EMPLOYER_NATURE)), example="私营企业",
           words=(W(("单位", "企业"), ("性质", "类别", "类型")),), avoid=("经济",)),
    Column("economic_type", "经济类型", codes=tuple(codes.values(codes.ECONOMIC_TYPE)),
           example="私营经济", words=(W("经济", ("类型", "成分", "性质", "类别")),)),
    Column("industry", "行业", ("所属行业", "单位所属行业", "行业类别"),
           codes=tuple(codes.values(codes.INDUSTRY)), example="制造业",
           words=(W("行业"),), avoid=("工会",)),
    Column("division", "所在镇街", ("镇街", "所在镇", "所在街道", "所属镇街", "行政区划"),
           required=True, example="南恩街道", note="镇(街道)名称或 9 位区划代码",
           words=(W(("镇", "街道", "区划", "乡")),), avoid=("工会",)),
    Column("employees", "职工人数", ("职工数", "职工总数"), example=120,
           words=(W(("职工", "员工", "从业人员", "用工"), ("人数", "数")),),
           avoid=("女", "农民工", "会员")),
    Column("women_employees", "女职工人数", ("女职工数",), example=60,
           words=(W(("女职工", "女员工", "女性"), ("人数", "数")), W(("女职工", "女员工"))),
           avoid=("会员",)),
    Column("migrant_employees", "农民工人数", ("农民工数",), example=30,
           words=(W("农民工", ("人数", "数")),), avoid=("会员",)),
    Column("union", "所属工会", ("覆盖工会", "基层工会", "所在工会", "工会名称"),
           example="南恩街道联合工会", note="未建会的单位留空",
           words=(W("工会"),), avoid=("编码", "代码", "编号", "日期", "时间", "主席", "类型",
                                     "信用")),
    Column("union_code", "工会编码", ("所属工会编码", "工会代码"), text=True,
           words=(W("工会", ("编码", "代码", "编号")),), avoid=("信用",)),
    Column("unionized_on", "建会日期", ("建会时间", "入会日期"),
           words=(W(("建会", "入会", "成立工会"), DATE_WORDS),)),
)

UNION_COLUMNS = (
    Column("code", "工会编码", ("工会代码", "编码"), required=True, text=True,
           example="4417020010009",
           words=(W("工会", ("编码", "代码", "编号")), W(("编码", "组织代码"))),
           avoid=("信用", "上级", "单位")),
    Column("name", "工会名称", ("基层工会名称",), required=True, example="阳江市示例制衣有限公司工会",
           words=(W("工会"),), avoid=(
               "编码", "代码", "编号", "类型", "类别", "上级", "隶属", "主席", "日期", "时间",
               "电话", "会员", "信用", "填表")),
    Column("kind", "工会类型", ("基层工会类型",), required=True,
           codes=tuple(codes.values(codes.BASE_UNION_TYPE)), example="独立基层工会",
           note="总工会按所在地区分为县(区)或镇(街道)总工会",
           words=(W("工会", ("类型", "类别", "性质", "形式")),), avoid=("上级",)),
    Column("parent", "上级工会", ("上级工会名称", "上级工会编码", "隶属工会"), required=True,
           example="南恩街道总工会", note="名称、编码或统一社会信用代码",
           words=(W(("上级", "隶属", "主管")),)),
    Column("division", "所在镇街", ("所在地区", "行政区划", "所在区县", "镇街"), required=True,
           example="南恩街道", note="区划名称或代码",
           words=(W(("镇", "街道", "区划", "地区", "区县", "所在地")),)),
    Column("credit_code", "统一社会信用代码", ("工会统一社会信用代码", "信用代码"), text=True,
           words=(W(("信用代码", "社会信用", "法人代码")),), avoid=("单位", "企业")),
    Column("founded_on", "成立日期", ("建会日期", "成立时间"), example="2016-05-03",
           words=(W(("成立", "建会", "组建"), DATE_WORDS),)),
    Column("chair", "工会主席", ("主席",), example="李四",
           words=(W("主席"),), avoid=("电话", "副", "手机")),
    Column("phone", "联系电话", ("电话", "联系方式"), text=True, example="0662-3333333",
           words=(W(("电话", "联系方式", "手机")),)),
    Column("is_non_public", "是否非公企业", ("非公企业",), codes=("是", "否"), example="是",
           words=(W("非公"),)),
    Column("reported_members", "上报会员数", ("上报数", "上报会员人数"), example=85,
           words=(W("上报"), W("会员", ("人数", "数", "总数"))), avoid=("女", "农民工")),
)

COLUMNS = {MEMBERS: MEMBER_COLUMNS, EMPLOYERS: EMPLOYER_COLUMNS, UNIONS: UNION_COLUMNS}

# 工会类型 of the register → our kinds; 总工会 depends on the division's level.
UNION_KIND_WORDS = {
    "独立基层工会": Organization.Kind.BASE_SINGLE,
    "联合基层工会": Organization.Kind.BASE_JOINT,
    "工会联合会": Organization.Kind.INDUSTRY,
    "行业工会联合会": Organization.Kind.INDUSTRY,
    "产业(系统)工会": Organization.Kind.SECTOR,
    "产业工会": Organization.Kind.SECTOR,
    "系统工会": Organization.Kind.SECTOR,
}
FEDERATION_WORD = "总工会"


# A required field that other columns may stand in for: the member form (会员信息采集表)
# has no join-date column; its 会籍变化类型 and 日期 say when each joined.
# The union organisation form (工会组织信息采集表) names unions by credit code and name
# only: it may change registered unions, not add them (``importing.unions``).
STANDS_IN_FOR = {
    (MEMBERS, "joined_on"): ("change_type",),
    (UNIONS, "code"): ("credit_code",),
    (UNIONS, "parent"): ("credit_code",),
    (UNIONS, "division"): ("credit_code",),
}


def missing_required(kind, keys):
    """The headers of ``kind``'s required columns that ``keys`` (the file's) lack."""
    return [
        column.header for column in COLUMNS[kind]
        if column.required and column.key not in keys
        and not set(STANDS_IN_FOR.get((kind, column.key), ())) & set(keys)
    ]


def column(kind, key):
    for candidate in COLUMNS[kind]:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


TEMPLATE_SHEET_NAMES = {MEMBERS: "会员花名册", EMPLOYERS: "单位", UNIONS: "工会组织"}
TEMPLATE_TITLES = {
    MEMBERS: "工会会员花名册（带 * 的列必填；身份证号码列为文本格式）",
    EMPLOYERS: "单位信息采集表（带 * 的列必填）",
    UNIONS: "工会组织信息采集表（带 * 的列必填）",
}
