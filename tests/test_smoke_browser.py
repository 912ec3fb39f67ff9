"""Chromium, Playwright and the live server work together, with the production-like
settings the suite runs under (DEBUG off, secure cookies, Content-Security-Policy)."""

import re

from playwright.sync_api import expect


def test_admin_login_in_chinese(page, screenshot, console_errors, django_user_model):
    django_user_model.objects.create_superuser("smoke", password="smoke-test-password-2026")

    page.goto("/admin/login/")
    expect(page.locator("body")).to_contain_text("登录")
    screenshot(page, "admin-login")

    # Logging in needs the CSRF and session cookies, which are Secure with DEBUG off;
    # Chromium keeps them for http://localhost, so browser tests can log in.
    page.fill("#id_username", "smoke")
    page.fill("#id_password", "smoke-test-password-2026")
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#user-tools")).to_contain_text("欢迎")
    assert console_errors == []
