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
MEMBER_TYPE_WORDS = {"正式会员": "ordinary", "普通会员": "ordinary", "预备会员": "probationary"}
MEMBER_TYPE_EXPORT = {"ordinary": "正式会员", "probationary": "预备会员"}

MEMBER_COLUMNS = (
    Column("name", "姓名", ("会员姓名", "职工姓名"), required=True, example="张三"),
    Column("gender", "性别", codes=tuple(codes.values(codes.GENDER)), example="男",
           note="可留空：由身份证号码推出"),
    Column("ethnicity", "民族", codes=tuple(codes.values(codes.ETHNICITY)), example="汉族"),
    Column("id_type", "证件类型", ("有效证件类别", "证件类别", "证件种类"),
           codes=tuple(value for value, _label in DocumentType.CHOICES), example="居民身份证",
           note="留空即居民身份证"),
    Column("id_number", "身份证号码",
           ("身份证号", "公民身份号码", "证件号码", "身份证", "证件号", "有效证件号码", "身份证件号码"),
           required=True, example="441702199001011233", text=True,
           note="必须设置为文本格式，否则 Excel 会把 18 位号码改成科学计数法"),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日"), example="1990-01-01",
           note="可留空：由身份证号码推出"),
    Column("mobile", "手机号码", ("手机", "手机号", "联系电话", "联系方式", "电话"),
           example="13800138000", text=True),
    Column("household_type", "户籍类型", ("户口性质", "户籍性质", "户口类型"),
           codes=tuple(codes.values(codes.HOUSEHOLD_TYPE)), example="农业户口"),
    Column("education", "学历", ("文化程度", "最高学历"),
           codes=tuple(codes.values(codes.EDUCATION)), example="高中"),
    Column("political_status", "政治面貌", codes=tuple(codes.values(codes.POLITICAL_STATUS)),
           example="群众"),
    Column("employment_status", "就业状况", ("就业状态",),
           codes=tuple(codes.values(codes.EMPLOYMENT)), example="在岗"),
    Column("skill_grade", "技术等级", ("职业技能等级",),
           codes=tuple(codes.values(codes.SKILL_GRADE)), example="无"),
    Column("native_place", "籍贯", example="广东阳江"),
    Column("household_place", "户籍所在地", ("户口所在地",), example="广东省阳江市江城区"),
    Column("employer", "工作单位", ("单位名称", "所在单位", "工作单位名称", "就业单位"),
           example="阳江市华力五金制品有限公司", note="单位须已在系统中登记"),
    Column("employer_code", "单位统一社会信用代码", ("单位信用代码", "工作单位统一社会信用代码"),
           text=True, note="填写时按代码匹配单位"),
    Column("union", "所属工会", ("所在工会", "基层工会", "所属基层工会", "工会名称"),
           example="阳江市华力五金制品有限公司工会", note="工会名称或编码"),
    Column("union_code", "工会编码", ("所属工会编码", "工会代码"), text=True,
           note="填写时按编码匹配工会"),
    Column("joined_on", "入会日期", ("入会时间",), required=True, example="2016-05-03"),
    Column("card_number", "会员证号", ("会员证号码", "会员卡号", "会员证编号"), text=True),
    Column("member_type", "会员类型", codes=tuple(MEMBER_TYPE_WORDS), example="正式会员"),
    Column("categories", "人员类别", ("会员类别", "人员类型", "职工类别"),
           codes=tuple(CATEGORY_NAMES.values()), list_hint=True, example="农民工、货车司机",
           note="可填多个，用顿号或逗号分隔"),
    Column("is_migrant", "是否农民工会员", ("是否农民工",), codes=("是", "否")),
    Column("status", "状态", ("会员状态", "会籍状态"),
           codes=("在册",) + tuple(dict.fromkeys(STATUS_EXPORT.values()))[1:], example="在册",
           note="留空即在册；其他状态须填状态变更日期"),
    Column("status_date", "状态变更日期", ("离会日期", "退会日期", "变更日期", "会籍变化日期")),
    Column("notes", "备注"),
)

EMPLOYER_COLUMNS = (
    Column("name", "单位名称", ("工作单位", "企业名称", "用人单位"), required=True,
           example="阳江市示例制衣有限公司"),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "单位统一社会信用代码"),
           text=True, example="91441702MA4UQ0JX1Y"),
    Column("nature", "单位性质", ("单位性质类别",),
           codes=tuple(codes.values(codes.EMPLOYER_NATURE)), example="私营企业"),
    Column("economic_type", "经济类型", codes=tuple(codes.values(codes.ECONOMIC_TYPE)),
           example="私营经济"),
    Column("industry", "行业", ("所属行业", "单位所属行业", "行业类别"),
           codes=tuple(codes.values(codes.INDUSTRY)), example="制造业"),
    Column("division", "所在镇街", ("镇街", "所在镇", "所在街道", "所属镇街", "行政区划"),
           required=True, example="南恩街道", note="镇(街道)名称或 9 位区划代码"),
    Column("employees", "职工人数", ("职工数", "职工总数"), example=120),
    Column("women_employees", "女职工人数", ("女职工数",), example=60),
    Column("migrant_employees", "农民工人数", ("农民工数",), example=30),
    Column("union", "所属工会", ("覆盖工会", "基层工会", "所在工会"),
           example="南恩街道联合工会", note="未建会的单位留空"),
    Column("union_code", "工会编码", ("所属工会编码", "工会代码"), text=True),
    Column("unionized_on", "建会日期", ("建会时间", "入会日期")),
)

UNION_COLUMNS = (
    Column("code", "工会编码", ("工会代码", "编码"), required=True, text=True,
           example="4417020010009"),
    Column("name", "工会名称", ("基层工会名称",), required=True, example="阳江市示例制衣有限公司工会"),
    Column("kind", "工会类型", ("基层工会类型",), required=True,
           codes=tuple(codes.values(codes.BASE_UNION_TYPE)), example="独立基层工会",
           note="总工会按所在地区分为县(区)或镇(街道)总工会"),
    Column("parent", "上级工会", ("上级工会名称", "上级工会编码", "隶属工会"), required=True,
           example="南恩街道总工会", note="名称、编码或统一社会信用代码"),
    Column("division", "所在镇街", ("所在地区", "行政区划", "所在区县", "镇街"), required=True,
           example="南恩街道", note="区划名称或代码"),
    Column("credit_code", "统一社会信用代码", ("工会统一社会信用代码", "信用代码"), text=True),
    Column("founded_on", "成立日期", ("建会日期", "成立时间"), example="2016-05-03"),
    Column("chair", "工会主席", ("主席",), example="李四"),
    Column("phone", "联系电话", ("电话", "联系方式"), text=True, example="0662-3333333"),
    Column("is_non_public", "是否非公企业", ("非公企业",), codes=("是", "否"), example="是"),
    Column("reported_members", "上报会员数", ("上报数", "上报会员人数"), example=85),
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
