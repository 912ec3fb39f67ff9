"""The unionisation campaign page on the hand-built world (tests/dashboard_data.py):
employers without a union by size and area, progress against targets, unionisations per
year, and the truck-driver drive against its target."""

from datetime import date

import pytest
from django.urls import reverse

from organizations.models import CampaignTarget

URL = reverse("campaign")


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


@pytest.fixture
def targets(world):
    t = world.tree
    return {
        "city_100": CampaignTarget.objects.create(
            organization=t.city, description="百人以上企业今年全部建会", min_employees=100,
            set_on=date(2018, 1, 1), due_on=date(2018, 12, 31),
        ),
        "city_25": CampaignTarget.objects.create(
            organization=t.city, description="25人以上企业三年内全部建会", min_employees=25,
            set_on=date(2016, 1, 1), due_on=date(2018, 12, 31),
        ),
        "jiangcheng_25": CampaignTarget.objects.create(
            organization=t.jiangcheng, description="江城区25人以上", min_employees=25,
            set_on=date(2016, 1, 1), due_on=date(2019, 12, 31),
        ),
    }


def test_city_sees_every_employer_without_a_union(client, people, world):
    response = get(client, people.city_admin)
    assert response.status_code == 200
    bands = response.context["bands"]
    # E4 (150), E5 (40), E6 (8).
    assert bands["total"] == 3
    assert (bands["band_100"], bands["band_25"], bands["band_small"]) == (1, 1, 1)
    assert (bands["band_100_employees"], bands["band_25_employees"]) == (150, 40)
    areas = {row["name"]: (row["band_100"], row["band_25"], row["band_small"])
             for row in response.context["area_rows"]}
    assert areas == {"江城区": (1, 0, 0), "阳春市": (0, 1, 1)}
    assert [e.name for e in response.context["biggest"]] == ["城南大厂", "河西中厂", "春城小店"]


def test_lists_filter_by_band_and_area(client, people, world):
    response = get(client, people.city_admin, band="25plus")
    assert [e.name for e in response.context["biggest"]] == ["城南大厂", "河西中厂"]
    response = get(client, people.city_admin, band="small", division="441781")
    assert [e.name for e in response.context["biggest"]] == ["春城小店"]
    assert response.context["listed_division"] == "阳春市"
    # An unknown band is a bad request that names the parameter, not a silent default.
    response = get(client, people.city_admin, band="x")
    assert response.status_code == 400 and "band" in response.content.decode()


def test_county_by_town(client, people, world):
    response = get(client, people.jiangcheng_clerk)
    assert response.context["bands"]["total"] == 1
    assert [row["name"] for row in response.context["area_rows"]] == ["城南街道"]
    assert [e.name for e in response.context["biggest"]] == ["城南大厂"]


def test_base_union_has_no_area(client, people, world):
    response = get(client, people.base_clerk)
    assert response.status_code == 200
    assert response.context["bands"]["total"] == 0
    assert response.context["is_area"] is False


def test_other_subtrees_are_404(client, people, world):
    assert get(client, people.yangchun_clerk, org="441702").status_code == 404
    assert get(client, people.base_clerk, org="441700").status_code == 404


def test_progress_against_targets(client, people, world, targets):
    response = get(client, people.city_admin)
    progress = {t.description: (t.done, t.left, t.already) for t in response.context["targets"]}
    assert progress == {
        # 100+: E1 had a union before 2018, E4 still has none.
        "百人以上企业今年全部建会": (0, 1, 1),
        # 25+ since 2016: E2 unionised 2016-06; E4 and E5 still without; E1, E7 before.
        "25人以上企业三年内全部建会": (1, 2, 2),
        # The same in 江城区: E2 done, E4 left, E1 before.
        "江城区25人以上": (1, 1, 1),
    }
    html = response.content.decode()
    assert "1 / 3" in html  # city 25+: one of the three without a union in 2016


def test_county_sees_only_its_targets(client, people, world, targets):
    response = get(client, people.jiangcheng_clerk)
    assert [t.description for t in response.context["targets"]] == ["江城区25人以上"]


def test_unionised_per_year(client, people, world):
    response = get(client, people.city_admin)
    by_year = [(row["year"], row["count"]) for row in response.context["by_year"]]
    assert by_year == [(2012, 1), (2015, 1), (2016, 1), (2018, 1)]
    assert [row["covered_band_100"] for row in response.context["by_year"]] == [1, 0, 0, 0]


def test_category_drive_progress(client, people, world):
    response = get(client, people.city_admin)
    [drive] = response.context["drives"]
    assert (drive.enrolled, drive.target_count, drive.group_members) == (1, 9000, 2)
    assert "1 / 9,000" in str(drive.chart)
    assert "/members/?union=441700&amp;status=current&amp;category=truck_driver" in response.content.decode()
    # The 阳春 clerk does not see the city's truck-driver federation's drive.
    assert get(client, people.yangchun_clerk).context["drives"] == []


@pytest.mark.parametrize("username", ["city_admin", "jiangcheng_clerk", "base_clerk"])
def test_bounded_queries(client, people, world, targets, django_assert_max_num_queries, username):
    client.force_login(getattr(people, username))
    # The category drives read today's statistics (issue 20: a fixed number of queries,
    # from the tallies, rather than a count of the subtree's members; the first view
    # stores the tallies in their own transaction on the primary, with PostgreSQL's
    # planner settings around), and the figure cache reads its version.
    with django_assert_max_num_queries(30):
        assert client.get(URL).status_code == 200
