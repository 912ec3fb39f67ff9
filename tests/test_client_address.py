"""Finding 7 of issue 15: the client's address behind the reverse proxy, and no caching
of pages that show personal data.

django-axes locks a username per client address (``unionreg.client.client_ip``).
Behind the proxy the connection address is the proxy's; X-Forwarded-For names the
client, but is believed only from a proxy in ``TRUSTED_PROXIES``."""

import ipaddress

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import RequestFactory
from django.urls import reverse

from tests.people import PASSWORD
from tests.scoped_data import build
from unionreg.client import client_ip

ALICE, MALLORY = "203.0.113.5", "198.51.100.7"


def env_networks_of(value):
    return [ipaddress.ip_network(item) for item in value.split(",")]


def login_from(client, forwarded_for, password):
    # The test client connects from 127.0.0.1 (REMOTE_ADDR), as the proxy would.
    return client.post(
        reverse("admin:login"),
        {"username": "jiangcheng_clerk", "password": password, "next": reverse("admin:index")},
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_finding7_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(
    client, people, settings,
):
    settings.TRUSTED_PROXIES = env_networks_of("127.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, MALLORY, "wrong-password")
    assert login_from(client, MALLORY, PASSWORD).status_code == 429
    response = login_from(client, ALICE, PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(people.jiangcheng_clerk.pk)


def test_finding7_without_trusted_proxies_a_forged_header_cannot_dodge_the_lockout(
    client, people, settings,
):
    settings.TRUSTED_PROXIES = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_from(client, MALLORY, "wrong-password")
    response = login_from(client, ALICE, PASSWORD)  # a new "address", same connection
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("remote, forwarded, trusted, expected", [
    ("127.0.0.1", ALICE, "", "127.0.0.1"),  # header ignored without trusted proxies
    ("10.0.0.9", ALICE, "127.0.0.1", "10.0.0.9"),  # from an untrusted peer: ignored
    ("127.0.0.1", ALICE, "127.0.0.1", ALICE),
    # The client prepends a forged address; our proxy appended the real one.
    ("127.0.0.1", f"{MALLORY}, {ALICE}", "127.0.0.1", ALICE),
    # Two proxies in a chain, both trusted (a network for the inner one).
    ("127.0.0.1", f"{ALICE}, 10.0.0.3", "127.0.0.1,10.0.0.0/24", ALICE),
    ("127.0.0.1", "", "127.0.0.1", "127.0.0.1"),  # a trusted peer that named no client
    ("127.0.0.1", "not-an-address", "127.0.0.1", "127.0.0.1"),
])
def test_finding7_client_ip_trusts_only_listed_proxies(settings, remote, forwarded, trusted,
                                                       expected):
    settings.TRUSTED_PROXIES = env_networks_of(trusted) if trusted else []
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_finding7_axes_uses_client_ip():
    assert settings.AXES_CLIENT_IP_CALLABLE == "unionreg.client.client_ip"


# --- Cache-Control ------------------------------------------------------------------------


def assert_not_stored(response, where):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert response.status_code == 200, f"{where}: {response.status_code}"
    assert {"private", "no-store"} <= directives, f"{where}: {response.get('Cache-Control')}"


def test_finding7_pages_with_personal_data_are_not_cached(client, tree, people):
    data = build(tree, people)
    client.force_login(people.jiangcheng_clerk)
    member = data.jc_member
    pages = {
        "member list": reverse("member_list"),
        "member detail": reverse("member_detail", args=[member.pk]),
        "admin member change": reverse("admin:members_member_change", args=[member.pk]),
        "export download": reverse("spreadsheets:export_members") + "?format=csv",
    }
    for where, url in pages.items():
        response = client.get(url)
        if where == "export download":
            assert member.id_number in b"".join(response).decode("utf-8-sig"), where
        assert_not_stored(response, where)


def test_finding7_static_files_stay_cacheable(client, people):
    # WhiteNoise answers before the middleware: the same file for everyone, no personal data.
    client.force_login(people.jiangcheng_clerk)
    response = client.get(static("css/app.css"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
