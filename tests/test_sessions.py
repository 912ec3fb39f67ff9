"""A session ends an hour (SESSION_IDLE_SECONDS) after its last request, and is written
back at most once a minute rather than on every request
(unionreg.middleware.SessionRefreshMiddleware)."""

import time
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client

from unionreg.middleware import SessionRefreshMiddleware


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def logged_in(user):
    client = Client()
    client.force_login(user)
    client.get("/members/")  # the first page stamps the session
    return client


def test_pages_within_a_minute_do_not_write_the_session(people):
    client = logged_in(people.jiangcheng_clerk)
    first = expiry(client)
    assert client.get("/members/").status_code == 200
    assert expiry(client) == first


def test_a_page_a_minute_later_moves_the_expiry_on(people, monkeypatch):
    client = logged_in(people.jiangcheng_clerk)
    first = expiry(client)
    later = time.time() + SessionRefreshMiddleware.REFRESH_SECONDS + 5
    monkeypatch.setattr("unionreg.middleware.time.time", lambda: later)
    assert client.get("/members/").status_code == 200
    assert expiry(client) > first


def test_an_idle_session_ends(people):
    client = logged_in(people.jiangcheng_clerk)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=expiry(client) - timedelta(hours=2))
    response = client.get("/members/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_visitors_get_no_session(db):
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    assert Session.objects.count() == 0
