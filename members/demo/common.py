"""What the union tree and the members both draw on: the reference day and the
newspaper's headline figures, random days and Chinese names."""

from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate

# The newspaper's figures (2018-10) that the default size reproduces.
BASE_UNIONS = 5375
EMPLOYERS_COVERED = 7846
NEW_BASE_UNIONS = 490  # founded 2014-2018
NEW_NON_PUBLIC = 261
UNCOVERED_100 = 17  # employers with 100+ employees and no union
AS_OF = date(2018, 10, 31)
NEW_PERIOD_START = date(2014, 1, 1)
COUNTIES = [
    ("441702", "江城区"), ("441704", "阳东区"), ("441721", "阳西县"), ("441781", "阳春市"),
]

SURNAMES = (
    "陈 李 黄 林 梁 张 刘 吴 罗 谭 冯 许 关 何 杨 郑 王 蔡 叶 邓 钟 莫 周 曾 苏 欧 谢 卢 冼 敖 "
    "严 姚 麦 阮 司徒 邱 温 潘 余 朱"
).split()
SURNAME_WEIGHTS = [
    120, 80, 75, 70, 60, 55, 50, 45, 40, 35, 30, 28, 26, 25, 24, 22, 22, 20, 18, 18, 16, 15, 15,
    14, 12, 12, 12, 11, 10, 8, 8, 8, 8, 7, 4, 7, 7, 7, 6, 6,
]
SURNAME_CUM = list(accumulate(SURNAME_WEIGHTS))
GIVEN_MALE = "伟 强 军 勇 杰 涛 斌 华 明 辉 志 建 国 文 俊 锋 浩 宇 鹏 海 荣 超 坤 健 永 德 昌 耀 庆 森 泽 振 晓 伦".split()
GIVEN_FEMALE = "芳 敏 静 丽 燕 娟 霞 红 玲 婷 萍 洁 琳 慧 雪 梅 秀 英 莉 兰 凤 翠 嘉 欣 怡 颖 晓 雯 倩 佩 碧 桂 珍 妹".split()


def person_name(rng, gender):
    """A Chinese name: a surname weighted as in western Guangdong, one or two given
    characters. (Hot path of the member generator: plain random() calls.)"""
    random = rng.random
    surname = SURNAMES[bisect(SURNAME_CUM, random() * SURNAME_CUM[-1])]
    pool = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    size = len(pool)
    given = pool[int(random() * size)]
    if random() >= 0.25:
        given += pool[int(random() * size)]
    return surname + given


def random_date(rng, start, end):
    """A day in [start, end]."""
    return start + timedelta(days=int(rng.random() * ((end - start).days + 1)))
