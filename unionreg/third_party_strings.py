"""Strings that Django's admin and django-simple-history show to union staff but that
their own zh_Hans catalogs leave in English (Django 5.2, django-simple-history 3.13).

Our catalog comes first (``LOCALE_PATHS``), so translating them there is enough; they
are marked here so that ``makemessages`` keeps them in it. Never imported."""

from django.utils.translation import gettext_noop

STRINGS = [
    # admin/auth/user/add_form.html: above the form that adds a user.
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # admin/app_list.html: the column headers of the admin index (read by screen readers).
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]
