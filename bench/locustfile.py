"""The users of the load benchmark (``python -m bench --load``; ``bench/load.py`` runs
locust with this file). The mix and its rules are in ``bench/mix.py``.

Each simulated person logs in through the login page with an account of their own
(``LOAD_PLAN``: accounts, their drives, ID numbers to search and to enrol, written by
``bench/load.py``), then works through their tasks with 1–3 s to think between pages,
or none with ``LOAD_THINK=0`` (the saturation variant). One more user (``Jobs``) starts
a background export and a background import through their pages, as an official and a
clerk would, and follows both to the end.

Set by bench/load.py: ``LOAD_USERS`` (all users, the job runner included: the clock
starts when that many have logged in), ``LOAD_DURATION`` (seconds counted),
``LOAD_MARK`` (a file made when counting starts), ``LOAD_MIX=clerks`` (no officials).

The server runs with DEBUG off, so its cookies are marked Secure; over the benchmark's
plain HTTP the cookie jar is told to send them anyway.
"""

import itertools
import json
import os
import random
from datetime import date
from http.cookiejar import DefaultCookiePolicy

import gevent
import gevent.event
from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser

from bench import mix

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
THINK = os.environ.get("LOAD_THINK", "1") == "1"
USERS = int(os.environ.get("LOAD_USERS", "1"))  # the job runner included
DURATION = int(os.environ.get("LOAD_DURATION", "60"))
MARK = os.environ.get("LOAD_MARK", "")
TODAY = date.today()
_next = {"clerk": itertools.count(), "official": itertools.count()}
_logged_in = itertools.count(1)
_measuring = gevent.event.Event()


def _start_measuring(environment):
    """Once everyone has logged in (a login hashes the password: 31 at once take the
    server many seconds, which a working day never sees), count from zero for DURATION
    seconds, then stop; ``LOAD_MARK`` tells bench/load.py when the window opened."""
    environment.runner.stats.reset_all()
    if MARK:
        open(MARK, "w").close()
    gevent.spawn_later(DURATION, environment.runner.quit)
    _measuring.set()


def _wait():
    return between(*mix.THINK_SECONDS) if THINK else constant(0)


class Person(FastHttpUser):
    abstract = True
    wait_time = _wait()
    role = ""
    network_timeout = connection_timeout = 180.0  # logins queue behind each other at the start

    def on_start(self):
        accounts = PLAN[self.role + "s"]
        self.account = accounts[next(_next[self.role]) % len(accounts)]
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.log_in()

    def log_in(self):
        with self.client.get("/accounts/login/", name="login page", catch_response=True) as page:
            csrf = mix.hidden_value(page.text or "", "csrfmiddlewaretoken")
        with self.client.post("/accounts/login/", name="login", catch_response=True,
                              allow_redirects=False, data={
                                  "csrfmiddlewaretoken": csrf,
                                  "username": self.account["username"],
                                  "password": PLAN["password"],
                              }) as response:
            logged_in = response.status_code == 302
            if not logged_in:
                response.failure(f"login of {self.account['username']}: {response.status_code}")
        if next(_logged_in) == USERS:
            _start_measuring(self.environment)
        if not logged_in:
            raise StopUser()
        _measuring.wait()

    def csrf(self):
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {url}")


class Clerk(Person):
    """A town or base-union clerk at a drive's entry page."""

    weight = mix.CLERK_SHARE
    role = "clerk"

    def on_start(self):
        super().on_start()
        self.numbers = iter(self.account["numbers"])
        self.saved = 0

    @task(mix.CLERK_TASKS["entry save"])
    def entry_save(self):
        number = next(self.numbers, None)
        if number is None:
            return  # this clerk's numbers are spent: the run is longer than planned
        self.saved += 1
        data = mix.entry_form(number, self.saved, TODAY, self.csrf())
        with self.client.post(f"/drives/{self.account['drive']}/entry/", data=data,
                              name="entry save", headers={"Accept": "application/json"},
                              catch_response=True) as response:
            if response.status_code != 200 or not (response.json() or {}).get("ok"):
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")

    @task(mix.CLERK_TASKS["ID search"])
    def id_search(self):
        self.page(f"/members/?q={random.choice(self.account['search'])}", "ID search")

    @task(mix.CLERK_TASKS["member list"])
    def member_list(self):
        self.page("/members/", "member list")


class Official(Person):
    """A city, county or town official reading figures and lists."""

    weight = 1
    role = "official"

    def on_start(self):
        super().on_start()
        self.lists = 0

    @task(mix.OFFICIAL_TASKS["dashboard"])
    def dashboard(self):
        self.page("/", "dashboard")

    @task(mix.OFFICIAL_TASKS["lists"])
    def a_list(self):
        self.lists += 1
        name = mix.official_list(self.lists)
        url = {"member list": "/members/",
               "member list, filter union": f"/members/?union={self.account['child']}",
               "drive list": "/drives/"}[name]
        self.page(url, name)

    @task(mix.OFFICIAL_TASKS["campaign"])
    def campaign(self):
        self.page("/campaign/", "campaign")

    @task(mix.OFFICIAL_TASKS["statistics workbook"])
    def statistics_workbook(self):
        self.page(f"/sheets/stats/?org={self.account['union']}&as_of={mix.STATS_AS_OF}"
                  f"&since={mix.STATS_SINCE}", "statistics workbook")


if os.environ.get("LOAD_MIX") == "clerks":
    # --clerks-only: the server's ceiling without the officials' heavy pages.
    del Official


class Jobs(Person):
    """One export and one import in the background, started on their pages: a county
    official exports the county's members (.xlsx), a clerk uploads a roster big enough
    to be checked by the worker, confirms it once checked, and both are followed on
    their job pages (every 2 s, as the pages' scripts poll) until done."""

    fixed_count = 1
    role = "job"
    wait_time = constant(2)

    def on_start(self):
        self.account = PLAN["jobs"]
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.log_in()
        self.export = self.start_export()
        self.import_job = self.upload()
        self.confirmed = False

    def start_export(self):
        with self.client.get("/sheets/export/members/?format=xlsx", name="export: start",
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code == 200:
                return None  # a small database: the county is sent at once, no job
            if response.status_code != 302:
                response.failure(f"export did not start a job: {response.status_code}")
                return None
            return response.headers["Location"]

    def upload(self):
        with open(PLAN["import_file"], "rb") as handle:
            data = handle.read()
        with self.client.post("/sheets/import/members/", name="import: upload",
                              data={"csrfmiddlewaretoken": self.csrf(), "union": ""},
                              files={"file": ("roster.csv", data, "text/csv")},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"import did not start a job: {response.status_code}")
                return None
            return response.headers["Location"]

    @task
    def follow(self):
        if self.export:
            self.export = self.poll(self.export, "export")
        if self.import_job:
            page = self.import_job
            self.import_job = self.poll(page, "import")
            if self.import_job is None and not self.confirmed:
                self.import_job = self.confirm(page)

    def poll(self, job_url, kind):
        """Ask the job's status; the job's URL while it runs, None once it has ended."""
        with self.client.get(f"{job_url}status/", name=f"{kind}: status",
                             catch_response=True) as response:
            state = (response.json() or {}).get("state") if response.status_code == 200 else None
            if state is None:
                response.failure(f"{response.status_code}")
                return None
            if state == "failed":
                response.failure(f"{kind} job failed")
            return None if state in ("done", "failed") else job_url

    def confirm(self, job_page):
        """Once the upload is checked: confirm it (the write runs as a second job)."""
        self.confirmed = True
        html = self.client.get(job_page, name="import: job page").text or ""
        token = mix.hidden_value(html, "token")
        if not token:
            return None
        with self.client.post("/sheets/import/members/confirm/", name="import: confirm",
                              data={"csrfmiddlewaretoken": self.csrf(), "token": token},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"confirm: {response.status_code}")
                return None
            return response.headers["Location"]
