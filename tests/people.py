"""A small hand-built union tree and the named people every view test checks.

Tree (codes in brackets):
    阳江市总工会 [441700] (city)
    ├── 江城区总工会 [441702] (county)
    │   └── 南恩街道总工会 [441702001] (town)
    │       ├── 阳江市华力五金制品有限公司工会 [4417020010001] (single-employer base union)
    │       └── 南恩街道联合工会 [4417020010002] (joint base union)
    ├── 阳春市总工会 [441781] (county)
    │   └── 春城街道总工会 [441781001] (town)
    │       └── 春城街道联合工会 [4417810010001] (joint base union)
    └── 阳江市货车司机工会联合会 [441700H01] (industry federation)

People: ``superuser`` (the city's system administrator), ``city_admin`` (administrator
of the city federation), ``jiangcheng_clerk``, ``yangchun_clerk``, ``base_clerk`` (clerk
of the hardware factory's union), ``jiangcheng_viewer`` and ``anonymous``.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser, User

from organizations.models import Division, Grant, Organization, Role

PASSWORD = "correct-horse-battery-staple"


class Tree:
    """Attribute access to the hand-built unions."""


def _org(code, name, kind, parent, division_code, **extra):
    return Organization.objects.create(
        code=code, name=name, kind=kind, parent=parent,
        division=Division.objects.get(code=division_code), **extra,
    )


@pytest.fixture
def tree(db):
    K = Organization.Kind
    t = Tree()
    t.city = _org("441700", "阳江市总工会", K.CITY, None, "441700")
    t.jiangcheng = _org("441702", "江城区总工会", K.COUNTY, t.city, "441702")
    t.nanen = _org("441702001", "南恩街道总工会", K.TOWN, t.jiangcheng, "441702001")
    t.factory = _org(
        "4417020010001", "阳江市华力五金制品有限公司工会", K.BASE_SINGLE, t.nanen, "441702001",
        founded_on=date(2012, 3, 1), is_non_public=True,
    )
    t.nanen_joint = _org(
        "4417020010002", "南恩街道联合工会", K.BASE_JOINT, t.nanen, "441702001",
        founded_on=date(2016, 6, 1), is_non_public=True,
    )
    t.yangchun = _org("441781", "阳春市总工会", K.COUNTY, t.city, "441781")
    t.chuncheng = _org("441781001", "春城街道总工会", K.TOWN, t.yangchun, "441781001")
    t.chuncheng_joint = _org(
        "4417810010001", "春城街道联合工会", K.BASE_JOINT, t.chuncheng, "441781001",
        founded_on=date(2015, 1, 10), is_non_public=True,
    )
    t.trucks = _org("441700H01", "阳江市货车司机工会联合会", K.INDUSTRY, t.city, "441700",
                    founded_on=date(2018, 5, 1))
    return t


class People:
    """Attribute access to the named users."""


def _user(username, organization=None, role=None, **flags):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, **flags)
    if organization is not None:
        Grant.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def people(tree):
    p = People()
    p.superuser = _user("superuser", is_superuser=True)
    p.city_admin = _user("city_admin", tree.city, Role.ADMIN)
    p.jiangcheng_clerk = _user("jiangcheng_clerk", tree.jiangcheng, Role.CLERK)
    p.yangchun_clerk = _user("yangchun_clerk", tree.yangchun, Role.CLERK)
    p.base_clerk = _user("base_clerk", tree.factory, Role.CLERK)
    p.jiangcheng_viewer = _user("jiangcheng_viewer", tree.jiangcheng, Role.VIEWER)
    p.anonymous = AnonymousUser()
    return p
