"""Strict readers for environment variables.

A bad value must stop the process at start-up with a message that names the variable,
not surface later as a confusing traceback deep inside a request.
"""

import ipaddress
import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name):
    """A comma-separated list of IP addresses or networks (``10.0.0.5``, ``10.0.0.0/24``,
    ``::1``) as ``ipaddress`` networks; empty or unset: none. A value that is not an
    address stops the process: a typo here would silently trust nobody, or the wrong host."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)."
            ) from None
    return networks


def parse_database_url(url, *, base_dir, variable="DATABASE_URL"):
    """Turn DATABASE_URL (or another ``variable`` of the same form) into a DATABASES
    entry.

    Supported: ``sqlite:///relative.sqlite3``, ``sqlite:////absolute/path``, and
    ``postgres://user:password@host:port/name`` (``postgresql://`` too). Anything else
    is refused with a message naming the variable, so a typo never starts the app on
    the wrong database.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):
            name = path[1:]
        elif path.startswith("/") and len(path) > 1:
            name = str(base_dir / path[1:])
        else:
            raise ImproperlyConfigured(
                f"{variable}={url!r}: a SQLite URL needs a file, e.g. sqlite:///db.sqlite3"
            )
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                f"{variable}={url!r}: the database name is missing "
                "(postgres://user@host:5432/NAME)."
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{variable}={url!r}: the port is not a number.") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{variable}={url!r}: unsupported scheme {scheme!r}; use sqlite:/// or postgres://."
    )
