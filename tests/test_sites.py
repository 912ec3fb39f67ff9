"""三个一批 demonstration sites: enterprises and workers computed from the covered
employers, activities per site and year, the pages and who sees them, and the demo
generator's figures (6 sites, 476 enterprises, 2,952 m²)."""

import random
from datetime import date

import pytest
from django.urls import reverse

from members.demo.sites import seed_sites
from organizations.models import DemonstrationSite, Division, Employer, SiteActivity


@pytest.fixture
def sites(world):
    t = world.tree
    a = DemonstrationSite.objects.create(
        name="南恩街道示范点", level=DemonstrationSite.Level.PROVINCIAL, union=t.nanen,
        division=t.nanen.division, activity_space_m2=100, opened_on=date(2016, 9, 1),
        offers_hardship=True, offers_rights=True,
    )
    a.employers.set([world.e1, world.e2])  # 120 + 30
    b = DemonstrationSite.objects.create(
        name="春城街道示范点", level=DemonstrationSite.Level.CITY, union=t.chuncheng,
        division=t.chuncheng.division, activity_space_m2=50, opened_on=date(2017, 1, 1),
        offers_culture=True, has_workers_home=False,
    )
    b.employers.set([world.e2, world.e7])  # 30 + 60; E2 is served by both sites
    for site, day, service, people_count in [
        (a, date(2017, 3, 1), "hardship", 30), (a, date(2017, 8, 1), "rights", 20),
        (a, date(2018, 5, 1), "hardship", 15), (b, date(2018, 6, 1), "culture", 40),
    ]:
        SiteActivity.objects.create(site=site, date=day, service=service, title="活动",
                                    participants=people_count)
    return {"a": a, "b": b}


def test_coverage_is_computed_from_employers(sites):
    rows = {s.name: (s.enterprises, s.workers)
            for s in DemonstrationSite.objects.with_coverage()}
    assert rows == {"南恩街道示范点": (2, 150), "春城街道示范点": (2, 90)}
    totals = DemonstrationSite.objects.totals()
    # An employer served by two sites counts once: E1, E2, E7.
    assert totals == {"sites": 2, "open_sites": 2, "planned_sites": 0, "space_m2": 150,
                      "enterprises": 3, "workers": 210}
    # Headcounts follow the employers: no figure is typed twice.
    Employer.objects.filter(pk=sites["a"].employers.first().pk).update(employees=0)
    assert DemonstrationSite.objects.totals()["workers"] < 210


def test_activities_per_site_and_year(sites):
    rows = list(SiteActivity.objects.per_site_and_year())
    assert rows == [
        {"site": sites["a"].pk, "year": 2017, "activities": 2, "participants": 50},
        {"site": sites["a"].pk, "year": 2018, "activities": 1, "participants": 15},
        {"site": sites["b"].pk, "year": 2018, "activities": 1, "participants": 40},
    ]


def test_services_and_integration(sites):
    a, b = sites["a"], sites["b"]
    assert [s.value for s in a.services] == ["hardship", "rights"]
    assert a.integrates == ["会", "站", "家"]
    assert b.integrates == ["会", "站"]


def test_visible_to(people, sites):
    assert set(DemonstrationSite.objects.visible_to(people.city_admin)) == {sites["a"], sites["b"]}
    assert list(DemonstrationSite.objects.visible_to(people.jiangcheng_clerk)) == [sites["a"]]
    assert list(DemonstrationSite.objects.visible_to(people.base_clerk)) == []
    assert list(SiteActivity.objects.visible_to(people.yangchun_clerk).values_list(
        "participants", flat=True)) == [40]


def test_site_list_page(client, people, sites, django_assert_max_num_queries):
    client.force_login(people.city_admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("site_list"))
    assert response.status_code == 200
    assert response.context["totals"]["enterprises"] == 3
    assert [(r["year"], r["activities"], r["participants"]) for r in response.context["years"]] == [
        (2017, 2, 50), (2018, 2, 55),
    ]
    html = response.content.decode()
    assert "南恩街道示范点" in html and "春城街道示范点" in html
    client.force_login(people.jiangcheng_clerk)
    response = client.get(reverse("site_list"))
    assert [s.name for s in response.context["sites"]] == ["南恩街道示范点"]
    assert response.context["totals"]["workers"] == 150


def test_site_detail_page_and_scope(client, people, sites):
    a, b = sites["a"], sites["b"]
    client.force_login(people.jiangcheng_clerk)
    response = client.get(reverse("site_detail", args=[a.pk]))
    assert response.status_code == 200
    assert (response.context["site"].enterprises, response.context["site"].workers) == (2, 150)
    assert [row["year"] for row in response.context["per_year"]] == [2017, 2018]
    assert client.get(reverse("site_detail", args=[b.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("site_detail", args=[a.pk]))
    assert response.status_code == 302


def test_dashboard_shows_site_totals(client, people, sites):
    client.force_login(people.city_admin)
    response = client.get(reverse("dashboard"))
    totals = response.context["site_totals"]
    assert (totals["sites"], totals["enterprises"], totals["workers"], totals["space_m2"]) == (
        2, 3, 210, 150,
    )


def test_demo_sites_have_the_newspapers_shape(tree):
    rng = random.Random(7)
    towns = list(Division.objects.filter(level=Division.Level.TOWN))
    Employer.objects.bulk_create(
        Employer(name=f"企业{n}", division=rng.choice(towns), employees=rng.randint(5, 120))
        for n in range(1500)
    )
    sites = seed_sites(rng, tree.city, Employer.objects.all())
    assert len(sites) == 8
    provincial = DemonstrationSite.objects.filter(status=DemonstrationSite.Status.OPEN)
    totals = provincial.totals()
    assert (totals["sites"], totals["enterprises"], totals["space_m2"]) == (6, 476, 2952)
    assert abs(totals["workers"] - 26_453) < 30, totals["workers"]
    planned = DemonstrationSite.objects.filter(status=DemonstrationSite.Status.PLANNED)
    assert sorted(s.division.name for s in planned) == ["江城区", "阳东区"]
    years = {row["year"] for row in SiteActivity.objects.per_site_and_year()}
    assert years == {2017, 2018}
    # Sites are run by the unions of their places (the hand-built tree has 南恩街道总工会).
    assert DemonstrationSite.objects.get(name__startswith="江城区南恩街道").union == tree.nanen
