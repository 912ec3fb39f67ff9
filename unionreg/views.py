"""Site-wide responses that belong to no app: the login lockout page.

Django's own error views render the templates 400.html, 403.html, 403_csrf.html,
404.html and 500.html from templates/, so they need no code here."""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login while the username is locked
    (``AXES_LOCKOUT_CALLABLE``): the site's page in Chinese, status 429."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "429.html", {"minutes": minutes}, status=429)
