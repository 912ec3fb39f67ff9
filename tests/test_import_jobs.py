"""Issue 19, item 6: imports over IMPORT_INLINE_MAX_BYTES run as background jobs with
progress like exports; the preview (counts, errors, the error workbook) and the
confirmation stay, and the result is shown on the job page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import ImportJob, Member
from tests.people import PASSWORD
from tests.test_import import member_row, xlsx

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def background(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = str(tmp_path)
    settings.IMPORT_INLINE_MAX_BYTES = 1000  # every roster here is bigger


def _upload(client, data):
    return client.post(reverse("spreadsheets:import_members"),
                       {"file": SimpleUploadedFile("roster.xlsx", data)})


@pytest.mark.django_db
def test_finding6_a_big_import_is_checked_then_written_in_the_background(
        client, background, tree, people):
    client.force_login(people.base_clerk)
    response = _upload(client, xlsx([member_row(n) for n in range(1, 6)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "spreadsheets:import_job", kwargs={"pk": job.pk})
    assert not Member.objects.exists()  # the preview wrote nothing
    assert (job.state, job.commit, job.done_rows, job.total_rows) == ("done", False, 5, 5)
    assert job.result["new"] == 5
    status = client.get(reverse("spreadsheets:import_job_status", kwargs={"pk": job.pk})).json()
    assert status["finished"] and status["done"] == 5
    page = client.get(response["Location"]).content.decode()
    assert 'id="confirm-import"' in page
    confirmed = client.post(reverse("spreadsheets:import_confirm_members"), {"token": job.token})
    write = ImportJob.objects.get(commit=True)
    assert confirmed["Location"] == reverse("spreadsheets:import_job", kwargs={"pk": write.pk})
    assert write.result["committed"] and Member.objects.count() == 5
    assert 'id="import-committed"' in client.get(confirmed["Location"]).content.decode()
    # Another clerk cannot see the job.
    client.force_login(people.yangchun_clerk)
    assert client.get(confirmed["Location"]).status_code == 404


@pytest.mark.django_db
def test_finding6_errors_and_the_error_workbook_on_the_job_page(client, background, tree, people):
    client.force_login(people.base_clerk)
    _upload(client, xlsx([member_row(1), member_row(2, 学历="幼儿园")]))
    job = ImportJob.objects.get()
    page = client.get(reverse("spreadsheets:import_job", kwargs={"pk": job.pk})).content.decode()
    assert "幼儿园" in page and 'id="confirm-import"' not in page
    errors = client.get(reverse("spreadsheets:import_errors_members"), {"token": job.token})
    assert errors.status_code == 200 and errors.content[:2] == b"PK"


def test_finding6_background_import_in_the_browser(page, live_server, background, tree, people,
                                                   tmp_path):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "base_clerk")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.goto(live_server.url + reverse("spreadsheets:import_members"))
    roster = tmp_path / "big.xlsx"
    roster.write_bytes(xlsx([member_row(n) for n in range(1, 4)]))
    page.set_input_files("input[type=file]", str(roster))
    page.click("#upload-button")
    page.wait_for_selector("#import-job")
    assert page.inner_text("#count-new") == "3"
    page.click("#confirm-import")
    page.wait_for_selector("#import-committed")
    assert Member.objects.count() == 3
