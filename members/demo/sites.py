"""The demo city's 三个一批 demonstration sites and the city's unionisation targets.

DOMAIN.md: six provincial-level sites covering 476 enterprises and 26,453 workers with
2,952 m² of activity space, serving through hardship assistance, rights protection,
worker education and culture and sport; two more planned (江城区, 阳东区). The sites,
their space and the number of enterprises each covers are fixed below; which employers
they cover is drawn from ``rng`` among the employers near each site, choosing sizes so
that the workers add up close to the newspaper's 26,453. Activities are logged over
2017–2018.
"""

from datetime import date, timedelta

from organizations.models import (
    CampaignTarget,
    DemonstrationSite,
    Division,
    Organization,
    SiteActivity,
    SiteService,
)

WORKERS = 26_453  # what the covered employers' headcounts should add up to

S = SiteService
# (name, division code, enterprises, m², opened on, services)
SITES = [
    ("阳江高新区“三个一批”示范点", "441702103", 120, 680, date(2016, 9, 28),
     (S.HARDSHIP, S.RIGHTS, S.EDUCATION, S.CULTURE, S.EMPLOYMENT)),
    ("阳东区东城镇五金刀剪产业“三个一批”示范点", "441704100", 96, 560, date(2016, 11, 15),
     (S.HARDSHIP, S.RIGHTS, S.EDUCATION, S.CULTURE)),
    ("江城区南恩街道“三个一批”示范点", "441702001", 85, 520, date(2017, 3, 20),
     (S.HARDSHIP, S.RIGHTS, S.CULTURE, S.WELLBEING)),
    ("阳春市春城街道“三个一批”示范点", "441781001", 70, 450, date(2017, 5, 1),
     (S.HARDSHIP, S.RIGHTS, S.EDUCATION, S.CULTURE)),
    ("海陵岛试验区闸坡镇“三个一批”示范点", "441702105", 60, 402, date(2017, 6, 18),
     (S.HARDSHIP, S.RIGHTS, S.CULTURE)),
    ("阳西县织篢镇“三个一批”示范点", "441721100", 45, 340, date(2017, 9, 9),
     (S.HARDSHIP, S.RIGHTS, S.EDUCATION, S.CULTURE)),
]
PLANNED = [
    ("江城区“三个一批”示范点（筹建）", "441702"),
    ("阳东区“三个一批”示范点（筹建）", "441704"),
]

ACTIVITY_TITLES = {
    S.HARDSHIP: ["困难职工走访慰问", "金秋助学金发放", "送温暖慰问困难职工", "大病救助申请受理"],
    S.RIGHTS: ["劳动法律咨询日", "劳动争议调解", "工会法律服务律师坐班", "集体协商指导"],
    S.EDUCATION: ["职工技能培训班", "安全生产知识讲座", "职工学历提升报名", "职工书屋读书会"],
    S.CULTURE: ["职工篮球赛", "职工文艺汇演", "职工羽毛球赛", "三八节女职工活动"],
    S.EMPLOYMENT: ["春风行动招聘会", "农民工就业服务", "创业就业政策宣讲"],
    S.WELLBEING: ["职工心理健康讲座", "职工免费体检", "女职工健康讲座"],
}
STAFF = "专职工作人员{staff}名，志愿者{volunteers}名"
FUNDING = "市总工会专项经费{city}万元，所在地工会配套{local}万元"


def seed_sites(rng, city, employers):
    """Create the six provincial sites and the two planned ones under ``city`` (the city
    federation), covering employers drawn from ``employers`` (an iterable of saved
    ``Employer`` rows, or a queryset). Returns the created sites."""
    pool = [
        (employer.pk, employer.division_id, employer.employees)
        for employer in (
            employers.only("pk", "division_id", "employees")
            if hasattr(employers, "only") else employers
        )
    ]
    divisions = {d.code: d for d in Division.objects.all()}
    code_of = {d.pk: d.code for d in divisions.values()}
    unions = {
        (org.kind, org.division_id): org
        for org in Organization.objects.in_subtree(city).filter(
            kind__in=(Organization.Kind.COUNTY, Organization.Kind.TOWN)
        )
    }
    wanted = sum(site[2] for site in SITES)
    mean = WORKERS / wanted
    taken = set()
    workers_left, enterprises_left = WORKERS, wanted

    sites, links, activities = [], [], []
    for name, division_code, enterprises, space, opened_on, services in SITES:
        county = division_code[:6]
        near = [row for row in pool if row[0] not in taken
                and code_of.get(row[1], "").startswith(county)]
        if len(near) < enterprises:  # a small demo: take from the whole city
            near = [row for row in pool if row[0] not in taken]
        share = round(workers_left * enterprises / enterprises_left) if enterprises_left else 0
        chosen = _choose(rng, near, enterprises, share or round(mean * enterprises))
        taken.update(pk for pk, _division, _employees in chosen)
        workers_left -= sum(employees for _pk, _division, employees in chosen)
        enterprises_left -= enterprises
        division = divisions[division_code]
        union = (
            unions.get((Organization.Kind.TOWN, division.pk))
            or unions.get((Organization.Kind.COUNTY, divisions[county].pk))
            or city
        )
        site = _open_site(rng, name, union, division, space, opened_on, services)
        sites.append(site)
        links.extend(
            DemonstrationSite.employers.through(demonstrationsite_id=site.pk, employer_id=pk)
            for pk, _division, _employees in chosen
        )
        activities.extend(_activities(rng, site, services, len(chosen)))
    sites.extend(_planned_sites(city, unions, divisions))
    DemonstrationSite.employers.through.objects.bulk_create(links, batch_size=1000)
    SiteActivity.objects.bulk_create(activities, batch_size=1000)
    return sites


def _open_site(rng, name, union, division, space, opened_on, services):
    return DemonstrationSite.objects.create(
        name=name, level=DemonstrationSite.Level.PROVINCIAL, union=union,
        division=division, activity_space_m2=space, opened_on=opened_on,
        status=DemonstrationSite.Status.OPEN,
        staff_notes=STAFF.format(staff=rng.randint(2, 5), volunteers=rng.randint(8, 30)),
        funding_notes=FUNDING.format(city=rng.choice([10, 15, 20, 30]),
                                     local=rng.choice([5, 8, 10, 15])),
        **{service.field: True for service in services},
    )


def _planned_sites(city, unions, divisions):
    return [
        DemonstrationSite.objects.create(
            name=name, level=DemonstrationSite.Level.PROVINCIAL,
            union=unions.get((Organization.Kind.COUNTY, divisions[county].pk)) or city,
            division=divisions[county], status=DemonstrationSite.Status.PLANNED,
            has_workers_home=False,
            notes="计划建设，选址中",
        )
        for name, county in PLANNED
    ]


def _choose(rng, rows, count, workers):
    """``count`` rows whose headcounts add up close to ``workers``: each pick takes,
    from a random handful, the one nearest the average the remaining picks need."""
    rows = list(rows)
    rng.shuffle(rows)
    chosen, total = [], 0
    for left in range(count, 0, -1):
        if not rows:
            break
        need = (workers - total) / left
        # The last few picks look at every row, so the sum lands on the target.
        sample = rows if left <= 3 else rows[:16]
        best = min(sample, key=lambda row: abs(row[2] - need))
        rows.remove(best)
        chosen.append(best)
        total += best[2]
    return chosen


def _activities(rng, site, services, enterprises):
    """A log over 2017–2018 (from the opening date), busier at bigger sites."""
    start = max(site.opened_on, date(2017, 1, 1))
    end = date(2018, 10, 31)
    days = (end - start).days
    count = max(12, enterprises // 2) * days // 365
    entries = []
    for _ in range(count):
        service = rng.choice(services)
        entries.append(SiteActivity(
            site=site, date=start + timedelta(days=rng.randrange(days + 1)), service=service,
            title=rng.choice(ACTIVITY_TITLES[service]), participants=rng.randint(12, 220),
        ))
    return entries


def seed_targets(city):
    """The city's two unionisation targets from DOMAIN.md, set at the start of 2018:
    every enterprise with 100+ employees this year, every one with 25+ within three."""
    return [
        CampaignTarget.objects.create(
            organization=city, description="100人以上未建会企业年内全部建会",
            min_employees=100, set_on=date(2018, 1, 1), due_on=date(2018, 12, 31),
        ),
        CampaignTarget.objects.create(
            organization=city, description="25人以上企业三年内全部建会",
            min_employees=25, set_on=date(2018, 1, 1), due_on=date(2020, 12, 31),
        ),
    ]
