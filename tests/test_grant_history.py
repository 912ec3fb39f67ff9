"""Finding 4 of issue 15: who gave whom access, and who changed a site's activity log,
is kept with author and time (django-simple-history), like members, unions, employers
and drives. Administrators see a user's grant history on the user's admin page."""

from datetime import date

from django.contrib.auth.models import User
from django.urls import reverse

from organizations.models import Grant, Role, SiteActivity
from tests.scoped_data import build


def grant_change_post(user, organization, role):
    """The user change form as an administrator submits it (the GrantInline included)."""
    return {
        "username": user.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on",
        "grant-TOTAL_FORMS": "1", "grant-INITIAL_FORMS": "1",
        "grant-MIN_NUM_FORMS": "1", "grant-MAX_NUM_FORMS": "1",
        "grant-0-id": user.grant.pk, "grant-0-user": user.pk,
        "grant-0-organization": organization.pk, "grant-0-role": role,
    }


def test_finding4_grants_made_in_the_user_admin_record_who_and_when(client, tree, people):
    client.force_login(people.city_admin)
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "nanen_clerk", "usable_password": "true",
        "password1": "Spring-harbour-4521", "password2": "Spring-harbour-4521",
        "grant-TOTAL_FORMS": "1", "grant-INITIAL_FORMS": "0",
        "grant-MIN_NUM_FORMS": "1", "grant-MAX_NUM_FORMS": "1",
        "grant-0-organization": tree.nanen.pk, "grant-0-role": Role.VIEWER,
    })
    assert response.status_code == 302
    user = User.objects.get(username="nanen_clerk")

    url = reverse("admin:auth_user_change", args=[user.pk])
    response = client.post(url, grant_change_post(user, tree.nanen, Role.CLERK))
    assert response.status_code == 302, response.context["adminform"].form.errors

    created, changed = Grant.history.filter(user_id=user.pk).order_by("history_id")
    assert (created.history_type, created.role, created.history_user) == (
        "+", Role.VIEWER, people.city_admin)
    assert (changed.history_type, changed.role, changed.history_user) == (
        "~", Role.CLERK, people.city_admin)
    assert changed.history_date >= created.history_date

    # The user's page shows it, newest first, to those who manage the user.
    html = client.get(url).content.decode()
    history = html[html.index('class="grant-history"'):]
    assert history.index("已修改") < history.index("已创建")
    assert "南恩街道总工会" in history and "录入员" in history and "查看员" in history
    assert history.count("city_admin") == 2


def test_finding4_grant_history_is_not_shown_to_those_who_do_not_manage_users(
    client, tree, people,
):
    client.force_login(people.jiangcheng_clerk)
    url = reverse("admin:auth_user_change", args=[people.jiangcheng_viewer.pk])
    assert client.get(url).status_code == 403


def test_finding4_site_activity_changes_record_who_and_when(client, tree, people):
    data = build(tree, people)
    activity = data.jc_activity
    client.force_login(people.jiangcheng_clerk)
    url = reverse("admin:organizations_siteactivity_change", args=[activity.pk])
    response = client.post(url, {
        "site": data.jc_site.pk, "date": "2024-02-02", "service": activity.service,
        "title": activity.title, "participants": "30", "notes": "",
    })
    assert response.status_code == 302
    latest = activity.history.first()
    assert (latest.history_type, latest.participants, latest.date) == ("~", 30, date(2024, 2, 2))
    assert latest.history_user == people.jiangcheng_clerk

    history = client.get(reverse("admin:organizations_siteactivity_history",
                                 args=[activity.pk])).content.decode()
    assert "jiangcheng_clerk" in history and "参加人数" in history


def test_finding4_activities_added_on_the_site_page_record_who(client, tree, people):
    data = build(tree, people)
    site = data.jc_site
    client.force_login(people.jiangcheng_clerk)
    url = reverse("admin:organizations_demonstrationsite_change", args=[site.pk])
    form = client.get(url).context["adminform"].form
    post = {name: value for name, value in form.initial.items()
            if value is not None and not isinstance(value, (list, bool))}
    post.update({
        "union": site.union_id, "division": site.division_id, "opened_on": "2017-05-01",
        "status": site.status, "level": site.level, "offers_hardship": "on",
        "has_union": "on", "has_service_station": "on", "has_workers_home": "on",
        "activities-TOTAL_FORMS": "2", "activities-INITIAL_FORMS": "1",
        "activities-MIN_NUM_FORMS": "0", "activities-MAX_NUM_FORMS": "1000",
        "activities-0-id": data.jc_activity.pk, "activities-0-site": site.pk,
        "activities-0-date": "2024-02-01", "activities-0-service": "hardship",
        "activities-0-title": data.jc_activity.title, "activities-0-participants": "25",
        "activities-1-site": site.pk, "activities-1-date": "2024-06-01",
        "activities-1-service": "rights", "activities-1-title": "法律咨询日",
        "activities-1-participants": "12",
    })
    response = client.post(url, post)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = SiteActivity.objects.get(title="法律咨询日")
    record = added.history.get()
    assert (record.history_type, record.history_user) == ("+", people.jiangcheng_clerk)
