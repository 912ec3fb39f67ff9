"""Login throttling, security headers and password rules. ``manage.py check --deploy``
with production settings is tested in tests/test_settings_env.py."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.people import PASSWORD


def admin_login(client, username, password):
    return client.post(reverse("admin:login"), {
        "username": username, "password": password, "next": reverse("admin:index"),
    })


def test_right_password_logs_in(client, people):
    response = admin_login(client, "jiangcheng_clerk", PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(people.jiangcheng_clerk.pk)


def test_lockout_after_repeated_failures(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = admin_login(client, "jiangcheng_clerk", "wrong-password")
        assert "_auth_user_id" not in client.session
    response = admin_login(client, "jiangcheng_clerk", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked by these failures.
    assert admin_login(client, "yangchun_clerk", PASSWORD).status_code == 302


def test_failures_below_the_limit_do_not_lock(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "jiangcheng_clerk", "wrong-password")
    assert admin_login(client, "jiangcheng_clerk", PASSWORD).status_code == 302


def test_disabled_users_cannot_log_in(client, people):
    User.objects.filter(pk=people.jiangcheng_clerk.pk).update(is_active=False)
    admin_login(client, "jiangcheng_clerk", PASSWORD)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["admin:login", "login"])
def test_responses_carry_the_content_security_policy(client, url):
    response = client.get(reverse(url))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_pages_carry_the_policy_too(client, people):
    client.force_login(people.jiangcheng_clerk)
    response = client.get(reverse("admin:members_member_changelist"))
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("password", ["12345678", "1234567890123", "password123", "short1!"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_like_the_username_is_rejected(db):
    user = User(username="chenjiangsheng")
    with pytest.raises(ValidationError):
        validate_password("chenjiangsheng1", user)


def test_a_good_password_passes():
    validate_password("Harbour-lantern-5821")
