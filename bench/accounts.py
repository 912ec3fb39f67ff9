"""The people of the load benchmark (``bench/load.py``) in the bench database: their
accounts and grants, a drive for each clerk, the ID numbers they enrol, and the cleanup
afterwards. Accounts and drives are named ``load_…`` / ``压测…`` and kept for the next
run; the people entered and imported are removed."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from bench import mix
from bench.operations import _delete_members
from members.models import EnrolmentDrive, ExportJob, ImportJob, Member
from organizations.models import Grant, Organization, Role

Kind = Organization.Kind
SEARCH_SAMPLE = 30
DRIVE_NAME = "压测入会活动"


def prepare(*, clerks, officials, numbers_start, numbers_per_clerk):
    """The plan locust reads: ``clerks`` and ``officials`` accounts with what they use,
    and the account that runs the export and the import."""
    plan = {"clerks": [], "officials": [], "numbers": []}
    for index, union in enumerate(_clerk_unions(clerks)):
        # Half of them administer their union, half are its clerks.
        role = Role.ADMIN if index % 2 else Role.CLERK
        user = account(f"load_clerk_{index:02d}", union, role)
        start = numbers_start + index * numbers_per_clerk
        numbers = new_numbers(mix.id_numbers(start, numbers_per_clerk))
        plan["numbers"] += numbers
        plan["clerks"].append({
            "username": user.username, "union": union.code, "drive": drive_of(union).pk,
            "search": search_sample(union), "numbers": numbers,
        })
    for index, union in enumerate(_official_unions(officials)):
        role = Role.ADMIN if index % 3 == 2 else Role.VIEWER
        user = account(f"load_official_{index:02d}", union, role)
        child = (Organization.objects.filter(parent=union).order_by("code")
                 .values_list("code", flat=True).first())
        plan["officials"].append({"username": user.username, "union": union.code,
                                  "child": child or union.code})
    county = Organization.objects.filter(kind=Kind.COUNTY).order_by("code").first()
    user = account("load_jobs", county, Role.ADMIN)
    plan["jobs"] = {"username": user.username, "union": county.code,
                    "import_union": _members_union(county).code}
    return plan


def _spread(queryset, count):
    """``count`` rows of ``queryset`` spread evenly over its order."""
    rows = list(queryset)
    step = max(1, len(rows) // max(1, count))
    return rows[::step][:count]


def _clerk_unions(count):
    """Town unions and base unions in turn, spread over the city."""
    towns = _spread(Organization.objects.filter(kind=Kind.TOWN).order_by("code"), count)
    bases = _spread(Organization.objects.filter(kind__in=Organization.BASE_KINDS)
                    .filter(pk__in=Member.objects.values("union").distinct()[:5000])
                    .order_by("code"), count)
    mixed = [union for pair in zip(towns, bases) for union in pair]
    return (mixed + towns + bases)[:count]


def _official_unions(count):
    """The city, each county and the towns in turn (the city, two counties, a town…)."""
    city = Organization.objects.filter(kind=Kind.CITY).order_by("code")[:1]
    counties = list(Organization.objects.filter(kind=Kind.COUNTY).order_by("code"))
    towns = _spread(Organization.objects.filter(kind=Kind.TOWN).order_by("code"), count)
    out = []
    for index in range(count):
        turn = index % 4
        if turn == 0:
            out.append(city[0])
        elif turn in (1, 2) and counties:
            out.append(counties[(index // 4 * 2 + turn - 1) % len(counties)])
        else:
            out.append(towns[index % len(towns)])
    return out


def account(username, union, role):
    """The user ``username`` with the bench password and one grant: ``role`` on ``union``."""
    from bench.load import PASSWORD

    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, password=PASSWORD)
    Grant.objects.update_or_create(user=user, defaults={"organization": union, "role": role})
    return user


def _members_union(union):
    """A union people join in ``union``'s subtree (``union`` itself if it takes them)."""
    if union.takes_members:
        return union
    return (Organization.objects.filter(path__startswith=union.path,
                                        kind__in=Organization.BASE_KINDS)
            .order_by("code").first())


def drive_of(union):
    """The open drive of ``union`` that the bench's clerk enters people at, made once."""
    drive = EnrolmentDrive.objects.filter(organizer=union, name=DRIVE_NAME).first()
    if drive is None:
        member_union = _members_union(union)
        drive = EnrolmentDrive.objects.create(
            name=DRIVE_NAME, organizer=union, kind=EnrolmentDrive.Kind.OTHER,
            default_union=None if member_union == union else member_union,
            starts_on=timezone.localdate() - timedelta(days=30), target_count=1000,
        )
    return drive


def search_sample(union):
    return list(Member.objects.filter(union__path__startswith=union.path)
                .values_list("id_number", flat=True)[:SEARCH_SAMPLE]) or ["441702199001011233"]


def new_numbers(numbers):
    taken = set(Member.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))
    return [number for number in numbers if number not in taken]


def write_roster(plan, start, rows):
    """The file the import uploads: ``rows`` new people of the jobs account's county."""
    numbers = new_numbers(mix.id_numbers(start, rows))
    plan["numbers"] += numbers
    with open(plan["import_file"], "wb") as handle:
        handle.write(mix.import_csv(numbers, plan["jobs"]["import_union"],
                                    timezone.localdate().isoformat()))


def wait_for_jobs(username, since, seconds):
    """Wait (up to ``seconds``) for the export and import jobs ``username`` started after
    ``since`` (a timestamp) to end; one line about each."""
    import time

    started_after = timezone.datetime.fromtimestamp(since, tz=timezone.get_current_timezone())
    jobs = []
    deadline = time.monotonic() + seconds
    while True:
        jobs = [*ExportJob.objects.filter(user__username=username, created_at__gte=started_after),
                *ImportJob.objects.filter(user__username=username, created_at__gte=started_after)]
        running = [job for job in jobs if job.state not in ("done", "failed")]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(2)
    lines = []
    for job in sorted(jobs, key=lambda job: job.created_at):
        took = (job.finished_at - job.created_at).total_seconds() if job.finished_at else None
        what = ("export" if isinstance(job, ExportJob)
                else "import (write)" if job.commit else "import (check)")
        counts = "" if isinstance(job, ExportJob) else ", ".join(
            f"{key} {job.result.get(key, 0)}" for key in ("new", "error_rows"))
        lines.append(f"{what}: {job.total_rows:,} rows, {job.state}"
                     + (f" in {took:.1f} s" if took is not None else " (still running)")
                     + (f" ({counts})" if counts else ""))
    return lines


def remove_people(plan):
    """Delete everyone the run entered or imported (their events and transfers too)."""
    _delete_members("id_number = ANY(%s)", [plan["numbers"]])


def forget_jobs(username):
    """Delete the jobs ``username`` ran, the export files and the uploaded rosters with
    them (an export of a county is tens of MB: runs would pile them up in MEDIA_ROOT)."""
    from members.spreadsheets import uploads
    from members.spreadsheets.tasks import export_folder

    for job in ExportJob.objects.filter(user__username=username):
        if job.file_name:
            (export_folder() / job.file_name).unlink(missing_ok=True)
        job.delete()
    for job in ImportJob.objects.filter(user__username=username):
        if job.token:
            uploads.discard(job.token)
        job.delete()
