"""The figure cache: the dashboard's and the campaign page's figures, kept in Django's
cache (settings ``CACHES``) until what they count changes.

A page's figures are keyed by the database, the user's scope (the path of the union
their grant covers; a superuser's is the whole tree), the union looked at, the page's
own parameters (day, grouping, band…), the language and the **figures' version**, read from the
database on every request: a number that every committed write to what the figures
count moves on (events, members, drives, unions, employers, divisions, targets, sites:
``members.models.FIGURE_TABLES``, bumped by the triggers of migration 0015). So a
figure cached by one gunicorn process is never shown by another after a change, with
any cache backend, and a county user never reads the city's figures.

On PostgreSQL the version is a sequence, moved by each writing statement before its
transaction commits; the writer holds ``FIGURES_LOCK`` shared until then. Figures are
stored only when no writer holds it (and the request itself has written nothing), so
they never miss a write whose version was already read; they are read whatever the
lock. On SQLite the version is a counter in the writers' own transactions.

Part of ``members.statistics`` (above the register, which sits above ``organizations``).
"""

import hashlib

from django.core.cache import cache
from django.db import connections
from django.utils import translation

from members.models import FIGURES_LOCK, MembershipEvent
from organizations.policy import scope_root

VERSION_TABLE = "members_figures_version"
TIMEOUT = 24 * 3600  # figures keyed by today's date are no use tomorrow


def version():
    """The figures' version, and whether figures counted now may be stored."""
    connection = connections[MembershipEvent.objects.db]
    if connection.vendor == "postgresql":
        # One statement: the version read first, then whether any writer is in flight
        # (the lock taken exclusively for an instant, if free) and whether this
        # transaction wrote anything (its uncommitted rows would be counted).
        sql = (f"SELECT last_value, pg_current_xact_id_if_assigned() IS NULL AND "
               f"CASE WHEN pg_try_advisory_lock(%s) THEN pg_advisory_unlock(%s) "
               f"ELSE false END FROM {VERSION_TABLE}")
        params = [FIGURES_LOCK, FIGURES_LOCK]
    else:
        sql, params = f"SELECT last_value, 1 FROM {VERSION_TABLE}", []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        number, may_store = cursor.fetchone()
    return number, bool(may_store)


def cached(user, page, organization, parameters, count):
    """The figures of ``page`` for ``organization`` with ``parameters`` (a tuple of
    values that are part of the key), as ``user`` sees them: from the cache when
    nothing they count changed since they were stored, else ``count()``, stored."""
    number, may_store = version()
    root = scope_root(user)
    connection = connections[MembershipEvent.objects.db]
    key = "figures:" + hashlib.sha256(repr((
        connection.vendor, connection.settings_dict["NAME"], translation.get_language(), page,
        root.path if root else "", organization.path, tuple(parameters), number,
    )).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = count()
        if may_store:
            cache.set(key, figures, TIMEOUT)
    return figures
