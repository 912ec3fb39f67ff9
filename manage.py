#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreg.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, connection

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake deserves one clear line, not a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        if connection.connection is not None:
            raise  # connected: the error is about something else, keep its traceback
        # A server that is down or a database that does not exist: one line too.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(
            f"Cannot connect to the database {shown_database_url()}: {reason}. "
            "Is the server running and does the database exist?\n"
        )
        sys.exit(1)


def shown_database_url():
    """DATABASE_URL as settings read it, with any password replaced by ***."""
    url = os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


if __name__ == "__main__":
    main()
