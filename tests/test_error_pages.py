"""Finding 5 of issue 15: error pages and the admin speak Chinese.

The error pages (400, 403, CSRF failure, 404, 429 login lockout, 500) use the site's
layout (templates/base.html through templates/errors/page.html); the 500 page renders
even when the database is down. The tests run with DEBUG off, as production does."""

import re

from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path, reverse

from members.models import Member
from tests.people import PASSWORD
from tests.scoped_data import build
from unionreg.urls import urlpatterns as site_urlpatterns

LAYOUT = '<a class="brand" href="/">工会会员实名管理系统</a>'


def assert_chinese_page(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status, html[:300]
    assert f"<title>{heading} · 工会会员实名管理系统</title>" in html
    assert f"<h1>{heading}</h1>" in html
    assert LAYOUT in html and "css/app." in html  # the site's header and style sheet
    return html


# --- A URLconf with views that fail, for the 500 page ----------------------------------


def broken_view(request):
    raise RuntimeError("a bug")


def database_view(request):
    return Member.objects.count()  # the database is down in the test that calls this


urlpatterns = [
    path("broken/", broken_view),
    path("needs-the-database/", database_view),
    *site_urlpatterns,
]


def test_finding5_404_is_chinese_with_navigation(client, people):
    assert_chinese_page(client.get("/no-such-page/"), 404, "页面不存在")
    client.force_login(people.jiangcheng_clerk)
    html = assert_chinese_page(client.get("/no-such-page/"), 404, "页面不存在")
    assert 'class="mainnav"' in html  # a logged-in clerk can go on from here


def test_finding5_403_is_chinese(client, people):
    client.force_login(people.jiangcheng_viewer)
    response = client.get(reverse("admin:members_member_add"))
    assert "您的角色无权进行此操作" in assert_chinese_page(response, 403, "无权操作")


def test_finding5_400_is_chinese(client, db):
    response = client.get("/", HTTP_HOST="not-an-allowed-host.example")
    assert_chinese_page(response, 400, "请求有误")


def test_finding5_csrf_failure_is_chinese(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert "内容没有保存" in assert_chinese_page(response, 403, "表单已失效")


def test_finding5_login_lockout_is_chinese_429(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "jiangcheng_clerk", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "jiangcheng_clerk",
                                               "password": PASSWORD})
    html = assert_chinese_page(response, 429, "登录已锁定")
    assert "请 15 分钟后再试" in html


def test_finding5_500_is_chinese(settings, people):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(people.jiangcheng_clerk)
    html = assert_chinese_page(client.get("/broken/"), 500, "服务器出错")
    assert "a bug" not in html


def test_finding5_500_page_renders_while_the_database_is_down(settings, db):
    settings.ROOT_URLCONF = __name__
    queries = []

    def database_down(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("could not connect to server")

    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(database_down):
        response = client.get("/needs-the-database/")
    assert_chinese_page(response, 500, "服务器出错")
    assert len(queries) == 1  # the view's own query; the error page asked for nothing


# --- The admin as union staff see it ----------------------------------------------------

# English that Django's and django-simple-history's zh_Hans catalogs leave untranslated,
# or that they build from English parts.
ENGLISH = [
    "After you’ve created a user", "After you've created a user",
    "First, enter a username and password", "edit more user options",
    ">Model name<", ">Add link<", ">Change or view list link<",
    ">Changes<", "Changed by", "Date/time", "Historical ", "historical ",
    ">Members</a>", ">Organizations</a>", "Can add ", "Can change ", "Can view ",
]


def admin_pages_for(data, people):
    member, grant_user = data.jc_member, people.jiangcheng_viewer
    version = member.history.first().history_id
    return [
        reverse("admin:index"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[grant_user.pk]),
        reverse("admin:auth_user_history", args=[grant_user.pk]),
        reverse("admin:members_member_history", args=[member.pk]),
        reverse("admin:members_member_simple_history", args=[member.pk, version]),
        reverse("admin:organizations_organization_history", args=[data.tree.factory.pk]),
    ]


def test_finding5_admin_shows_no_english_to_an_administrator(client, tree, people):
    data = build(tree, people)
    client.force_login(people.city_admin)
    found = []
    for url in admin_pages_for(data, people):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        found += [f"{url}: {phrase!r}" for phrase in ENGLISH if phrase in html]
        if "/history/" in url and url.endswith("/history/"):
            # An empty change reason is left empty, not printed as Python's None.
            assert not re.search(r"<td>\s*None\s*</td>", html), url
    assert not found, "\n".join(found)
    html = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "创建用户后，才能编辑用户的更多信息。" in html
