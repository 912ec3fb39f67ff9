"""The dashboard: figures on the hand-built world (tests/dashboard_data.py) computed by
hand, equal to the statistics workbook's (both from ``breakdown``), scoped to the user,
within a bounded number of queries, and drawn as SVG in a real browser."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import statistics
from organizations import charts
from organizations.charts import Bar
from organizations.models import Division, Organization
from tests.dashboard_data import AS_OF
from tests.people import PASSWORD

URL = reverse("dashboard")


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


# --- Figures -------------------------------------------------------------------------------


def test_city_figures_on_the_as_of_day(client, people, world):
    response = get(client, people.city_admin, as_of=AS_OF.isoformat())
    assert response.status_code == 200
    total = response.context["total"]
    # m1 m2 m5 m6 m7 m8 m9 m10; m3 left in September, m4 joined in November.
    assert total.members == 8
    # Today m4 is a member too.
    assert response.context["members_today"] == 9
    # Joins from 1 January to 31 October: m2 (1 Jan), m3, m6, m9, m8.
    assert total.new_members == 5
    months = {bar.label: bar.value for bar in _bars(response, "month_chart")}
    assert len(months) == 10  # January to October
    assert [bar_value for bar_value in months.values()] == [1, 0, 2, 0, 0, 1, 0, 0, 0, 1]
    assert response.context["new_members_total"] == total.new_members
    assert total.retained_members == 1
    assert total.truck_driver_members == 2
    assert total.migrant_members == 2
    assert total.courier_members == 1
    assert total.base_unions == 3
    # E1 E2 E3 E7 covered on the day, of 7; 25+: 3 of 5; 100+: 1 of 2.
    coverage = response.context["coverage_rows"]
    assert [(row["covered"], row["total"]) for row in coverage] == [(4, 7), (3, 5), (1, 2)]
    assert total.employees == 120 + 30 + 10 + 60
    assert total.membership_rate == pytest.approx(8 / 220)
    html = response.content.decode()
    assert "57.1%" in html  # 建会率 4/7
    assert "3.6%" in html  # 入会率 8/220


def test_figures_equal_the_statistics_workbook(client, people, world):
    response = get(client, people.city_admin, as_of=AS_OF.isoformat())
    report = statistics.breakdown(world.tree.city, AS_OF)
    assert response.context["total"].figures == report.total.figures
    by_child = {bar.label: bar.value for bar in _bars(response, "group_chart")}
    assert by_child == {row.label: row.members for row in report.rows}
    assert by_child["江城区总工会"] == 4
    assert by_child["阳春市总工会"] == 2
    assert by_child["阳江市货车司机工会联合会"] == 2


def test_new_members_on_1_january_count_as_new(world):
    """The statistics once opened the year on 1 January exclusive and lost that day's joins."""
    report = statistics.breakdown(world.tree.factory, date(2018, 1, 1))
    assert report.total.new_members == 1


def test_by_county(client, people, world):
    response = get(client, people.city_admin, as_of=AS_OF.isoformat(), by="county")
    by_county = {bar.label: bar.value for bar in _bars(response, "group_chart")}
    # The truck drivers' federation sits in the city's own division: its members are a
    # row of their own, labelled as city-level unions (issue 19), not as the whole city.
    assert by_county == {"江城区": 4, "阳春市": 2, "阳江市市直属工会（不属县区）": 2}


def test_county_clerk_sees_their_county(client, people, world):
    response = get(client, people.jiangcheng_clerk, as_of=AS_OF.isoformat())
    assert response.context["organization"] == world.tree.jiangcheng
    total = response.context["total"]
    assert total.members == 4  # m1 m2 m5 m6
    assert total.new_members == 3  # m2 m3 m6
    assert [(row["covered"], row["total"]) for row in response.context["coverage_rows"]] == [
        (3, 4), (2, 3), (1, 2),
    ]
    # Drilling down into their own town works; another county is not there.
    assert get(client, people.jiangcheng_clerk, org="441702001").status_code == 200
    assert get(client, people.jiangcheng_clerk, org="441781").status_code == 404
    assert get(client, people.jiangcheng_clerk, org="no-such-code").status_code == 404


def test_malformed_parameters_are_a_bad_request_naming_them(client, people, world):
    # A malformed date or grouping answers 400 with the parameter named (declared
    # parameters, issue 14), rather than quietly showing figures for another day.
    for params, name in (({"as_of": "2018-13-45"}, "as_of"), ({"by": "nonsense"}, "by")):
        response = get(client, people.city_admin, org="441702", **params)
        assert response.status_code == 400
        assert name in response.content.decode() and "参数" in response.content.decode()


def test_base_union_clerk_sees_their_union(client, people, world):
    response = get(client, people.base_clerk, as_of=AS_OF.isoformat())
    assert response.context["organization"] == world.tree.factory
    assert response.context["total"].members == 2  # m1 m2
    assert get(client, people.base_clerk, org="441700").status_code == 404


def test_superuser_lands_on_the_city(client, people, world):
    response = get(client, people.superuser)
    assert response.context["organization"] == world.tree.city


def test_anonymous_goes_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_login_lands_on_the_dashboard(client, people):
    response = client.post(
        reverse("login"), {"username": "city_admin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == URL


def test_figures_link_to_the_lists_behind_them(client, people, world):
    response = get(client, people.city_admin, as_of=AS_OF.isoformat())
    html = response.content.decode()
    links = response.context["links"]
    assert links["members"] == "/members/?union=441700&status=current"
    assert 'href="/members/?union=441700&amp;status=current&amp;category=truck_driver"' in html
    assert links["uncovered"] == "/campaign/?org=441700"
    assert links["sites"] == "/sites/?org=441700"
    # The children in the chart lead to their own dashboards, on the same day.
    assert 'href="/?org=441702&amp;as_of=2018-10-31"' in html
    assert "/members/?drive=%d" % world.drive.pk in html
    # The base-union figure leads to the admin's list of exactly those unions (through
    # its declared filters: a free ?path__startswith= would be refused).
    listed = client.get(links["base_unions"])
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == response.context["total"].base_unions


def test_open_drives_with_progress(client, people, world):
    response = get(client, people.city_admin)
    drives = response.context["drives"]
    assert [(drive.name, drive.enrolled) for drive in drives] == [("货车司机入会行动", 1)]
    assert "1 / 9,000" in str(drives[0].chart)


@pytest.mark.parametrize("username, org", [
    ("city_admin", None), ("jiangcheng_clerk", None), ("city_admin", "441702001"),
    ("base_clerk", None), ("jiangcheng_viewer", "4417020010002"), ("superuser", None),
])
def test_bounded_queries_for_any_organisation(
    client, people, world, django_assert_max_num_queries, username, org
):
    client.force_login(getattr(people, username))
    params = {"org": org} if org else {}
    params["as_of"] = AS_OF.isoformat()
    # The first view also stores the tallies it reads (in their own transaction on the
    # primary: its savepoint, the lock, one statement per month end, and the statistics
    # read again), whatever the number of unions.
    with django_assert_max_num_queries(30):
        response = client.get(URL, params)
    assert response.status_code == 200


def test_queries_do_not_grow_with_the_tree(client, people, world, django_assert_num_queries):
    """More child unions do not add queries: the statistics once read each county or
    town child's division one query at a time."""
    client.force_login(people.jiangcheng_clerk)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    K = Organization.Kind
    for number, code in enumerate(["441702002", "441702003", "441702004"]):
        town = Organization.objects.create(
            code=code, name=f"街道{number}", kind=K.TOWN, parent=world.tree.jiangcheng,
            division=Division.objects.get(code=code),
        )
        Organization.objects.create(
            code=f"{code}0001", name=f"新工会{number}", kind=K.BASE_SINGLE, parent=town,
            division=town.division,
        )
    # The first view after them counts and stores the new unions' tallies (the lock,
    # one statement per month end carried forward or counted, the statistics read again,
    # and the savepoint of the tallies' own transaction, however many unions are new);
    # then it is as before.
    with CaptureQueriesContext(connection) as storing:
        client.get(URL)
    assert len(storing) <= len(before) + 8
    with django_assert_num_queries(len(before)):
        response = client.get(URL)
    assert response.context["group_table"].count("<tr>") == 4 + 2  # and head and foot


# --- Charts --------------------------------------------------------------------------------


def test_charts_escape_labels_and_print_numbers():
    svg = str(charts.bar_chart([Bar("<b>工会</b>", 1234, "/x?a=1&b=2"), Bar("乙", 0)]))
    assert "<b>" not in svg
    assert "&lt;b&gt;工会&lt;/b&gt;" in svg
    assert 'href="/x?a=1&amp;b=2"' in svg
    assert "1,234" in svg
    widths = [float(w) for w in re.findall(r'class="chart-bar" [^>]*width="([\d.]+)"', svg)]
    assert widths[0] > 0 and widths[1] == 0
    column = str(charts.column_chart([Bar("1", 3), Bar("2", 6)]))
    heights = [float(h) for h in re.findall(r'class="chart-bar" [^>]*height="([\d.]+)"', column)]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert "–" in str(charts.bar_chart([]))


def test_progress_bar_caps_at_full():
    svg = str(charts.progress_bar(12, 10, title="x"))
    assert "12 / 10" in svg and "120.0%" in svg
    full, filled = re.findall(r'width="([\d.]+)" height', svg)[:2]
    assert float(full) == float(filled)


def _bars(response, name):
    """Recover the bars from a rendered chart: (label from the tooltip, value)."""
    svg = str(response.context[name])
    found = re.findall(r"<title>(.*?): ([\d,–]+)</title>", svg)
    return [Bar(label, int(value.replace(",", ""))) for label, value in found]


# --- Browser -------------------------------------------------------------------------------


def test_dashboard_draws_its_charts(page, people, world, screenshot, console_errors):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "city_admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/?as_of={AS_OF.isoformat()}")
    assert page.locator("#fig-members .figure-value").inner_text() == "8"
    charts_drawn = page.locator("svg.chart-bar, svg.chart-column")
    assert charts_drawn.count() >= 3
    # Bars really drew: each chart has at least one bar with a non-zero rendered size.
    for index in range(charts_drawn.count()):
        sizes = charts_drawn.nth(index).locator("rect.chart-bar").evaluate_all(
            "bars => bars.map(b => { const r = b.getBoundingClientRect();"
            " return Math.max(r.width, 0) * Math.max(r.height, 0); })"
        )
        assert max(sizes) > 0
    path = screenshot(page, "dashboard")
    assert path.stat().st_size > 10_000
    assert console_errors == []
